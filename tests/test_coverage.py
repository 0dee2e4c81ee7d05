"""The 三包 coverage rules: month arithmetic, clocks, extensions, holiday roll and reasons."""

import dataclasses
from calendar import monthrange
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.units.calendar import CHINA, ChinaCalendar, Source, is_weekend, next_working_day
from portal.units.coverage import (
    CardTerms,
    Clock,
    Coverage,
    ModelTerms,
    PartTerms,
    Reason,
    RepairSpan,
    add_months,
    choose_clock,
    coverage,
    extension_days,
    repair_spans,
    warranty_period,
)

# The suite's autouse ``db`` fixture is function-scoped; these properties never touch it.
PROPERTY = settings(
    max_examples=300, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

TRACTOR = ModelTerms(whole_months=12, main_months=24, wear_months=6)
ONE_MONTH = ModelTerms(whole_months=1, main_months=1, wear_months=1)


class WeekendsOnly:
    """A calendar that knows every year and rests on weekends only: fast and predictable."""

    def is_rest_day(self, day: date) -> bool:
        return is_weekend(day)

    def knows(self, year: int) -> bool:
        return True

    def source(self, year: int) -> Source:
        return Source.LIBRARY if self.knows(year) else Source.WEEKENDS


class KnowsOnly(WeekendsOnly):
    """A weekends-only calendar that claims to know just the given years."""

    def __init__(self, *years: int) -> None:
        self.years = set(years)

    def knows(self, year: int) -> bool:
        return year in self.years


class NeverWorks(WeekendsOnly):
    """A broken calendar with no working day at all."""

    def is_rest_day(self, day: date) -> bool:
        return True


WEEKENDS = WeekendsOnly()


def card(invoice: date, sale: date | None = None, recognised: bool = True) -> CardTerms:
    """Build a card sold on the invoice date unless told otherwise."""
    return CardTerms(invoice_date=invoice, sale_date=sale or invoice, recognised=recognised)


def part(kind: str = "main", own: int | None = None, fits: bool = True) -> PartTerms:
    """Build a failed part of the given kind."""
    return PartTerms(part_number="DF-100-001", kind=kind, own_months=own, fits_model=fits)


def judge(invoice: date, failure: date, **kwargs) -> Coverage:
    """Judge a whole-machine failure of a one-year tractor invoiced on the given date."""
    kwargs.setdefault("model", TRACTOR)
    return coverage(card=card(invoice), failure_date=failure, **kwargs)


# --- month arithmetic ---------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2024, 1, 31), 3, date(2024, 4, 30)),
    (date(2024, 1, 31), 13, date(2025, 2, 28)),
    (date(2023, 1, 31), 13, date(2024, 2, 29)),
    (date(2024, 8, 31), 6, date(2025, 2, 28)),
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2024, 2, 29), 1, date(2024, 3, 29)),
    (date(2024, 2, 29), 24, date(2026, 2, 28)),
    (date(2024, 3, 31), 1, date(2024, 4, 30)),
    (date(2024, 5, 31), 1, date(2024, 6, 30)),
    (date(2024, 11, 30), 3, date(2025, 2, 28)),
    (date(2024, 12, 31), 2, date(2025, 2, 28)),
    (date(2024, 12, 15), 1, date(2025, 1, 15)),
    (date(2024, 10, 31), 12, date(2025, 10, 31)),
    (date(2024, 1, 15), 24, date(2026, 1, 15)),
    (date(2025, 5, 31), 0, date(2025, 5, 31)),
    (date(2025, 3, 31), -1, date(2025, 2, 28)),
    (date(2099, 12, 31), 2, date(2100, 2, 28)),  # 2100 is not a leap year
    (date(1999, 12, 31), 2, date(2000, 2, 29)),  # 2000 is
])
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


# --- the calendar -------------------------------------------------------------------------

def test_china_calendar_range_is_the_library_range():
    assert CHINA.knows(CHINA.first_year) and CHINA.knows(CHINA.last_year)
    assert not CHINA.knows(CHINA.first_year - 1) and not CHINA.knows(CHINA.last_year + 1)
    chinese_calendar.is_workday(date(CHINA.last_year, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(CHINA.last_year + 1, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(CHINA.first_year - 1, 12, 31))


def test_national_day_2025_is_eight_rest_days_then_a_working_day():
    golden_week = [date(2025, 10, day) for day in range(1, 9)]
    assert not any(chinese_calendar.is_workday(day) for day in golden_week)
    assert all(CHINA.is_rest_day(day) for day in golden_week)
    assert chinese_calendar.is_workday(date(2025, 10, 9))
    assert not CHINA.is_rest_day(date(2025, 10, 9))


@pytest.mark.parametrize("day", [date(2025, 9, 28), date(2025, 10, 11)])
def test_adjusted_weekend_working_days_are_not_rest_days(day):
    assert is_weekend(day)
    assert chinese_calendar.is_workday(day)
    assert not CHINA.is_rest_day(day)


def test_unknown_year_rests_on_weekends_only():
    assert not CHINA.knows(2030)
    assert CHINA.is_rest_day(date(2030, 1, 5))  # Saturday
    assert CHINA.is_rest_day(date(2030, 1, 6))  # Sunday
    assert not CHINA.is_rest_day(date(2030, 1, 1))  # New Year's Day, but the year is unknown


def test_next_working_day_keeps_a_working_day():
    assert next_working_day(date(2025, 10, 9), CHINA) == (date(2025, 10, 9), Source.LIBRARY)


def test_next_working_day_skips_a_holiday():
    assert next_working_day(date(2025, 10, 1), CHINA) == (date(2025, 10, 9), Source.LIBRARY)


def test_next_working_day_flags_an_unknown_year_even_without_moving():
    assert next_working_day(date(2030, 1, 2), CHINA) == (date(2030, 1, 2), Source.WEEKENDS)


def test_next_working_day_flags_an_unknown_year_crossed_on_the_way():
    calendar = KnowsOnly(2027)
    known, unknown = Source.LIBRARY, Source.WEEKENDS
    assert next_working_day(date(2027, 12, 31), calendar) == (date(2027, 12, 31), known)
    assert next_working_day(date(2028, 1, 1), calendar) == (date(2028, 1, 3), unknown)  # Sat
    assert next_working_day(date(2022, 12, 31), KnowsOnly(2022)) == (date(2023, 1, 2), unknown)


def test_next_working_day_gives_up_on_a_calendar_without_working_days():
    with pytest.raises(ValueError, match="no working day"):
        next_working_day(date(2025, 1, 1), NeverWorks())


def test_a_fresh_china_calendar_matches_the_singleton():
    fresh = ChinaCalendar()
    assert (fresh.first_year, fresh.last_year) == (CHINA.first_year, CHINA.last_year)


# --- clocks -------------------------------------------------------------------------------

@pytest.mark.parametrize(("failed", "expected"), [
    (None, (Clock.WHOLE, 12)),
    (part("main"), (Clock.MAIN, 24)),
    (part("wear"), (Clock.WEAR, 6)),
    (part("other"), (Clock.WHOLE, 12)),
    (part("main", own=36), (Clock.PART, 36)),
    (part("wear", own=3), (Clock.PART, 3)),
    (part("other", own=18), (Clock.PART, 18)),
    (part("wear", own=0), (Clock.PART, 0)),  # zero is a stated period, not a missing one
])
def test_choose_clock(failed, expected):
    assert choose_clock(TRACTOR, failed) == expected


def test_choose_clock_accepts_the_catalog_part_kind():
    from portal.catalog.models import PartKind

    assert choose_clock(TRACTOR, part(PartKind.MAIN)) == (Clock.MAIN, 24)
    assert choose_clock(TRACTOR, part(PartKind.WEAR)) == (Clock.WEAR, 6)
    assert choose_clock(TRACTOR, part(PartKind.OTHER)) == (Clock.WHOLE, 12)


def test_coverage_reports_the_clock_and_uses_its_months():
    result = judge(date(2024, 3, 4), date(2024, 3, 5), part=part("main"))
    assert (result.clock, result.months) == (Clock.MAIN, 24)
    assert result.nominal_end == date(2026, 3, 4)
    result = judge(date(2024, 3, 4), date(2024, 3, 5), part=part("wear", own=2))
    assert (result.clock, result.months, result.nominal_end) == (Clock.PART, 2, date(2024, 5, 4))


def test_main_part_still_covered_after_the_whole_machine_clock_ran_out():
    late = date(2025, 6, 1)
    assert not judge(date(2024, 3, 4), late).covered
    assert judge(date(2024, 3, 4), late, part=part("main")).covered
    assert not judge(date(2024, 3, 4), late, part=part("wear")).covered


# --- extensions ---------------------------------------------------------------------------

def one(repair: RepairSpan) -> int:
    return extension_days([repair])


def test_repair_days():
    assert one(RepairSpan(date(2025, 3, 1), date(2025, 3, 11))) == 10
    assert one(RepairSpan(date(2025, 3, 1), date(2025, 3, 1))) == 0
    assert one(RepairSpan(date(2025, 3, 1), None)) == 0
    assert one(RepairSpan(date(2025, 3, 11), date(2025, 3, 1))) == 0


def test_waiting_for_parts_counts_from_the_first_day_up_to_the_day_they_came():
    waited = RepairSpan(date(2025, 3, 10), None, date(2025, 3, 1), date(2025, 3, 8))
    assert repair_spans(waited) == [(date(2025, 3, 1), date(2025, 3, 8))]
    assert one(waited) == 7  # the repair itself is still open
    assert one(RepairSpan(date(2025, 3, 1), None, date(2025, 3, 1), None)) == 0  # still waiting


def test_each_day_counts_once_however_many_records_cover_it():
    repairs = [
        RepairSpan(date(2025, 3, 1), date(2025, 3, 11)),  # 1–10 March
        RepairSpan(date(2025, 3, 5), date(2025, 3, 15)),  # overlaps: adds 11–14 March
        RepairSpan(date(2025, 3, 6), date(2025, 3, 9)),  # inside the first: adds nothing
        # Waited 20 Feb – 3 Mar before the first hand-in: adds 20–28 Feb only.
        RepairSpan(date(2025, 3, 2), date(2025, 3, 4), date(2025, 2, 20), date(2025, 3, 3)),
        RepairSpan(date(2025, 4, 1), date(2025, 4, 3)),  # apart: 2 days
    ]
    assert extension_days(repairs) == 10 + 4 + 9 + 2
    assert extension_days(reversed(repairs)) == 25


@PROPERTY
@given(spans=st.lists(st.tuples(st.dates(min_value=date(2025, 1, 1),
                                          max_value=date(2025, 12, 31)),
                                 st.integers(min_value=-3, max_value=40)), max_size=8))
def test_extension_is_the_number_of_distinct_days_covered(spans):
    repairs = [RepairSpan(start, start + timedelta(days=length)) for start, length in spans]
    covered = {start + timedelta(days=n) for start, length in spans for n in range(length)}
    assert extension_days(repairs) == len(covered)


def test_extension_counts_completed_repairs_and_waiting_days():
    repairs = [
        RepairSpan(date(2025, 3, 1), date(2025, 3, 11)),
        RepairSpan(date(2025, 5, 1), None),  # still in the workshop: not yet
        RepairSpan(date(2025, 6, 1), date(2025, 6, 1)),
        RepairSpan(date(2025, 7, 30), date(2025, 8, 2)),
    ]
    assert extension_days(repairs) == 13
    assert extension_days(repairs, waiting_days=7) == 20
    assert extension_days((), waiting_days=7) == 7
    assert extension_days(iter(repairs)) == 13
    assert extension_days([], waiting_days=-3) == 0


def test_extension_moves_the_end_but_not_the_nominal_end():
    repairs = [RepairSpan(date(2024, 6, 3), date(2024, 6, 13))]
    result = judge(date(2024, 3, 4), date(2025, 3, 4), repairs=repairs, waiting_days=4)
    assert result.nominal_end == date(2025, 3, 4)
    assert result.extension_days == 14
    assert result.ends_on == date(2025, 3, 18)  # a Tuesday
    assert result.rolled_from is None
    assert judge(date(2024, 3, 4), date(2025, 3, 18), repairs=repairs, waiting_days=4).covered
    assert not judge(date(2024, 3, 4), date(2025, 3, 19), repairs=repairs, waiting_days=4).covered


def test_open_repair_does_not_extend_yet():
    repairs = [RepairSpan(date(2024, 6, 3), None)]
    result = judge(date(2024, 3, 4), date(2025, 3, 5), repairs=repairs)
    assert result.extension_days == 0
    assert result.reasons == (Reason.OUT_OF_PERIOD,)


# --- the worked examples ------------------------------------------------------------------

def test_january_31_plus_one_month_ends_on_february_28():
    result = coverage(model=ONE_MONTH, card=card(date(2025, 1, 31)), failure_date=date(2025, 2, 28))
    assert result.covered
    assert result.nominal_end == result.ends_on == date(2025, 2, 28)  # a Friday, working
    assert result.rolled_from is None and not result.calendar_assumed


def test_end_inside_national_day_rolls_to_the_next_working_day():
    result = judge(date(2024, 10, 1), date(2025, 10, 9))
    assert result.covered
    assert result.starts_on == date(2024, 10, 1)
    assert result.nominal_end == date(2025, 10, 1)
    assert result.ends_on == date(2025, 10, 9)
    assert result.rolled_from == date(2025, 10, 1)
    assert result.extension_days == 0 and not result.calendar_assumed
    assert judge(date(2024, 10, 1), date(2025, 10, 10)).reasons == (Reason.OUT_OF_PERIOD,)


@pytest.mark.parametrize("end", [date(2025, 9, 28), date(2025, 10, 11)])
def test_end_on_an_adjusted_working_weekend_day_does_not_roll(end):
    result = judge(date(end.year - 1, end.month, end.day), end)
    assert result.covered
    assert result.ends_on == result.nominal_end == end
    assert result.rolled_from is None


def test_extension_onto_a_holiday_then_rolls():
    result = judge(date(2024, 9, 26), date(2025, 10, 9), waiting_days=5)
    assert result.nominal_end == date(2025, 9, 26)  # a working Friday: no roll by itself
    assert result.extension_days == 5
    assert result.rolled_from == date(2025, 10, 1)
    assert result.ends_on == date(2025, 10, 9)
    assert result.covered


def test_unknown_year_saturday_end_rolls_to_monday_and_is_flagged():
    result = judge(date(2029, 1, 5), date(2030, 1, 7))
    assert result.nominal_end == date(2030, 1, 5)  # a Saturday
    assert result.ends_on == date(2030, 1, 7)
    assert result.rolled_from == date(2030, 1, 5)
    assert result.calendar_assumed
    assert result.covered


def test_unknown_year_weekday_end_stays_but_is_flagged_all_the_same():
    # 2030-01-01 will surely be a holiday, but the library cannot say so yet: flag, don't guess.
    result = judge(date(2029, 1, 1), date(2030, 1, 1))
    assert result.ends_on == date(2030, 1, 1)
    assert result.rolled_from is None
    assert result.calendar_assumed


def test_known_year_is_not_flagged():
    assert not judge(date(2024, 3, 4), date(2024, 3, 4)).calendar_assumed


# --- reasons ------------------------------------------------------------------------------

def test_covered_has_no_reasons():
    result = judge(date(2024, 3, 4), date(2024, 9, 1), part=part("other"))
    assert result.covered and result.reasons == ()


def test_failure_on_the_invoice_date_is_covered():
    assert judge(date(2025, 1, 31), date(2025, 1, 31)).covered


def test_failure_on_the_end_day_is_covered_and_the_day_after_is_not():
    assert judge(date(2024, 3, 4), date(2025, 3, 4)).covered
    assert judge(date(2024, 3, 5), date(2025, 3, 6)).reasons == (Reason.OUT_OF_PERIOD,)


def test_no_sale_gives_no_dates():
    result = coverage(model=TRACTOR, card=None, failure_date=date(2025, 3, 4), waiting_days=3)
    assert not result.covered and not result.reimbursed
    assert result.reasons == (Reason.NO_SALE,)
    assert result.reimbursement_reasons == (Reason.NO_CARD,)
    assert (result.starts_on, result.nominal_end, result.ends_on, result.rolled_from) == (
        None, None, None, None)
    assert result.extension_days == 3 and not result.calendar_assumed
    assert (result.clock, result.months) == (Clock.WHOLE, 12)


def test_unrecognised_card_covers_the_buyer_but_does_not_reimburse_the_dealer():
    late_card = card(date(2024, 10, 1), recognised=False)
    result = coverage(model=TRACTOR, card=late_card, failure_date=date(2025, 3, 4))
    assert result.covered and result.reasons == ()
    assert not result.reimbursed
    assert result.reimbursement_reasons == (Reason.CARD_NOT_RECOGNISED,)
    assert result.ends_on == date(2025, 10, 9) and result.rolled_from == date(2025, 10, 1)


def test_part_not_for_the_model():
    result = judge(date(2024, 3, 4), date(2024, 5, 1), part=part("main", fits=False))
    assert result.reasons == (Reason.PART_NOT_FOR_MODEL,) and not result.covered


def test_failure_before_the_sale():
    sold_later = card(date(2025, 3, 1), sale=date(2025, 3, 10))
    result = coverage(model=TRACTOR, card=sold_later, failure_date=date(2025, 3, 5))
    assert result.reasons == (Reason.BEFORE_SALE,)
    assert coverage(model=TRACTOR, card=sold_later, failure_date=date(2025, 3, 10)).covered


def test_out_of_period():
    assert judge(date(2023, 3, 6), date(2025, 3, 4)).reasons == (Reason.OUT_OF_PERIOD,)


def test_no_sale_and_a_part_that_does_not_fit():
    result = coverage(model=TRACTOR, card=None, failure_date=date(2025, 3, 4),
                      part=part(fits=False))
    assert result.reasons == (Reason.NO_SALE, Reason.PART_NOT_FOR_MODEL)


def test_every_card_reason_together_in_order():
    odd_card = card(date(2025, 1, 2), sale=date(2025, 6, 1), recognised=False)
    result = coverage(model=TRACTOR, card=odd_card, failure_date=date(2025, 3, 3),
                      part=part("wear", own=0, fits=False))
    assert result.ends_on == date(2025, 1, 2)
    assert result.reasons == (
        Reason.PART_NOT_FOR_MODEL, Reason.BEFORE_SALE, Reason.OUT_OF_PERIOD,
    )
    assert result.reimbursement_reasons == (Reason.CARD_NOT_RECOGNISED,)
    assert not result.covered and not result.reimbursed


def test_a_sale_recorded_without_a_filed_card_covers_the_buyer_from_its_invoice():
    draft = CardTerms(invoice_date=date(2025, 3, 1), sale_date=date(2025, 3, 2), recognised=False,
                      filed=False)
    within = coverage(model=TRACTOR, card=draft, failure_date=date(2026, 3, 2))
    assert within.covered and not within.reimbursed
    assert within.reimbursement_reasons == (Reason.NO_CARD,)
    assert within.starts_on == date(2025, 3, 1)
    after = coverage(model=TRACTOR, card=draft, failure_date=date(2026, 3, 3))
    assert after.reasons == (Reason.OUT_OF_PERIOD,) and not after.reimbursed


def test_reimbursed_needs_covered_and_a_recognised_card():
    on_time = card(date(2024, 3, 4))
    assert judge(date(2024, 3, 4), date(2025, 3, 4)).reimbursed
    out = coverage(model=TRACTOR, card=on_time, failure_date=date(2025, 3, 5))
    assert not out.covered and not out.reimbursed and out.reimbursement_reasons == ()


def test_reason_and_clock_codes_are_plain_strings():
    assert [reason.value for reason in Reason] == [
        "no_sale", "no_card", "card_not_recognised", "part_not_for_model", "before_sale",
        "out_of_period"]
    assert [clock.value for clock in Clock] == ["whole", "main", "wear", "part"]
    assert Reason.NO_CARD == "no_card"


def test_terms_and_results_are_frozen():
    result = judge(date(2024, 3, 4), date(2024, 3, 4))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.covered = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRACTOR.whole_months = 24  # type: ignore[misc]


def test_warranty_period_alone():
    period = warranty_period(date(2024, 10, 1), 12, 0, CHINA)
    assert (period.nominal_end, period.ends_on, period.rolled_from) == (
        date(2025, 10, 1), date(2025, 10, 9), date(2025, 10, 1))
    assert warranty_period(date(2024, 10, 1), 12, 0, WEEKENDS).ends_on == date(2025, 10, 1)


# --- properties ---------------------------------------------------------------------------

invoices = st.dates(min_value=date(2004, 1, 1), max_value=date(2035, 12, 31))
months = st.integers(min_value=0, max_value=36)
extensions = st.integers(min_value=0, max_value=400)
calendars = st.sampled_from([CHINA, WEEKENDS])


def month_index(day: date) -> int:
    return day.year * 12 + day.month


@PROPERTY
@given(start=invoices, count=st.integers(min_value=-60, max_value=60))
def test_add_months_property(start, count):
    result = add_months(start, count)
    assert month_index(result) - month_index(start) == count
    assert result.day == min(start.day, monthrange(result.year, result.month)[1])
    assert result.day <= start.day


@PROPERTY
@given(start=invoices, first=months, second=months)
def test_add_months_in_two_steps_never_overshoots(start, first, second):
    direct = add_months(start, first + second)
    stepped = add_months(add_months(start, first), second)
    assert month_index(stepped) == month_index(direct)
    assert stepped <= direct
    if start.day <= 28:
        assert stepped == direct


@PROPERTY
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_china_calendar_agrees_with_the_library_or_falls_back_to_weekends(day):
    if CHINA.knows(day.year):
        assert CHINA.is_rest_day(day) == (not chinese_calendar.is_workday(day))
    else:
        assert CHINA.is_rest_day(day) == is_weekend(day)


@PROPERTY
@given(start=invoices, count=months, extension=extensions, calendar=calendars)
def test_period_end_properties(start, count, extension, calendar):
    period = warranty_period(start, count, extension, calendar)
    target = period.nominal_end + timedelta(days=extension)
    assert period.nominal_end == add_months(start, count)
    assert period.ends_on >= target
    assert (period.ends_on - target).days < 15
    assert not calendar.is_rest_day(period.ends_on)
    assert (period.rolled_from is None) == (period.ends_on == target)
    assert period.calendar_assumed == (calendar is CHINA and not all(
        CHINA.knows(year) for year in range(target.year, period.ends_on.year + 1)))


@PROPERTY
@given(start=invoices, count=months, extension=extensions, calendar=calendars,
       sale_offset=st.integers(min_value=-30, max_value=90),
       failure_offset=st.integers(min_value=-200, max_value=1600))
def test_covered_exactly_from_sale_to_end(start, count, extension, calendar, sale_offset,
                                          failure_offset):
    sale = start + timedelta(days=sale_offset)
    failure = start + timedelta(days=failure_offset)
    model = ModelTerms(whole_months=count, main_months=count, wear_months=count)
    result = coverage(model=model, card=card(start, sale), failure_date=failure,
                      waiting_days=extension, calendar=calendar)
    assert result.covered == (sale <= failure <= result.ends_on)
    assert result.covered == (result.reasons == ())


@PROPERTY
@given(start=invoices, count=months, extension=extensions, calendar=calendars,
       sale_offset=st.integers(min_value=-30, max_value=90), data=st.data())
def test_coverage_is_monotone(start, count, extension, calendar, sale_offset, data):
    sale = start + timedelta(days=sale_offset)
    model = ModelTerms(whole_months=count, main_months=count, wear_months=count)

    def judge_on(day: date) -> Coverage:
        return coverage(model=model, card=card(start, sale), failure_date=day, part=part(),
                        waiting_days=extension, calendar=calendar)

    later = data.draw(st.dates(min_value=sale, max_value=sale + timedelta(days=1600)))
    if judge_on(later).covered:
        earlier = data.draw(st.dates(min_value=sale, max_value=later))
        assert judge_on(earlier).covered
