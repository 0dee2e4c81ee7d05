"""Official rest days the administrator enters from the State Council's yearly notice (国务院办公厅
关于部分节假日安排的通知): the holidays and the adjusted working days (调休) of a year the
calendar library does not know yet (or gets wrong). ``portal.units.calendar`` reads them.

A year counts as entered as soon as one of its days is: enter the whole notice at once.
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import CreatedBy
from portal.core import audit
from portal.core.enums import TitledEnum, enum_column
from portal.core.errors import DomainError
from portal.extensions import db
from portal.units import calendar
from portal.units.access import can_enter_holidays


class DayKind(TitledEnum):
    HOLIDAY = "holiday", _l("Official holiday (rest day)")
    WORKING = "working", _l("Adjusted working day (调休)")


class OfficialDay(CreatedBy, db.Model):
    """One day of a State Council notice: an official rest day, or a weekend day worked."""

    __tablename__ = "official_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)  # its index answers a year's range
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind))
    name: Mapped[str] = mapped_column(sa.String(40), default="")  # 春节, 国庆节 …

    @property
    def audit_label(self) -> str:
        return f"{self.day.isoformat()} {self.kind.title}"


def days_of(year: int) -> list[OfficialDay]:
    """The entered days of a year, in date order."""
    return list(db.session.scalars(sa.select(OfficialDay).where(
        OfficialDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(OfficialDay.day)))


def entered_years_from(first: int, last: int) -> dict[int, calendar.EnteredYear]:
    """The years from first to last as the calendar reads them (one query over the day's
    unique index), by year; a year with nothing entered is absent."""
    rows = db.session.execute(sa.select(OfficialDay.day, OfficialDay.kind).where(
        OfficialDay.day.between(date(first, 1, 1), date(last, 12, 31)))).all()
    years: dict[int, tuple[set, set]] = {}
    for day, kind in rows:
        holidays, working_days = years.setdefault(day.year, (set(), set()))
        (holidays if kind == DayKind.HOLIDAY else working_days).add(day)
    return {year: calendar.EnteredYear(holidays=frozenset(holidays),
                                       working_days=frozenset(working_days))
            for year, (holidays, working_days) in years.items()}


def entered_years() -> list[int]:
    """The years with entered days, latest first (for the page's year picker)."""
    days = db.session.scalars(sa.select(OfficialDay.day)).all()
    return sorted({day.year for day in days}, reverse=True)


def _check(year: int, day: date | None, kind, actor) -> DayKind:
    if not can_enter_holidays(actor):
        raise DomainError(_("Only the administrator enters official holidays."))
    if day is None:
        raise DomainError(_("Enter the date."), field="day")
    if day.year != year:
        raise DomainError(_("The date must be in %(year)d.", year=year), field="day")
    if db.session.scalar(sa.select(OfficialDay.id).where(OfficialDay.day == day)) is not None:
        raise DomainError(_("%(day)s is already entered.", day=day.isoformat()), field="day")
    kind = DayKind.parse(kind)
    if kind is None:
        raise DomainError(_("Choose a holiday or an adjusted working day."), field="kind")
    if kind == DayKind.WORKING and not calendar.is_weekend(day):
        raise DomainError(_("An adjusted working day is a Saturday or a Sunday worked; "
                            "%(day)s is a weekday already.", day=day.isoformat()), field="day")
    return kind


def add_day(year: int, day: date | None, kind, name: str = "", *, actor) -> OfficialDay:
    """Enter one day of the year's notice: a holiday or an adjusted working day."""
    kind = _check(year, day, kind, actor)
    name = (name or "").strip()
    if len(name) > 40:
        raise DomainError(_("At most %(n)d characters.", n=40), field="name")
    entry = OfficialDay(day=day, kind=kind, name=name, created_by_id=actor.id)
    db.session.add(entry)
    audit.record("create", entry, actor=actor, to_state=kind, changes={
        "day": (None, day), "kind": (None, kind), "name": (None, name or None)})
    calendar.forget()
    return entry


def remove_day(entry: OfficialDay, *, actor) -> None:
    """Take a wrongly entered day off the year's list."""
    if not can_enter_holidays(actor):
        raise DomainError(_("Only the administrator enters official holidays."))
    audit.record("delete", entry, actor=actor, from_state=entry.kind, changes={
        "day": (entry.day, None), "kind": (entry.kind, None), "name": (entry.name or None, None)})
    db.session.delete(entry)
    calendar.forget()
