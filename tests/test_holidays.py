"""Official holidays entered by the administrator: the calendar the clocks use for a year the
library does not know (2027), entered days over the library's, checked input, the page, the API's
source, and one query per year however many days are asked."""

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.roles import Role
from portal.claims.repairs import clocks_for, coverage_for
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.units import calendar, holidays
from portal.units.calendar import CHINA, EnteredYear, OfficialCalendar, Source
from portal.units.holidays import DayKind, OfficialDay
from tests import factories

# A National Day week as a notice would give it: 1–7 October off, two weekend days worked.
NATIONAL_DAY_2027 = [date(2027, 10, 1) + timedelta(days=n) for n in range(7)]
WORKED_2027 = [date(2027, 9, 26), date(2027, 10, 9)]  # a Sunday and a Saturday


@pytest.fixture(autouse=True)
def english():
    """The services' messages are matched in English here."""
    with force_locale("en"):
        yield


@pytest.fixture
def admin(world):
    return world.users[Role.ADMIN]


def enter_national_day(admin):
    for day in NATIONAL_DAY_2027:
        holidays.add_day(2027, day, "holiday", "国庆节", actor=admin)
    for day in WORKED_2027:
        holidays.add_day(2027, day, DayKind.WORKING, actor=admin)


def tractor(invoice: date, *, dealer=None):
    """A one-year tractor invoiced (and sold) on the given date."""
    unit = factories.make_unit(model=factories.make_model(whole_months=12),
                               dealer=dealer or factories.make_dealer())
    factories.make_card(unit, sale_date=invoice, invoice_date=invoice)
    return unit


# --- the calendar, pure ---------------------------------------------------------------------

def test_the_library_does_not_know_2027():
    assert CHINA.last_year < 2027
    assert CHINA.source(2027) == Source.WEEKENDS


def test_an_entered_day_wins_over_the_library_and_leaves_its_other_days_alone():
    entered = EnteredYear(holidays=frozenset({date(2025, 10, 10)}),
                          working_days=frozenset({date(2025, 10, 2)}))
    cal = OfficialCalendar(lambda first, last: {2025: entered} if first <= 2025 <= last else {})
    assert CHINA.is_rest_day(date(2025, 10, 2)) and not CHINA.is_rest_day(date(2025, 10, 10))
    assert not cal.is_rest_day(date(2025, 10, 2))  # the entry says worked
    assert cal.is_rest_day(date(2025, 10, 10))  # the entry says off
    assert cal.is_rest_day(date(2025, 10, 3))  # not entered: the library's holiday
    assert cal.source(2025) == Source.ENTERED and cal.source(2024) == Source.LIBRARY
    assert cal.source(2031) == Source.WEEKENDS and not cal.knows(2031)


def test_an_entered_year_the_library_lacks_rests_on_its_holidays_and_works_its_swaps():
    entered = EnteredYear(holidays=frozenset(NATIONAL_DAY_2027),
                          working_days=frozenset(WORKED_2027))
    cal = OfficialCalendar(lambda first, last: {2027: entered} if first <= 2027 <= last else {})
    assert cal.knows(2027)
    assert all(cal.is_rest_day(day) for day in NATIONAL_DAY_2027)
    assert not any(cal.is_rest_day(day) for day in WORKED_2027)
    assert cal.is_rest_day(date(2027, 10, 16))  # an ordinary Saturday
    assert not cal.is_rest_day(date(2027, 10, 8))  # the Friday after


def test_each_year_is_read_once_with_the_unread_years_either_side():
    asked = []
    cal = OfficialCalendar(lambda first, last: asked.append((first, last)) or {})
    for offset in range(800):
        cal.is_rest_day(date(2027, 1, 1) + timedelta(days=offset))
    assert asked == [(2026, 2028), (2029, 2030)]
    cal.is_rest_day(date(2026, 5, 1)), cal.is_rest_day(date(2025, 5, 1))
    assert asked == [(2026, 2028), (2029, 2030), (2024, 2025)]


# --- entered days drive the clocks ----------------------------------------------------------

def test_a_2027_end_on_an_entered_holiday_rolls_past_it(admin, db):
    unit = tractor(date(2026, 10, 1))
    before = coverage_for(unit, None, date(2027, 10, 8))
    assert before.ends_on == date(2027, 10, 1)  # a Friday: weekends only, no roll
    assert before.calendar_assumed and before.calendar_source == Source.WEEKENDS
    assert not before.covered
    enter_national_day(admin)
    after = coverage_for(unit, None, date(2027, 10, 8))
    assert after.rolled_from == date(2027, 10, 1)
    assert after.ends_on == date(2027, 10, 8)
    assert after.covered and not after.calendar_assumed
    assert after.calendar_source == Source.ENTERED


def test_an_adjusted_working_day_ends_the_period_on_a_saturday(admin, db):
    unit = tractor(date(2026, 10, 9))
    assert coverage_for(unit, None, date(2027, 10, 9)).ends_on == date(2027, 10, 11)  # Monday
    enter_national_day(admin)
    verdict = coverage_for(unit, None, date(2027, 10, 9))
    assert verdict.ends_on == date(2027, 10, 9) and verdict.rolled_from is None
    assert not coverage_for(unit, None, date(2027, 10, 10)).covered


def test_the_unit_page_clocks_use_the_entered_days(admin, db):
    unit = tractor(date(2026, 10, 1))
    enter_national_day(admin)
    whole = clocks_for(unit)[0][2]
    assert whole.ends_on == date(2027, 10, 8) and whole.calendar_source == Source.ENTERED


def test_working_day_counts_skip_entered_holidays_and_count_the_swaps(admin, db):
    start, end = date(2027, 9, 24), date(2027, 10, 10)
    assert calendar.working_days_between(start, end) == 10  # weekdays only
    enter_national_day(admin)
    # 27–30 Sep and 8 Oct, plus the worked Sunday 26 Sep and Saturday 9 Oct.
    assert calendar.working_days_between(start, end) == 7


@contextmanager
def calendar_reads(db):
    """The statements that read the entered days, sent while inside the block."""
    read = []

    def note(conn, cursor, statement, *args):
        if "official_days" in statement:
            read.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield read
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def test_the_calendar_reads_a_year_once_per_transaction(admin, db):
    """Judging many units' clocks reads the entered days of each year once, not per date."""
    enter_national_day(admin)
    units = [tractor(date(2026, 10, 1) + timedelta(days=n)) for n in range(5)]
    with calendar_reads(db) as read:
        ends = [coverage_for(unit, None, date(2027, 10, 8)).ends_on for unit in units]
        calendar.working_days_between(date(2027, 1, 1), date(2027, 12, 31))
    assert ends == [date(2027, 10, 8)] * 5  # 1–5 October are all in the holiday
    assert len(read) == 1  # 2027, once


def test_the_years_either_side_come_in_the_same_query_each_as_entered(admin, db):
    """A unit's page asks this year, next year's warranty end and last year's repairs: one
    query reads the three, and each year answers from its own entered days."""
    enter_national_day(admin)
    holidays.add_day(2025, date(2025, 10, 10), "holiday", actor=admin)
    db.session.commit()
    with calendar_reads(db) as read:
        official = calendar.official()
        assert official.source(2026) == Source.LIBRARY
        assert official.is_rest_day(date(2027, 10, 4)) and official.source(2027) == Source.ENTERED
        assert official.is_rest_day(date(2025, 10, 10)) and official.source(2025) == Source.ENTERED
        assert not official.is_rest_day(date(2027, 10, 9))  # a Saturday worked
    assert len(read) == 1


def test_a_new_transaction_sees_what_was_entered(admin, db):
    assert calendar.official().source(2027) == Source.WEEKENDS
    holidays.add_day(2027, date(2027, 1, 1), "holiday", "元旦", actor=admin)
    assert calendar.official().source(2027) == Source.ENTERED  # forgotten on the write
    db.session.commit()
    assert calendar.official().is_rest_day(date(2027, 1, 1))


# --- checked input, audit trail -------------------------------------------------------------

@pytest.mark.parametrize(("day", "kind", "field"), [
    (date(2028, 1, 1), "holiday", "day"),  # not in the year of the page
    (None, "holiday", "day"),
    (date(2027, 10, 4), "working", "day"),  # a Monday is a working day already
    (date(2027, 10, 4), "half", "kind"),
])
def test_bad_days_are_refused_with_their_field(admin, db, day, kind, field):
    with pytest.raises(DomainError) as refused:
        holidays.add_day(2027, day, kind, actor=admin)
    assert refused.value.field == field
    assert holidays.days_of(2027) == []


def test_a_day_is_entered_once(admin, db):
    holidays.add_day(2027, date(2027, 1, 1), "holiday", actor=admin)
    with pytest.raises(DomainError, match="already entered") as refused:
        holidays.add_day(2027, date(2027, 1, 1), "working", actor=admin)
    assert refused.value.field == "day"


def test_only_the_administrator_enters_days(world, db):
    with pytest.raises(DomainError):
        holidays.add_day(2027, date(2027, 1, 1), "holiday", actor=world.users[Role.CLERK])


def test_entering_and_removing_leave_an_audit_trail(admin, db):
    entry = holidays.add_day(2027, date(2027, 2, 6), "holiday", "春节", actor=admin)
    holidays.remove_day(entry, actor=admin)
    trail = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.entity_type == "official_days")
        .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in trail] == [("create", admin.id), ("delete", admin.id)]
    assert holidays.days_of(2027) == []


# --- the page and the API -------------------------------------------------------------------

def test_the_administrator_keeps_a_year_on_the_page(client, login, admin, db):
    login(admin)
    page = client.get("/catalog/holidays?year=2027").get_data(as_text=True)
    assert 'name="day"' in page and "/catalog/holidays/add?year=2027" in page
    bad = client.post("/catalog/holidays/add?year=2027",
                      data={"day": "2028-01-01", "kind": "holiday", "name": ""})
    assert bad.status_code == 422
    with force_locale("zh_Hans_CN"):
        message = _("The date must be in %(year)d.", year=2027)
    assert message != "The date must be in 2027." and message in bad.get_data(as_text=True)
    assert db.session.scalars(db.select(OfficialDay)).all() == []
    done = client.post("/catalog/holidays/add?year=2027",
                       data={"day": "2027-10-01", "kind": "holiday", "name": "国庆节"})
    assert done.status_code == 303 and done.headers["Location"].endswith("year=2027")
    entry = db.session.scalars(db.select(OfficialDay)).one()
    assert (entry.day, entry.kind, entry.name) == (date(2027, 10, 1), DayKind.HOLIDAY, "国庆节")
    assert "国庆节" in client.get("/catalog/holidays?year=2027").get_data(as_text=True)
    gone = client.post(f"/catalog/holidays/{entry.id}/delete", headers={"HX-Request": "true"})
    assert gone.status_code == 200
    assert db.session.scalars(db.select(OfficialDay)).all() == []


def test_others_read_the_list_but_cannot_change_it(client, login, world, admin, db):
    entry = holidays.add_day(2027, date(2027, 10, 1), "holiday", "国庆节", actor=admin)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    page = client.get("/catalog/holidays?year=2027").get_data(as_text=True)
    assert "国庆节" in page and "/delete" not in page
    assert client.post(f"/catalog/holidays/{entry.id}/delete").status_code == 403


def test_the_coverage_answer_names_its_calendar(api, world, admin, db):
    unit = tractor(date(2026, 10, 1), dealer=world.dealer_a)
    db.session.commit()
    url = f"/units/{unit.serial}/coverage?on=2027-10-08"
    weekends = api("GET", url).json
    assert weekends["calendar_source"] == "weekends" and weekends["calendar_assumed"] is True
    assert weekends["covered"] is False
    enter_national_day(admin)
    db.session.commit()
    entered = api("GET", url).json
    assert entered["calendar_source"] == "entered" and entered["calendar_assumed"] is False
    assert entered["covered"] is True and entered["ends_on"] == "2027-10-08"
    library = api("GET", f"/units/{unit.serial}/coverage?on=2026-12-01").json
    assert library["calendar_source"] == "entered"  # the clock ends in 2027 whatever the day
