"""三包 coverage rules: which clock a failure falls under and whether that clock still runs, and
two answers that the 2010 regulation keeps apart.

- ``covered``: the buyer's right. 谁销售谁负责 (第四条): the seller answers to the buyer, and what
  maker and dealer agree between them cannot remove it (第五条). It needs a recorded sale to count
  from (the invoice date, 第二十四条), a part of the unit's model, a failure after the sale and
  within the period. Misuse and faults that are not the maker's are the technical department's
  verdict on the claim, not a rule of dates.
- ``reimbursed``: the maker pays the dealer for it. It also needs the dealer's paperwork: a card
  filed and recognised (on time, or excused). A late or missing card changes who pays, never
  whether the buyer is covered.

Pure functions over plain values: the models feed them, the UI and API translate the codes.
"""

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.units.calendar import Source, WorkCalendar, next_working_day


def add_months(start: date, months: int) -> date:
    """Return the same day of the month some months later, clamped to that month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


@dataclass(frozen=True)
class ModelTerms:
    """A product model's warranty periods, in months."""

    whole_months: int
    main_months: int
    wear_months: int


@dataclass(frozen=True)
class PartTerms:
    """The failed part: kind "main", "wear" or "other", its own period if any, and its fit."""

    part_number: str
    kind: str
    own_months: int | None
    fits_model: bool


@dataclass(frozen=True)
class CardTerms:
    """The sale the dealer recorded on the unit's card, and the card's standing with the maker.

    filed is False while the card is a draft (sale recorded, card not filed); recognised is False
    for such a card and for one filed late without an exception.
    """

    invoice_date: date
    sale_date: date
    recognised: bool
    filed: bool = True


@dataclass(frozen=True)
class RepairSpan:
    """A warranty repair of the unit: in the workshop from hand-in to completion (counted once
    completed), and waiting for parts from the first day up to the day they came, if it did."""

    handed_in: date
    completed: date | None
    waited_from: date | None = None
    waited_to: date | None = None


class Clock(StrEnum):
    """The warranty clock a failure is judged by."""

    WHOLE = "whole"
    MAIN = "main"
    WEAR = "wear"
    PART = "part"


class Reason(StrEnum):
    """Why a failure is not covered for the buyer, or not reimbursed to the dealer; codes only,
    the UI and API word them. NO_CARD and CARD_NOT_RECOGNISED are the dealer's side alone."""

    NO_SALE = "no_sale"  # no sale recorded: no invoice date to count the buyer's periods from
    NO_CARD = "no_card"  # the card is not filed (the maker does not reimburse)
    CARD_NOT_RECOGNISED = "card_not_recognised"  # filed late, not excused (ditto)
    PART_NOT_FOR_MODEL = "part_not_for_model"
    BEFORE_SALE = "before_sale"
    OUT_OF_PERIOD = "out_of_period"


@dataclass(frozen=True)
class Period:
    """A warranty period: from the invoice date, extended, then moved off a rest day.

    calendar_source says whose rest days moved it (the least authoritative of the years looked
    at: entered by the administrator, the library, or weekends only); calendar_assumed is
    True when that was weekends only.
    """

    starts_on: date
    nominal_end: date
    extension_days: int
    ends_on: date
    rolled_from: date | None
    calendar_assumed: bool
    calendar_source: Source


@dataclass(frozen=True)
class Coverage:
    """The verdict on one failure, with the dates behind it; no dates without a recorded sale.

    covered is the buyer's right, with ``reasons`` why not; reimbursed is whether the maker pays
    the dealer for it (never without covered), with ``reimbursement_reasons`` naming the dealer's
    paperwork that stands in the way.

    calendar_assumed is True whenever a year from the extended end to ends_on is unknown to the
    calendar, whether or not the end moved: only weekends were then treated as rest days.
    """

    covered: bool
    clock: Clock
    months: int
    starts_on: date | None = None
    nominal_end: date | None = None
    extension_days: int = 0
    ends_on: date | None = None
    rolled_from: date | None = None
    calendar_assumed: bool = False
    reasons: tuple[Reason, ...] = ()
    reimbursed: bool = False
    reimbursement_reasons: tuple[Reason, ...] = ()
    calendar_source: Source | None = None  # see Period; None without a card (no dates)


def choose_clock(model: ModelTerms, part: PartTerms | None) -> tuple[Clock, int]:
    """Pick the clock and its months: the part's own, its kind's, else the whole machine's."""
    if part is not None and part.own_months is not None:
        return Clock.PART, part.own_months
    kind = part.kind if part is not None else None
    if kind == "main":
        return Clock.MAIN, model.main_months
    if kind == "wear":
        return Clock.WEAR, model.wear_months
    return Clock.WHOLE, model.whole_months


def repair_spans(repair: RepairSpan) -> list[tuple[date, date]]:
    """The days a repair kept the unit, as [first day, day after) ranges: the workshop once
    completed, the wait for parts once the parts came."""
    spans = []
    if repair.completed is not None:
        spans.append((repair.handed_in, repair.completed))
    if repair.waited_from is not None and repair.waited_to is not None:
        spans.append((repair.waited_from, repair.waited_to))
    return spans


def extension_days(repairs: Iterable[RepairSpan], waiting_days: int = 0) -> int:
    """Count the days the unit spent in warranty repair or waiting for parts, each day once
    however many records cover it (two records of one visit, a wait inside a repair), plus
    ``waiting_days`` stated apart."""
    days, counted_to = 0, date.min
    for start, end in sorted(span for repair in repairs for span in repair_spans(repair)):
        start = max(start, counted_to)
        # A completion typed before the hand-in is a data slip; it must not shorten anything.
        if end > start:
            days, counted_to = days + (end - start).days, end
    return days + max(waiting_days, 0)


def warranty_period(
    start: date, months: int, extension: int, calendar: WorkCalendar | None = None
) -> Period:
    """Compute a period's end: start plus months plus extension, then the next working day
    (of the official calendar unless one is given)."""
    nominal = add_months(start, months)
    target = nominal + timedelta(days=extension)
    ends_on, source = next_working_day(target, calendar)
    rolled_from = target if ends_on != target else None
    return Period(start, nominal, extension, ends_on, rolled_from, source == Source.WEEKENDS,
                  source)


def coverage(
    *,
    model: ModelTerms,
    card: CardTerms | None,
    failure_date: date,
    part: PartTerms | None = None,
    repairs: Iterable[RepairSpan] = (),
    waiting_days: int = 0,
    calendar: WorkCalendar | None = None,
) -> Coverage:
    """Judge whether a failure on the given date is covered for the buyer and reimbursed to the
    dealer, and why not."""
    clock, months = choose_clock(model, part)
    extension = extension_days(repairs, waiting_days)
    period = None
    if card is not None:  # dates whatever the card's standing: they are the buyer's
        period = warranty_period(card.invoice_date, months, extension, calendar)
    reasons = find_reasons(card, part, failure_date, period)
    unpaid = reimbursement_reasons(card)
    answers = {"reasons": reasons, "reimbursed": not reasons and not unpaid,
               "reimbursement_reasons": unpaid}
    if period is None:
        return Coverage(not reasons, clock, months, extension_days=extension, **answers)
    return Coverage(
        not reasons, clock, months, period.starts_on, period.nominal_end, period.extension_days,
        period.ends_on, period.rolled_from, period.calendar_assumed,
        calendar_source=period.calendar_source, **answers,
    )


def find_reasons(
    card: CardTerms | None, part: PartTerms | None, failure_date: date, period: Period | None
) -> tuple[Reason, ...]:
    """List every reason the failure is not covered for the buyer, in a fixed order; empty when
    covered. The card's standing with the maker is no reason here (第四条, 第五条)."""
    reasons: list[Reason] = []
    if card is None:
        reasons.append(Reason.NO_SALE)
    if part is not None and not part.fits_model:
        reasons.append(Reason.PART_NOT_FOR_MODEL)
    if card is not None and failure_date < card.sale_date:
        reasons.append(Reason.BEFORE_SALE)
    if period is not None and failure_date > period.ends_on:
        reasons.append(Reason.OUT_OF_PERIOD)
    return tuple(reasons)


def reimbursement_reasons(card: CardTerms | None) -> tuple[Reason, ...]:
    """Why the maker does not reimburse the dealer whatever the failure: a card not filed, or
    filed late and not excused (the maker's scheme; the buyer keeps his right)."""
    if card is None or not card.filed:
        return (Reason.NO_CARD,)
    if not card.recognised:
        return (Reason.CARD_NOT_RECOGNISED,)
    return ()
