"""The figures behind an alert's small server-side chart (drawn as SVG by the template)."""

from dataclasses import dataclass

DAYS_PER_YEAR = 365
WIDTH = 240  # px of the longest bar


@dataclass
class Bar:
    batch: str
    rate: float  # failures per 100 units a year in the field
    failures: int
    units: int
    width: float
    highlight: bool


def per_100_unit_years(rate_per_unit_day: float) -> float:
    return rate_per_unit_day * DAYS_PER_YEAR * 100


def batch_rates(alert, figures, limit: int = 12) -> dict:
    """The alert's batch against the other batches of its part and the baseline.

    ``figures`` are ``warning.batch_figures`` of the alert's part; the busiest batches are
    shown (the alert's always), in batch order."""
    rows = [f for f in figures if f.part_id == alert.part_id]
    rows.sort(key=lambda f: (f.batch != alert.batch, -f.unit_days))
    rows = sorted(rows[:limit], key=lambda f: f.batch)
    rates = {f.batch: per_100_unit_years(f.failures / f.unit_days) for f in rows}
    baseline = per_100_unit_years(float(alert.baseline_rate))
    top = max([baseline, *rates.values()]) or 1.0
    bars = [Bar(f.batch, rates[f.batch], f.failures, f.units, WIDTH * rates[f.batch] / top,
                f.batch == alert.batch) for f in rows]
    return {"bars": bars, "baseline": baseline, "baseline_x": WIDTH * baseline / top,
            "width": WIDTH, "row": 22}
