"""The figures behind an alert's charts, drawn as SVG by ``templates/quality/alert.html``: the
batch against the other batches at each age, and the part's batches each against its own
expectation."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.quality.stats import DAYS_PER_MONTH, band_label

WIDTH = 240  # px of the longest bar
PER = 100 * DAYS_PER_MONTH  # a rate per unit-day, per 100 units a month

# Which other batches an age band was compared with (stats.LEVELS).
LEVEL_TITLES = {"model_half_year": _l("same model, sold in the same half-year"),
                "model": _l("same model"), "part": _l("every model the part fits"),
                None: _l("none: no other batch has been in service so long")}


@dataclass
class Age:
    """One age band of an alert: the batch's and the other batches' failures per 100 units a
    month in service there, and the bars' lengths."""

    label: str  # days since the sale
    units: int
    unit_days: int
    failures: int
    expected: float | None
    rate: float
    other_rate: float | None
    compared_with: str
    width: float = 0
    other_width: float = 0


def ages(alert) -> dict:
    """The alert's age bands (``BatchAlert.bands``) for its table and chart."""
    rows = []
    for b in alert.bands or []:
        expected = b["expected"]
        rows.append(Age(band_label(b["band"]), b["units"], b["unit_days"], b["failures"],
                        expected, PER * b["failures"] / b["unit_days"] if b["unit_days"] else 0,
                        None if expected is None or not b["unit_days"]
                        else PER * expected / b["unit_days"], str(LEVEL_TITLES[b["level"]])))
    top = max([r.rate for r in rows] + [r.other_rate or 0 for r in rows]) if rows else 0
    for r in rows:
        r.width = WIDTH * r.rate / top if top else 0
        r.other_width = WIDTH * (r.other_rate or 0) / top if top else 0
    return {"rows": rows, "width": WIDTH, "row": 40}


@dataclass
class Bar:
    batch: str
    failures: int
    expected: float
    ratio: float | None  # failures / expected; None when nothing was expected
    width: float
    highlight: bool


def batch_ratios(alert, figures, limit: int = 12) -> dict:
    """The alert's batch and the part's other busiest batches (in batch order), each its
    failures against what the other batches at its ages predict; the line is "as expected".

    ``figures`` are ``warning.last_checked`` (or ``batch_figures``) of the alert's part."""
    rows = [f for f in figures if f.part_id == alert.part_id]
    rows.sort(key=lambda f: (f.batch != alert.batch, -f.unit_days))
    rows = sorted(rows[:limit], key=lambda f: f.batch)
    ratios = {f.batch: f.failures / f.expected if f.expected > 0 else None for f in rows}
    top = max([1.0, *(r for r in ratios.values() if r is not None)])
    bars = [Bar(f.batch, f.failures, f.expected, ratios[f.batch],
                WIDTH * (ratios[f.batch] or 0) / top, f.batch == alert.batch) for f in rows]
    return {"bars": bars, "one_x": WIDTH / top, "width": WIDTH, "row": 22}
