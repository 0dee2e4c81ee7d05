"""The early warning's statistics, on counts held in memory (no database, no request).

A batch is compared like with like: its failures of a key part at each age (days since each
unit's sale, in the bands of ``BANDS``) against the other batches' failures of the part at the
same age, per unit-day in service. The comparison at an age is made within the finest group of
other batches that has enough time in service there (``LEVELS``):

1. the same model, sold in the same half-year (the spring or the autumn selling season), when
   the other batches have at least ``LEVELS[0].ratio`` times the batch's own unit-days at
   that age;
2. else the same model, when they have at least ``LEVELS[1].ratio`` times as many;
3. else every model the part fits, when any other batch reached that age;

else that age is not compared (no other batch has been in service so long). One level is chosen
per age band for all of the batch's units there, so the groups a batch is compared with at
different ages never share a failure.

The test is exact and conditional, so a thin comparison costs power, not false alerts: under
"same rate", the failures seen at one age in a group, split between the batch and the others,
fall in the batch with the share of its unit-days (a binomial); the batch's total over all ages
is a sum of such binomials, and the p-value is that sum's chance of reaching the failures seen.
It needs no made-up prior: where the other batches never failed at an age, a batch's failures
there count against how small its share of the time in service is. (A coarser group assumes its
batches fail alike: the fallback from "same model" to "every model" is the one place where a
model that fails more could look like a bad batch.)

Across every (key part, batch) pair of one check the false discoveries are held to the policy's
rate by the Benjamini–Hochberg step-up rule (``cutoff``): with q = 5 %, at most 5 % of the
alerts are expected to be false, and on data where no batch is worse than the others the chance
of raising any alert at all is at most 5 %.
"""

import math
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import date

# Ages (days since the sale) where a band starts; band i covers [BANDS[i], BANDS[i + 1]) and the
# last is open: the running-in month (the regulation's first 30 days), the rest of the first
# quarter, the first half-year, the first year (the whole machine's period), the second year
# (the main parts' period), and after.
BANDS = (0, 31, 91, 181, 366, 731)
DAYS_PER_MONTH = 30  # a rate per unit-day is shown per 100 units a month

Level = namedtuple("Level", "code ratio")
LEVELS = (Level("model_half_year", 10), Level("model", 3), Level("part", 0))


def band_of(age: int) -> int:
    """The band of an age in days (a failure dated before the sale counts in the first)."""
    index = 0
    while index + 1 < len(BANDS) and age >= BANDS[index + 1]:
        index += 1
    return index


def band_label(band: int) -> str:
    """An age band as days since the sale: "0–30", …, "731+"."""
    if band + 1 < len(BANDS):
        return f"{BANDS[band]}–{BANDS[band + 1] - 1}"
    return f"{BANDS[band]}+"


def band_days(days_in_service: int) -> list[int]:
    """The unit-days one unit in service for ``days_in_service`` days spent in each band."""
    ends = [*BANDS[1:], None]
    return [max(0, (days_in_service if hi is None else min(days_in_service, hi)) - lo)
            for lo, hi in zip(BANDS, ends, strict=True)]


def half_year(day: date) -> int:
    """The selling half-year of a sale day, as a number (2026 H2 → 4053)."""
    return day.year * 2 + (day.month > 6)


@dataclass
class Counts:
    """What the check counts, by (part, batch, model, half-year of sale, band): unit-days in
    service and failures; by (part, batch): units sold; by (part, batch, band): units that
    reached the band."""

    days: dict = field(default_factory=lambda: defaultdict(int))
    failed: dict = field(default_factory=lambda: defaultdict(int))
    units: dict = field(default_factory=lambda: defaultdict(int))
    reached: dict = field(default_factory=lambda: defaultdict(int))


@dataclass
class BandFigures:
    """One age band of a pair: the batch's units, unit-days and failures there, and what the
    other batches' rate at that age predicts (None: no other batch to compare with)."""

    band: int
    units: int
    unit_days: int
    failures: int
    expected: float | None
    level: str | None  # LEVELS code of the batches compared with

    def as_dict(self) -> dict:
        return {"band": self.band, "units": self.units, "unit_days": self.unit_days,
                "failures": self.failures, "level": self.level,
                "expected": None if self.expected is None else round(self.expected, 4)}


@dataclass
class BatchFigures:
    """One (key part, batch) pair as the check sees it, over the ages compared."""

    part_id: int
    batch: str
    failures: int
    units: int
    unit_days: int
    expected: float  # at the other batches' rates, age by age
    p_value: float
    bands: tuple = field(default=(), compare=False)

    @property
    def reference_rate(self) -> float:
        """The other batches' failures per unit-day, at this batch's ages."""
        return self.expected / self.unit_days if self.unit_days else 0.0


# ------------------------------------------------------------------------------ the test


def excess_p(observed: int, groups) -> float:
    """P(X >= observed) for X the sum of independent Binomial(n, share) over ``groups``.

    Exact up to float rounding (a p-value below ~1e-13 comes out as 0): the distribution of
    the sum is built by convolution up to ``observed`` - 1, terms below 1e-300 left out."""
    top, low, dist = observed - 1, 0, [1.0]
    for n, share in groups:
        if top < low or not dist:
            return 1.0  # even the least likely sums reach ``observed``
        if n > 0 and share > 0:
            offset, pmf = _binomial_head(n, min(share, 1.0), top - low)
            low, dist = low + offset, _convolve(dist, pmf, top - low - offset + 1)
    if top < low or not dist:
        return 1.0
    return min(1.0, max(0.0, 1.0 - math.fsum(dist)))


def _binomial_head(n: int, share: float, top: int) -> tuple[int, list[float]]:
    """(k0, [P(K = k0), …, P(K = min(n, top))]) for K ~ Binomial(n, share), leaving out the
    leading terms too small for a float and, past the mode, those below 1e-20 of the peak."""
    last = min(n, top)
    if share >= 1.0:
        return n, [1.0] if n <= top else []
    odds, mode = share / (1.0 - share), (n + 1) * share
    k, log_p = 0, n * math.log1p(-share)
    while log_p <= -690.0 and k < last:  # too small for a float: step in logs to the first
        k += 1
        log_p += math.log((n - k + 1) / k * odds)
    if log_p <= -690.0:
        return last + 1, []
    k0, term = k, math.exp(log_p)
    terms, peak = [term], term
    while k < last:
        k += 1
        term *= (n - k + 1) / k * odds
        if term > peak:
            peak = term
        elif k > mode and term < 1e-20 * peak:
            break
        terms.append(term)
    return k0, terms


def _convolve(a: list[float], b: list[float], size: int) -> list[float]:
    """The first ``size`` terms of the convolution of ``a`` and ``b``."""
    size = min(size, len(a) + len(b) - 1)
    if size <= 0 or not b:
        return []
    out = [0.0] * size
    for i, x in enumerate(a[:size]):
        if x < 1e-300:
            continue
        for j, y in enumerate(b[:size - i]):
            out[i + j] += x * y
    return out


def poisson_tail(n: int, lam: float) -> float:
    """P(X >= n) for X ~ Poisson(lam), exact to float precision (the test before issue 21,
    kept for ``portal.quality.simulation``'s comparison).

    A small upper tail is summed directly (1 - CDF would cancel to nothing); otherwise the
    terms below n are summed in log space, so a large lam does not underflow e^-lam."""
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if n > lam:
        term = math.exp(-lam + n * math.log(lam) - math.lgamma(n + 1))
        total, k = 0.0, n
        while term > total * 1e-17:
            total += term
            k += 1
            term *= lam / k
        return min(total, 1.0)
    below = math.fsum(math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(n))
    return max(0.0, 1.0 - below)


def cutoff(p_values: list[float], rate: float) -> float:
    """The Benjamini–Hochberg threshold at false-discovery ``rate``: a pair is a discovery when
    its p-value is at most this. With k discoveries out of m pairs it is rate × k / m; with
    none, rate / m (what the most striking pair would have needed)."""
    ordered, m = sorted(p_values), len(p_values)
    found = 0
    for rank, p in enumerate(ordered, 1):
        if p <= rate * rank / m:
            found = rank
    return rate * max(found, 1) / max(m, 1)


def flagged(figures: list, rate: float, least: int) -> tuple[float, set]:
    """(the p-value cut-off, the (part, batch) keys flagged): the check's discoveries at the
    false alert ``rate`` that reach ``least`` failures."""
    limit = cutoff([f.p_value for f in figures], rate)
    return limit, {(f.part_id, f.batch) for f in figures
                   if f.failures >= least and f.p_value <= limit}


# ------------------------------------------------------------------------------ the figures


def figures_of(counts: Counts) -> list[BatchFigures]:
    """The figures of every (part, batch) pair of ``counts`` that has something to compare
    with, in (part, batch) order."""
    totals, cells = _tally(counts)
    result = []
    for (part, batch), pair_cells in sorted(cells.items()):
        by_band = defaultdict(list)
        for band, *cell in pair_cells:
            by_band[band].append(cell)
        bands, groups = [], []
        for band, band_cells in sorted(by_band.items()):
            level, compared = _compare(part, band, band_cells, totals)
            groups += compared
            expected = None if level is None else sum(d * of / od for d, _f, od, of in compared)
            bands.append(BandFigures(band, counts.reached.get((part, batch, band), 0),
                                     sum(c[2] for c in band_cells),
                                     sum(c[3] for c in band_cells), expected, level))
        if groups:
            result.append(_pair(part, batch, counts.units.get((part, batch), 0), bands,
                                groups))
    return result


def _pair(part, batch, units, bands, groups) -> BatchFigures:
    observed = sum(f for _d, f, _od, _of in groups)
    expected = sum(d * of / od for d, _f, od, of in groups)
    p_value = excess_p(observed, [(f + of, d / (d + od)) for d, f, od, of in groups])
    return BatchFigures(part, batch, observed, units, sum(d for d, *_ in groups), expected,
                        p_value, tuple(bands))


def _keys(part, model, period, band):
    """The key of a cell in each level of ``LEVELS``."""
    return ((part, model, period, band), (part, model, band), (part, band))


def _tally(counts: Counts):
    """Per level of ``LEVELS``, the sums over all batches by level key: {key: unit-days} and
    {key: failures}; and each pair's cells: [(band, model, period, unit-days, failures)]."""
    days_by, failed_by = [{} for _level in LEVELS], [{} for _level in LEVELS]
    cells = defaultdict(list)
    days_of, failed_of = counts.days, counts.failed
    for key in days_of.keys() | failed_of.keys():
        part, batch, model, period, band = key
        days, failed = days_of.get(key, 0), failed_of.get(key, 0)
        cells[part, batch].append((band, model, period, days, failed))
        for level_days, level_failed, level_key in zip(
                days_by, failed_by, _keys(part, model, period, band), strict=True):
            level_days[level_key] = level_days.get(level_key, 0) + days
            if failed:
                level_failed[level_key] = level_failed.get(level_key, 0) + failed
    return (days_by, failed_by), cells


def _compare(part, band, band_cells, totals):
    """(level code, [(own days, own failures, others' days, others' failures)]) of one age
    band of a pair (its cells: [model, period, days, failures]): the finest level where the
    other batches have enough time in service for every group the batch's units fall in."""
    days_by, failed_by = totals
    for index, level in enumerate(LEVELS):
        mine = {}
        for model, period, days, failed in band_cells:
            key = _keys(part, model, period, band)[index]
            own_days, own_failed = mine.get(key, (0, 0))
            mine[key] = (own_days + days, own_failed + failed)
        groups = []
        for key, (own_days, own_failed) in sorted(mine.items()):
            other_days = days_by[index][key] - own_days
            if own_days <= 0 or other_days <= 0 or other_days < level.ratio * own_days:
                break
            groups.append((own_days, own_failed, other_days,
                           failed_by[index].get(key, 0) - own_failed))
        else:
            return level.code, groups
    return None, []
