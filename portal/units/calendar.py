"""Working days in mainland China, for moving a warranty period's last day off a rest day."""

from datetime import date, timedelta
from typing import Protocol

import chinese_calendar
from chinese_calendar import constants

# No official holiday lasts this long; a calendar with no working day in reach is broken.
MAX_ROLL_DAYS = 31


class WorkCalendar(Protocol):
    """Tell rest days from working days, and whether a year's official calendar is known."""

    def is_rest_day(self, day: date) -> bool: ...

    def knows(self, year: int) -> bool: ...


def is_weekend(day: date) -> bool:
    """Return whether the day is a Saturday or a Sunday."""
    return day.weekday() >= 5


class ChinaCalendar:
    """Mainland China's official calendar: public holidays and 调休 adjusted working days."""

    def __init__(self) -> None:
        # Same range the library enforces; read once, so a library update widens it for free.
        years = [day.year for day in constants.holidays]
        self.first_year, self.last_year = min(years), max(years)

    def knows(self, year: int) -> bool:
        """Return whether the library has the official calendar of the year."""
        return self.first_year <= year <= self.last_year

    def is_rest_day(self, day: date) -> bool:
        """Return whether the day is a rest day; weekends only in a year the library lacks."""
        if not self.knows(day.year):
            return is_weekend(day)
        return not chinese_calendar.is_workday(day)


def next_working_day(day: date, calendar: WorkCalendar) -> tuple[date, bool]:
    """Return the first working day on or after the day, and whether a year was unknown."""
    assumed = False
    for offset in range(MAX_ROLL_DAYS):
        candidate = day + timedelta(days=offset)
        assumed = assumed or not calendar.knows(candidate.year)
        if not calendar.is_rest_day(candidate):
            return candidate, assumed
    raise ValueError(f"no working day within {MAX_ROLL_DAYS} days of {day}")


CHINA = ChinaCalendar()


def working_days_between(start: date, end: date, calendar: WorkCalendar = CHINA) -> int:
    """Count the working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
    days, day = 0, start + timedelta(days=1)
    while day <= end:
        days += not calendar.is_rest_day(day)
        day += timedelta(days=1)
    return days
