"""The arrange and check deadlines: wall-clock rules, as pure functions of an entry and `now`.

The arrange deadline runs from when the task reaches whoever must arrange it (``arrange_due``):
the routing, and again each re-routing, since the new assignee cannot arrange what it has not
received; a dealer's own request from when it came in. Head office's entry not routed yet runs
against it from receipt (passing it on is part of the same hours). An arranged entry runs
against its check deadline (from routing). A deadline is met up to and including its instant:
one second later the entry is overdue and on the escalation list.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.catalog.models import PolicySettings
from portal.dealers.scope import scoped
from portal.service.models import OPEN_WORK, RequestStatus, ServiceRequest

ARRANGE = "arrange"
CHECK = "check"
TO_ARRANGE = (RequestStatus.NEW, RequestStatus.ROUTED)
SOON_SECONDS = 30 * 60  # under half an hour left: shown as a warning


@dataclass(frozen=True)
class Deadline:
    kind: str  # ARRANGE or CHECK
    due_at: datetime
    seconds_left: int  # negative once missed

    @property
    def overdue(self) -> bool:
        return self.seconds_left < 0

    @property
    def soon(self) -> bool:
        return 0 <= self.seconds_left <= SOON_SECONDS

    @property
    def text(self) -> str:
        return remaining_text(self.seconds_left)

    @property
    def iso(self) -> str:
        return iso_utc(self.due_at)


def arrange_due(reached_at: datetime) -> datetime:
    """The arrange deadline of a task that reached its assignee (or head office) then."""
    return reached_at + timedelta(hours=PolicySettings.current().arrange_deadline_hours)


def check_due(routed_at: datetime) -> datetime:
    """The clerk's check deadline of a task routed then."""
    return routed_at + timedelta(hours=PolicySettings.current().check_deadline_hours)


def iso_utc(moment: datetime) -> str:
    """An instant as ISO 8601 in UTC, as the countdown script reads it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds_left(due_at: datetime, now: datetime) -> int:
    """Whole seconds until ``due_at``: 0 at the instant itself, negative after it."""
    return math.floor((due_at - now).total_seconds())


def running_deadline(entry: ServiceRequest) -> tuple[str, datetime] | None:
    """The deadline the entry currently runs against, if any."""
    if entry.status in TO_ARRANGE:
        return ARRANGE, entry.arrange_due_at
    if entry.status == RequestStatus.ARRANGED and entry.check_due_at:
        return CHECK, entry.check_due_at
    return None


def deadline_state(entry: ServiceRequest, now: datetime) -> Deadline | None:
    """The running deadline with the time left (or how late), or None when none runs."""
    running = running_deadline(entry)
    if running is None:
        return None
    kind, due_at = running
    return Deadline(kind, due_at, seconds_left(due_at, now))


def is_arrange_overdue(entry: ServiceRequest, now: datetime) -> bool:
    return entry.status in TO_ARRANGE and now > entry.arrange_due_at


def is_check_overdue(entry: ServiceRequest, now: datetime) -> bool:
    return (entry.status == RequestStatus.ARRANGED and entry.check_due_at is not None
            and now > entry.check_due_at)


def is_overdue(entry: ServiceRequest, now: datetime) -> bool:
    return is_arrange_overdue(entry, now) or is_check_overdue(entry, now)


def arranged_late(entry: ServiceRequest) -> bool:
    return entry.arranged_at is not None and entry.arranged_at > entry.arrange_due_at


def checked_late(entry: ServiceRequest) -> bool:
    return (entry.checked_at is not None and entry.check_due_at is not None
            and entry.checked_at > entry.check_due_at)


# The same rules in SQL, for lists and counts.

def open_work():
    """SQL: a deadline runs for the entry. A condition of its own at the top of a WHERE, the
    partial indexes of open work (``ServiceRequest``) answer it even beside a dealer's OR of
    two columns; the statuses written out, as SQLite proves a partial index holds the rows
    asked for only from literal values, not bound parameters."""
    return ServiceRequest.status.in_(
        [sa.literal_column(f"'{status.value}'") for status in OPEN_WORK])


def overdue_terms(now: datetime, user=None) -> tuple:
    """SQL, terms to AND: the entry is past the deadline it runs against (closed and checked
    ones never). Only among what a scoped ``user`` sees (a dealer's or a rep's OR of columns) are
    the open statuses named first, for the partial indexes of open work to answer; head office's
    whole register is answered by the two deadline indexes (status, due) alone, which SQLite
    forsakes for a read of every open entry when the open statuses are named too."""
    r = ServiceRequest
    late = sa.or_(sa.and_(r.status.in_(TO_ARRANGE), r.arrange_due_at < now),
                  sa.and_(r.status == RequestStatus.ARRANGED, r.check_due_at < now))
    return (open_work(), late) if user is not None and scoped(user) else (late,)


def overdue_clause(now: datetime, user=None):
    """SQL: ``overdue_terms`` as one condition."""
    return sa.and_(*overdue_terms(now, user))


def due_column():
    """SQL: the instant of the running deadline."""
    r = ServiceRequest
    return sa.case((r.status == RequestStatus.ARRANGED, r.check_due_at), else_=r.arrange_due_at)


def escalation_query(now: datetime, base=None, user=None):
    """Overdue entries, the latest first; ``base`` (``user``'s scoped SELECT) narrows them."""
    stmt = base if base is not None else sa.select(ServiceRequest)
    return stmt.where(overdue_clause(now, user)).order_by(due_column(), ServiceRequest.id)


# Wording, shared by the server and static/js/countdown.js.

def _phrase(late: bool, size: str, **values) -> str:
    if late:
        if size == "d":
            return _("overdue by %(d)s d %(h)s h", **values)
        if size == "h":
            return _("overdue by %(h)s h %(m)s min", **values)
        return _("overdue by %(m)s min", **values)
    if size == "d":
        return _("%(d)s d %(h)s h left", **values)
    if size == "h":
        return _("%(h)s h %(m)s min left", **values)
    return _("%(m)s min left", **values)


def remaining_text(seconds: int) -> str:
    """"1 h 23 min left" or "overdue by 12 min": never shows less time than there is left,
    nor "overdue by 0 min"."""
    late = seconds < 0
    minutes = math.ceil(-seconds / 60) if late else seconds // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    size = "d" if days else "h" if hours else "m"
    return _phrase(late, size, d=days, h=hours, m=mins)


def wording() -> dict[str, str]:
    """The phrases with {d} {h} {m} placeholders, for the countdown script's data attributes."""
    slots = {"d": "{d}", "h": "{h}", "m": "{m}"}
    return {f"{'late' if late else 'left'}-{size}": _phrase(late, size, **slots)
            for late in (False, True) for size in "dhm"}


def wording_attributes() -> Markup:
    """``wording`` as the countdown's data attributes, escaped once for every countdown of a
    page (a list shows one on each row)."""
    return Markup("".join(f' data-{key}="{escape(text)}"' for key, text in wording().items()))
