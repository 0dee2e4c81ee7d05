"""Which repairs the demo tells: units, dates, faults and parts, drawn with a seeded random.

Most are ordinary repairs of covered parts on units whose card was filed on time. A few tell
something on purpose: a main part repaired two and three times, a repair that waited months
for parts, two records of one day, one repair filed twice, worn parts out of their period
paid by the customer, and repairs on units whose card is not recognised.

One batch accident is planted; no other batch may look like one, on whatever day the demo is
loaded: a key part is drawn at most ``Planner.cap`` times in any other production batch, one
fewer than the early warning's minimum of failures.
"""

import bisect
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.catalog.models import FaultCode, Part
from portal.demo import claim_data as text
from portal.demo.units import GIVEN, SURNAMES
from portal.extensions import db
from portal.quality.warning import thresholds
from portal.units.coverage import add_months
from portal.units.models import Unit

REPAIRS = 450  # filed over the two years
RECENT = 30  # the autumn's repairs, many still waiting for review
HELD = 4  # of them, sent back and not yet corrected
DRAFTS = 24  # written up in the last days, not filed yet
SPAN_DAYS = 700
FIELD_WORK = {3, 4, 5, 6, 9, 10, 11}
# The planted bad batch: its differential housings (差速器壳体) crack.
BAD_BATCH_MODEL, BAD_BATCH_STEM, BAD_BATCH_FAILURES = "SB-904", "CS", 9
BAD_BATCH_SOLD = (60, 330)  # days ago the batch's units were sold
HARVEST = {5, 6, 9, 10}


def stem(part: Part) -> str:
    """The family of a part number: SB-BX-L → BX."""
    return part.part_number.split("-")[1]


@dataclass
class Plan:
    unit: Unit
    fault: FaultCode
    parts: list  # (part, quantity)
    failure: date
    handed_in: date
    completed: date
    filed: date  # the day the dealer writes it up, and files it unless ``file`` is False
    hour_meter: Decimal
    technician: str
    extra_hours: Decimal | None = None
    km: int | None = None
    other: tuple | None = None  # (reason, amount)
    paid: bool = False  # uncovered lines are made paid service
    file: bool = True
    signed: bool = True
    photos: int = 1
    fate: str = ""  # the technical department's decision, when the story needs one
    waited: bool = False  # for parts
    held: bool = False  # sent back on filing, and the dealer has not corrected it yet

    def header(self, rng: random.Random) -> dict:
        check = text.FAULTS[self.fault.code][3]
        cause = text.CAUSES[stem(self.parts[0][0])]
        names = "、".join(part.name for part, _quantity in self.parts)
        work = f"{check}，确认{cause}；更换{names}，试机正常"
        return {"failure_date": self.failure, "handed_in_on": self.handed_in,
                "completed_on": self.completed, "hour_meter": self.hour_meter,
                "fault_code_id": self.fault.id,
                "description": rng.choice(text.FAULTS[self.fault.code][2]), "cause": cause,
                "work_done": f"{text.WAITED_FOR_PARTS}；{work}" if self.waited else work,
                "technician": self.technician}


class Planner:
    def __init__(self, today: date, rng: random.Random):
        self.today, self.rng = today, rng
        units = db.session.scalars(sa.select(Unit).options(selectinload(Unit.cards))
                                   .order_by(Unit.id)).all()
        self.faults = {f.code: f for f in db.session.scalars(
            sa.select(FaultCode).options(selectinload(FaultCode.hours)))}
        parts = db.session.scalars(sa.select(Part).options(selectinload(Part.models))).all()
        self.fits = {(model.id, stem(part)): part for part in parts for model in part.models}
        filed = [u for u in units if u.card is not None and u.card.status == "filed"]
        self.units = [u for u in filed if u.card.recognised]
        self.late = [u for u in filed if not u.card.recognised]
        self.used, self.rates, self.crews = set(), {}, {}
        self.key_failures, self.cap = Counter(), thresholds()[1] - 1

    def plans(self) -> list[Plan]:
        plans = self._specials()
        by_dealer = {}
        for unit in sorted(self.units, key=lambda u: (u.card.sale_date, u.id)):
            by_dealer.setdefault(unit.dealer_id, []).append(unit)
        dealers = sorted(by_dealer)
        weights = [self.rng.uniform(0.5, 1.5) for _ in dealers]
        batches = ((REPAIRS, (3, SPAN_DAYS), {}), (RECENT, (3, 21), {}),
                   (HELD, (12, 24), {"held": True, "extra_hours": Decimal("1.5")}),
                   (DRAFTS, (3, 16), {"file": False}))
        for count, days, extra in batches:
            made = 0
            for _try in range(count * 20):
                if made == count:
                    break
                failure = self._day(*days)
                sold = by_dealer[self.rng.choices(dealers, weights)[0]]
                sold = sold[:bisect.bisect(sold, failure - timedelta(days=10),
                                           key=lambda u: u.card.sale_date)]
                unit = self.rng.choice(sold) if sold else None
                if unit and unit.id not in self.used and self._in_season(unit, failure) and (
                        plan := self._ordinary(unit, failure, **extra)):
                    plans.append(plan)
                    made += 1
        return plans

    # ------------------------------------------------------------ ordinary repairs

    def _day(self, newest: int, oldest: int) -> date:
        """A day from ``oldest`` to ``newest`` days ago, more likely recent: more machines are
        in the field."""
        rng = self.rng
        share = rng.random() if rng.random() < 0.5 else max(rng.random(), rng.random())
        return self.today - timedelta(days=newest + int((oldest - newest) * (1 - share)))

    def _in_season(self, unit: Unit, day: date) -> bool:
        """Machines break when they work: out of season, only some repairs are kept."""
        busy = HARVEST if unit.model.category == "combine" else FIELD_WORK
        return day.month in busy or self.rng.random() < 0.35

    def _ordinary(self, unit: Unit, failure: date, **extra) -> Plan | None:
        rng = self.rng
        options = self._options(unit, failure)
        if not options:
            return None
        code = rng.choices(list(options), [text.FAULTS[c][0] for c in options])[0]
        part = rng.choice(options[code])
        parts = [(part, 2 if stem(part) in text.IN_PAIRS and rng.random() < 0.5 else 1)]
        others = [p for p in options[code] if p is not part]
        if others and rng.random() < 0.2:
            parts.append((rng.choice(others), 1))
        if not extra.get("file", True):
            extra.update(signed=rng.random() < 0.5, photos=rng.randint(0, 2))
        return self._plan(unit, failure, self.faults[code], parts, **extra)

    def _options(self, unit: Unit, failure: date, *, covered_only=True) -> dict:
        """Fault code → the parts of it that fit the unit (and are in their period)."""
        options = {}
        for code, (_weight, stems, _said, _check) in text.FAULTS.items():
            if self.faults[code].hours_for(unit.model.category) is None:
                continue
            parts = [p for s in stems if (p := self.fits.get((unit.model_id, s)))]
            parts = [p for p in parts if not covered_only or self._covered(unit, p, failure)]
            if parts:
                options[code] = parts
        return options

    @staticmethod
    def _covered(unit: Unit, part: Part, failure: date) -> bool:
        """In the part's period, before any extension (which only lengthens it)."""
        model = unit.model
        months = part.warranty_months or {"main": model.main_parts_months,
                                          "wear": model.wear_parts_months}.get(
            part.kind.value, model.whole_months)
        return failure <= add_months(unit.card.invoice_date or unit.card.sale_date, months)

    def _plan(self, unit, failure, fault, parts, *, days=None, planted=False,
              **extra) -> Plan | None:
        rng = self.rng
        keys = Counter({(part.id, unit.batch): n for part, n in parts if part.key_part})
        if not planted and any(self.key_failures[k] + n > self.cap for k, n in keys.items()):
            return None  # one more would make this batch look like an accident
        handed = failure + timedelta(days=rng.choice([0, 0, 0, 1, 2]))
        completed = handed + timedelta(days=days or rng.choice([0, 0, 1, 1, 2, 3, 5]))
        filed = completed + timedelta(days=rng.choice([0, 0, 1, 1, 2, 3, 4]))
        if filed >= self.today:
            return None
        self.key_failures.update(keys)
        plan = Plan(unit=unit, fault=fault, parts=parts, failure=failure, handed_in=handed,
                    completed=completed, filed=filed, hour_meter=self._reading(unit, failure),
                    technician=self._technician(unit.dealer_id), photos=rng.randint(1, 3))
        if rng.random() < 0.7:
            plan.km = int(rng.triangular(2, 180, 12))
        if rng.random() < 0.1:
            reason, low, high = rng.choice(text.OTHER_COSTS)
            plan.other = (reason, Decimal(rng.randint(low, high)).quantize(Decimal("0.01")))
        if rng.random() < 0.08:
            plan.extra_hours = Decimal(rng.choice(["1.0", "1.5", "2.0"]))
        for name, value in extra.items():
            setattr(plan, name, value)
        return plan

    def _reading(self, unit: Unit, day: date) -> Decimal:
        """The hour meter: each unit works its own hours a day, so readings only grow."""
        rate = self.rates.setdefault(unit.id, self.rng.uniform(1.5, 5.0))
        return Decimal(f"{rate * (day - unit.card.sale_date).days + 1:.1f}")

    def _technician(self, dealer_id: int) -> str:
        if dealer_id not in self.crews:
            self.crews[dealer_id] = [
                self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(2))
                for _n in range(3)]
        return self.rng.choice(self.crews[dealer_id])

    # ------------------------------------------------------------ stories told on purpose

    def _specials(self) -> list[Plan]:
        plans = [*self._repeats("ZX", "H02", 3), *self._repeats("FL", "E03", 2),
                 self._long_repair(), *self._same_day(), *self._same_day(),
                 *self._twice_filed(), *self._twice_filed()]
        plans += [self._worn_out(paid=n < 6) for n in range(8)]
        plans += [self._not_recognised() for _n in range(3)]
        plans += [self._out_of_period() for _n in range(3)]
        plans += self._bad_batch()
        plans += self._just_done()
        return [plan for plan in plans if plan is not None]

    def _bad_batch(self) -> list[Plan]:
        """The batch accident the early warning must catch: the differential housings of one
        production batch of the big tractor crack, on units sold over the last months at
        several dealers — far more often than in any other batch."""
        from portal.demo.returns import HELD_DEALER  # its new claims stay drafts: not counted

        newest, oldest = (self.today - timedelta(days=d) for d in BAD_BATCH_SOLD)
        by_batch = {}
        for unit in self.units:
            if (unit.id not in self.used and unit.model.code == BAD_BATCH_MODEL
                    and oldest <= unit.card.sale_date <= newest
                    and unit.dealer.code != HELD_DEALER):
                by_batch.setdefault(unit.batch, []).append(unit)
        if not by_batch:
            return []
        batch = max(sorted(by_batch), key=lambda b: len(by_batch[b]))
        units = sorted(by_batch[batch], key=lambda u: u.id)
        self.rng.shuffle(units)
        plans = []
        for unit in units[:BAD_BATCH_FAILURES]:
            self.used.add(unit.id)
            failure = unit.card.sale_date + timedelta(days=self.rng.randint(20, 90))
            part = self.fits[(unit.model_id, BAD_BATCH_STEM)]
            plans.append(self._plan(unit, min(failure, self.today - timedelta(days=12)),
                                    self.faults["T03"], [(part, 1)], fate="approve",
                                    planted=True))
        return plans

    def _just_done(self) -> list[Plan]:
        """A repair finished and filed yesterday at each far dealer, whose old parts go back by
        courier once a season: on any day, some parts are owed and not yet due."""
        from portal.demo.returns import FAR, HELD_DEALER  # it plays these stories

        failure, yesterday = self.today - timedelta(days=12), self.today - timedelta(days=1)
        plans = []
        for code in sorted(FAR - {HELD_DEALER}):
            units = [u for u in self.units if u.dealer.code == code and u.id not in self.used
                     and u.card.sale_date < failure - timedelta(days=10)]
            for unit in sorted(units, key=lambda u: u.id):
                owed = [(fault, part) for fault, parts in self._options(unit, yesterday).items()
                        for part in parts if part.return_required and not part.key_part]
                plan = owed and self._plan(unit, failure, self.faults[owed[0][0]],
                                           [(owed[0][1], 1)])
                if plan:
                    self.used.add(unit.id)
                    plan.completed = plan.filed = yesterday
                    plan.waited = True  # for a part, these ten days
                    plans.append(plan)
                    break
        return plans

    def _pick(self, units, sold_days: tuple[int, int], model_code: str = "SB-904") -> Unit:
        newest, oldest = (self.today - timedelta(days=d) for d in sold_days)
        found = [u for u in units if u.id not in self.used and u.model.code == model_code
                 and oldest <= u.card.sale_date <= newest]
        unit = self.rng.choice(found)
        self.used.add(unit.id)
        return unit

    def _repeats(self, part_stem: str, code: str, times: int) -> list[Plan]:
        """The same main part repaired again and again within its period."""
        unit = self._pick(self.units, (300, 560))
        part = self.fits[(unit.model_id, part_stem)]
        sale = unit.card.sale_date
        return [self._plan(unit, sale + timedelta(days=30 + 75 * n + self.rng.randint(0, 10)),
                           self.faults[code], [(part, 1)], fate="approve")
                for n in range(times)]

    def _long_repair(self) -> Plan:
        """A gearbox that waited eight weeks for its housing."""
        unit = self._pick(self.units, (200, 500))
        failure = unit.card.sale_date + timedelta(days=60)
        part = self.fits[(unit.model_id, "BX")]
        return self._plan(unit, failure, self.faults["T02"], [(part, 1)], days=55, waited=True,
                          fate="approve")

    def _same_day(self) -> list[Plan]:
        """Two faults mended on one visit, written up as two records."""
        unit = self._pick(self.units, (90, 250))
        failure = unit.card.sale_date + timedelta(days=self.rng.randint(40, 55))
        first = self._plan(unit, failure, self.faults["E05"],
                           [(self.fits[(unit.model_id, "SB")], 1)], fate="approve")
        second = self._plan(unit, failure, self.faults["L01"],
                            [(self.fits[(unit.model_id, "FD")], 1)], fate="approve", km=None)
        for name in ("handed_in", "completed", "filed", "hour_meter"):
            setattr(second, name, getattr(first, name))
        return [first, second]

    def _twice_filed(self) -> list[Plan]:
        """One repair filed again a few days later: the second is rejected as a duplicate."""
        unit = self._pick(self.units, (90, 250), "SB-504")
        failure = unit.card.sale_date + timedelta(days=self.rng.randint(40, 55))
        first = self._plan(unit, failure, self.faults["E02"],
                           [(self.fits[(unit.model_id, "PY")], 1)], fate="approve")
        again = self._plan(unit, failure, self.faults["E02"], first.parts, fate="duplicate",
                           km=first.km, other=None, extra_hours=None)
        for name in ("handed_in", "completed", "hour_meter"):
            setattr(again, name, getattr(first, name))
        again.filed = first.filed + timedelta(days=self.rng.randint(1, 3))
        return [first, again]

    def _worn_out(self, *, paid: bool) -> Plan | None:
        """A main part in its two years with a worn part long out of its own period."""
        unit = self._pick(self.units, (420, 680), "SB-504")
        main, worn, code = self.rng.choice([("BZ", "YF", "T03"), ("ZD", "SC", "T04")])
        failure = self.today - timedelta(days=self.rng.randint(15, 60))
        parts = [(self.fits[(unit.model_id, main)], 1), (self.fits[(unit.model_id, worn)], 2)]
        return self._plan(unit, failure, self.faults[code], parts, paid=paid, fate="approve")

    def _not_recognised(self) -> Plan | None:
        """A card filed late and not excused: free to the buyer all the same, but not reimbursed
        to the dealer (only what lies outside his rights becomes paid service)."""
        unit = self._pick(self.late, (40, 600), self.rng.choice(["SB-504", "SB-904"]))
        failure = max(unit.card.sale_date + timedelta(days=5),
                      self.today - timedelta(days=self.rng.randint(8, 60)))
        options = self._options(unit, failure, covered_only=False)
        code = self.rng.choice(sorted(options))
        return self._plan(unit, failure, self.faults[code], [(options[code][0], 1)], paid=True,
                          file=False, other=None)

    def _out_of_period(self) -> Plan | None:
        """A worn part on a machine past its whole-machine year: all paid service."""
        unit = self._pick(self.units, (430, 680), "SB-904")
        part_stem, code = self.rng.choice([("KL", "E02"), ("PD", "E05"), ("SC", "T04")])
        failure = self.today - timedelta(days=self.rng.randint(8, 60))
        return self._plan(unit, failure, self.faults[code],
                          [(self.fits[(unit.model_id, part_stem)], 1)], paid=True, file=False,
                          other=None)
