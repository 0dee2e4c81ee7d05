"""Working days in mainland China: the one place the portal asks whether a day is a rest day.

A warranty period whose last day is an official rest day ends on the next working day, and the
working-day counts (a repair not finished within 30 working days) skip rest days too. Three
sources, per year:

- **entered**: the official holidays and adjusted working days (调休) that the administrator
  typed in from the State Council's notice (``portal.units.holidays``). An entered day wins
  over the library: the notice is the authority, and the administrator enters a day to give a
  year the library does not know, or to correct it; the days not entered keep the library's
  answer (weekends alone in a year it does not know). A year with an entered day answers
  "entered by the administrator";
- **library**: ``chinesecalendar``, which knows the years up to the one it was released for;
- **weekends**: a year neither knows: Saturdays and Sundays alone are rest days, and the answer
  says so (``calendar_assumed``).

No other module reads ``chinesecalendar``. ``official()`` is the calendar of the database
session's transaction: it reads an entered year once however many days are asked, with the
years either side of it in the same query (a unit's page asks this year's, its warranty end's
next year and its repairs' last year: one query, not three).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

import chinese_calendar
from chinese_calendar import constants

from portal.extensions import db

# No official holiday lasts this long; a calendar with no working day in reach is broken.
MAX_ROLL_DAYS = 31


class Source(StrEnum):
    """Where a year's rest days come from, most authoritative first."""

    ENTERED = "entered"
    LIBRARY = "library"
    WEEKENDS = "weekends"


class WorkCalendar(Protocol):
    """Tell rest days from working days, and where a year's official calendar comes from."""

    def is_rest_day(self, day: date) -> bool: ...

    def knows(self, year: int) -> bool: ...

    def source(self, year: int) -> Source: ...


def is_weekend(day: date) -> bool:
    """Return whether the day is a Saturday or a Sunday."""
    return day.weekday() >= 5


class ChinaCalendar:
    """Mainland China's official calendar as the library has it: public holidays and 调休
    adjusted working days; weekends alone in a year it does not know."""

    def __init__(self) -> None:
        # Same range the library enforces; read once, so a library update widens it for free.
        years = [day.year for day in constants.holidays]
        self.first_year, self.last_year = min(years), max(years)

    def knows(self, year: int) -> bool:
        """Return whether the library has the official calendar of the year."""
        return self.first_year <= year <= self.last_year

    def source(self, year: int) -> Source:
        return Source.LIBRARY if self.knows(year) else Source.WEEKENDS

    def is_rest_day(self, day: date) -> bool:
        """Return whether the day is a rest day; weekends only in a year the library lacks."""
        if not self.knows(day.year):
            return is_weekend(day)
        return not chinese_calendar.is_workday(day)


CHINA = ChinaCalendar()


@dataclass(frozen=True)
class EnteredYear:
    """A year's official holidays and adjusted working days, as the administrator entered
    them from the State Council's notice."""

    holidays: frozenset[date]
    working_days: frozenset[date]

    def says(self, day: date) -> bool | None:
        """Whether the notice makes the day a rest day; None when it does not name the day."""
        if day in self.holidays:
            return True
        return False if day in self.working_days else None


class OfficialCalendar:
    """The official calendar: a day the administrator entered is what the entry says (it wins
    over the library, day by day: a correction of one day leaves the library's others alone);
    any other day is the library's, weekends alone in a year the library does not know.
    ``entered(first, last)`` gives the entered years from first to last (a year with nothing
    entered is absent); a year not read yet is read with the unread years either side of it."""

    def __init__(self, entered: Callable[[int, int], dict[int, EnteredYear]],
                 library: ChinaCalendar = CHINA) -> None:
        self._load, self._library = entered, library
        self._years: dict[int, EnteredYear | None] = {}

    def entered(self, year: int) -> EnteredYear | None:
        if year not in self._years:
            first = year - 1 if year - 1 not in self._years else year
            last = year + 1 if year + 1 not in self._years else year
            read = self._load(first, last)
            for each in range(first, last + 1):
                self._years[each] = read.get(each)
        return self._years[year]

    def source(self, year: int) -> Source:
        if self.entered(year) is not None:
            return Source.ENTERED
        return self._library.source(year)

    def knows(self, year: int) -> bool:
        return self.source(year) != Source.WEEKENDS

    def is_rest_day(self, day: date) -> bool:
        year = self.entered(day.year)
        said = year.says(day) if year is not None else None
        return self._library.is_rest_day(day) if said is None else said


_SESSION_KEY = "portal.work_calendar"  # session.info: (transaction, OfficialCalendar)


def official() -> OfficialCalendar:
    """The calendar of the database session's transaction, entered years read once each; a
    new transaction reads them again, so what another request entered is seen once committed."""
    # Imported here: the table's write operations import this module to call ``forget``.
    from portal.units.holidays import entered_years_from

    session = db.session()
    session.connection()  # begin the transaction the calendar belongs to
    transaction, calendar = session.info.get(_SESSION_KEY, (None, None))
    if calendar is None or transaction is not session.get_transaction():
        calendar = OfficialCalendar(entered_years_from)
        session.info[_SESSION_KEY] = (session.get_transaction(), calendar)
    return calendar


def forget() -> None:
    """Drop the transaction's calendar after the entered days changed in it."""
    db.session().info.pop(_SESSION_KEY, None)


def least_known(sources) -> Source:
    """The least authoritative of the sources a period's end consulted."""
    return max(sources, key=list(Source).index)


def next_working_day(day: date, calendar: WorkCalendar | None = None) -> tuple[date, Source]:
    """Return the first working day on or after the day, and the least authoritative source
    of the years it looked at (``Source.WEEKENDS`` when one was known to nobody)."""
    calendar = official() if calendar is None else calendar
    sources = set()
    for offset in range(MAX_ROLL_DAYS):
        candidate = day + timedelta(days=offset)
        sources.add(calendar.source(candidate.year))
        if not calendar.is_rest_day(candidate):
            return candidate, least_known(sources)
    raise ValueError(f"no working day within {MAX_ROLL_DAYS} days of {day}")


def working_days_between(start: date, end: date, calendar: WorkCalendar | None = None) -> int:
    """Count the working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
    calendar = official() if calendar is None else calendar
    days, day = 0, start + timedelta(days=1)
    while day <= end:
        days += not calendar.is_rest_day(day)
        day += timedelta(days=1)
    return days
