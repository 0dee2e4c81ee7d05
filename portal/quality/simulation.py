"""Field data made up in memory, to try the early warning where the truth is known.

A maker's models come off the line in one batch a month each; a batch's units are sold some
weeks later (a random delay), so the newest batches are young. Every unit fails at a rate that
is high in its first weeks and falls after (running-in): 1 + ``running_in`` times the settled
rate at the sale, the excess fading with a time constant of ``running_in_days``; the settled
rate is the part's, times its model's (the same part fails more often on some models). No
batch is worse than another unless one is planted: then one batch's rate of one part is
``strength`` times the normal rate in its units' first three months in service (ages 0–90
days, the first two bands).

``draw`` makes a field and what the check counts of it (``Field.counts``, ready for
``stats.figures_of``); ``rows`` gives its failures with units and dates, for the database.
``run`` checks one field both ways (the check's method and the one before issue 21);
``flask alerts simulate`` prints the figures the README quotes.
"""

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.quality import stats

AS_OF = date(2026, 6, 30)
EARLY_BANDS = 2  # the planted excess: ages 0–90 days


@dataclass(frozen=True)
class Scenario:
    """The field's size and rates (per part: the models it fits, failures per 100 units a year
    once run in)."""

    months: int = 36  # of production, one batch per model a month, the newest two months old
    units_per_batch: int = 200  # each batch draws its size from 60 % to 140 % of this
    model_rates: tuple = (0.7, 1.0, 1.5)  # each model's factor on the parts' rates
    parts: tuple = (((0, 1), 6.0), ((1, 2), 4.0), ((0,), 8.0), ((0, 1, 2), 3.0))
    running_in: float = 4.0
    running_in_days: float = 30.0
    sale_delay_days: float = 75.0  # mean, after 10 days to reach the dealer
    plant_model: int = 1  # the planted batch: this model's, produced this many months back
    plant_months_back: int = 8


@dataclass
class Plant:
    part: int  # index into Scenario.parts
    strength: float


@dataclass
class Field:
    """One draw of the field: the units sold, as ((model, batch, sale day), how many), and what
    the check counts of them."""

    scenario: Scenario
    groups: list = field(default_factory=list)
    planted: tuple | None = None  # (part id, batch)
    counts: stats.Counts = field(default_factory=stats.Counts)
    keep_rows: bool = False
    cells: dict = field(default_factory=dict)  # (model, batch, half-year, band) -> [(first, n)]

    @property
    def units(self) -> list:
        """One (model, batch, sale day) per unit, in the order of ``groups``."""
        return [unit for unit, n in self.groups for _n in range(n)]


def batch_name(model: int, produced: date) -> str:
    return f"M{model + 1}-{produced:%Y%m}"


def part_id(index: int) -> int:
    return index + 1


def model_id(index: int) -> int:
    return index + 1


def _groups(scenario: Scenario, rng: random.Random) -> list:
    groups = []
    first = _month_back(AS_OF.replace(day=1), scenario.months)
    for model in range(len(scenario.model_rates)):
        for month in range(scenario.months):
            produced = _month_back(first, -month)
            batch = batch_name(model, produced)
            size = round(scenario.units_per_batch * rng.uniform(0.6, 1.4))
            delays = Counter(int(rng.expovariate(1 / scenario.sale_delay_days))
                             for _unit in range(size))
            for delay, n in sorted(delays.items()):
                sold = produced + timedelta(days=10 + delay)
                if sold <= AS_OF:
                    groups.append(((model, batch, sold), n))
    return groups


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _shape(scenario: Scenario):
    """Band by band, the hazard's integral over a unit's ages there (in settled-rate days),
    cached by days in service."""
    a, tau, cache = scenario.running_in, scenario.running_in_days, {}
    ends = [*stats.BANDS[1:], None]

    def integral(lo, hi):
        return (hi - lo) + a * tau * (math.exp(-lo / tau) - math.exp(-hi / tau))

    def shape(days):
        if days not in cache:
            cache[days] = [integral(lo, min(days, hi) if hi else days) if days > lo else 0.0
                           for lo, hi in zip(stats.BANDS, ends, strict=True)]
        return cache[days]

    return shape


def draw(scenario: Scenario, seed: int, plant: Plant | None = None, *, rows=False) -> Field:
    """One field from ``seed``; ``rows`` keeps which units each count is of."""
    rng = random.Random(seed)
    result = Field(scenario, _groups(scenario, rng), keep_rows=rows)
    if plant is not None:
        produced = _month_back(AS_OF.replace(day=1), scenario.plant_months_back)
        result.planted = (part_id(plant.part), batch_name(scenario.plant_model, produced))
    fits = defaultdict(list)
    for index, (models, _rate) in enumerate(scenario.parts):
        for model in models:
            fits[model].append(index)
    days, risk, units, reached = _in_service(scenario, result)
    counts = result.counts
    for (model, batch), n in units.items():
        for index in fits[model]:
            counts.units[part_id(index), batch] += n
    for (model, batch, band), n in reached.items():
        for index in fits[model]:
            counts.reached[part_id(index), batch, band] += n
    for cell, spent in sorted(days.items()):
        model, batch, period, band = cell
        for index in fits[model]:
            pid = part_id(index)
            key = (pid, batch, model_id(model), period, band)
            counts.days[key] += spent
            lam = (risk[cell] * scenario.parts[index][1] / 100 / 365
                   * scenario.model_rates[model])
            if (pid, batch) == result.planted and band < EARLY_BANDS:
                lam *= plant.strength
            if failed := poisson(rng, lam):
                counts.failed[key] += failed
    return result


def _in_service(scenario: Scenario, result: Field):
    """Per (model, batch, half-year, band): unit-days and the running-in hazard's integral
    over them; per (model, batch): units sold; per (model, batch, band): units reaching it.
    With ``result.cells`` kept, which units each (part, batch, model, half-year, band) has."""
    shape = _shape(scenario)
    days, risk = defaultdict(int), defaultdict(float)
    units, reached = defaultdict(int), defaultdict(int)
    keep, start = result.keep_rows, 0
    for (model, batch, sold), n in result.groups:
        in_service, period = (AS_OF - sold).days + 1, stats.half_year(sold)
        units[model, batch] += n
        for band, (spent, hazard) in enumerate(zip(stats.band_days(in_service),
                                                   shape(in_service), strict=True)):
            if spent:
                days[model, batch, period, band] += n * spent
                risk[model, batch, period, band] += n * hazard
                reached[model, batch, band] += n
                if keep:
                    result.cells.setdefault((model, batch, period, band), []).append((start, n))
        start += n
    return days, risk, units, reached


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson(lam) draw (Knuth's product of uniforms, in steps of at most 30)."""
    count = 0
    while lam > 0:
        step = min(lam, 30.0)
        lam -= step
        limit, product = math.exp(-step), rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


def rows(result: Field, seed: int) -> list[tuple[int, int, date]]:
    """The field's failures as (unit index, part id, failure day): each of a count's failures
    on one of its units that was in service at that age, on a day in that band."""
    rng, failures, units = random.Random(seed), [], result.units
    ends = [*stats.BANDS[1:], None]
    for key, count in sorted(result.counts.failed.items()):
        pid, batch, model, period, band = key
        lo, hi = stats.BANDS[band], ends[band]
        numbers = [number for start, n in result.cells[model - 1, batch, period, band]
                   for number in range(start, start + n)]
        for _n in range(count):
            number = rng.choice(numbers)
            sold = units[number][2]
            last = (AS_OF - sold).days if hi is None else min((AS_OF - sold).days, hi - 1)
            failures.append((number, pid, sold + timedelta(days=rng.randint(lo, last))))
    return failures


def old_method_alerts(counts: stats.Counts, level=0.01, least=3) -> set:
    """The pairs the check before issue 21 flagged: each pair alone at p < ``level``, its
    failures against the part's failures per unit-day over all other batches (plus half a
    failure), whatever the units' ages."""
    days, failed = defaultdict(int), defaultdict(int)
    for (pid, batch, *_rest), spent in counts.days.items():
        days[pid, batch] += spent
    for (pid, batch, *_rest), n in counts.failed.items():
        failed[pid, batch] += n
    part_days, part_failed = defaultdict(int), defaultdict(int)
    for (pid, _batch), spent in days.items():
        part_days[pid] += spent
        part_failed[pid] += failed[pid, _batch]
    hits = set()
    for (pid, batch), spent in days.items():
        observed, other_days = failed[pid, batch], part_days[pid] - spent
        if observed >= least and other_days > 0:
            rate = (part_failed[pid] - observed + 0.5) / other_days
            if stats.poisson_tail(observed, rate * spent) < level:
                hits.add((pid, batch))
    return hits


@dataclass
class Outcome:
    pairs: int
    alerts: set  # (part id, batch) flagged by the check
    old_alerts: set  # flagged by the method before issue 21
    planted: tuple | None

    @property
    def caught(self) -> bool:
        return self.planted in self.alerts


def run(scenario: Scenario, seed: int, plant: Plant | None = None, *, rate=0.05,
        least=3) -> Outcome:
    """Draw one field and check it as ``flask alerts check`` would (and as before)."""
    result = draw(scenario, seed, plant)
    figures = stats.figures_of(result.counts)
    _limit, hits = stats.flagged(figures, rate, least)
    return Outcome(len(figures), hits, old_method_alerts(result.counts), result.planted)


@dataclass
class Summary:
    """What ``seeds`` runs of a scenario showed: alerts per run on a field with no bad batch
    (by the check, and by the method before), and how often a planted batch was caught."""

    units_per_batch: int
    runs: int
    pairs: int
    null_alerts: list  # per run
    old_alerts: list  # per run
    caught: dict  # strength -> runs that raised the planted batch
    false_alerts: dict  # strength -> alerts on other batches, over the runs

    def line(self) -> str:
        n = self.runs
        caught = ", ".join(f"{s:g}x {c / n:.0%} (other alerts per run "
                           f"{self.false_alerts[s] / n:.2f})"
                           for s, c in sorted(self.caught.items()))
        return (f"batches of {self.units_per_batch} units, {self.pairs} pairs, {n} seeds: "
                f"no bad batch → alerts per run mean {sum(self.null_alerts) / n:.2f}, "
                f"max {max(self.null_alerts)}, runs with any {_share(self.null_alerts)}; "
                f"before issue 21 mean {sum(self.old_alerts) / n:.1f}, "
                f"min {min(self.old_alerts)}; planted batch caught: {caught}")


def _share(values) -> str:
    return f"{sum(1 for v in values if v) / len(values):.0%}"


def summarise(scenario: Scenario, seeds, strengths=(2, 3, 5), *, part=0) -> Summary:
    """Run the null and each planted strength over ``seeds`` (the same fields but the plant)."""
    seeds = list(seeds)
    null = [run(scenario, seed) for seed in seeds]
    caught, false_alerts = {}, {}
    for strength in strengths:
        planted = [run(scenario, seed, Plant(part, strength)) for seed in seeds]
        caught[strength] = sum(o.caught for o in planted)
        false_alerts[strength] = sum(len(o.alerts - {o.planted}) for o in planted)
    return Summary(scenario.units_per_batch, len(seeds), null[0].pairs,
                   [len(o.alerts) for o in null], [len(o.old_alerts) for o in null], caught,
                   false_alerts)
