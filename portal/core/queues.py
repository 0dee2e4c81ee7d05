"""Work queues: what waits for someone, each defined once.

A ``Queue`` names the records waiting (the SELECT of what a user may see, narrowed by the
queue's filter), the order people work them in (oldest first unless said otherwise), the
column its "waiting since" figure reads, who works it and the list page that shows it. Who
works a queue is asked through a predicate of the domain's ``access`` module, the one guarding
the action the queue waits for (claims to decide: ``can_decide_claims``), never a role list.
Its count, its oldest item and its list are all read from that one definition, so a tile's
number and the list it links to cannot disagree. Each domain declares its queues in its own
``queues.py``; this module names no domain's states.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, request, url_for

from portal.core.db import SHANGHAI
from portal.core.pagination import Page, keyset_page
from portal.extensions import db

REGISTRY: dict[str, "Queue"] = {}  # name → queue, filled as the domains' queues.py load
TILE_CAP = 999  # a home page's tile counts a backlog this far ("999+"); its list has them all


@dataclass(frozen=True)
class Pile:
    """How many wait, and since when the oldest has waited (None when none does). ``more``: a
    capped count (``piles(..., cap=)``) stopped there, more wait than it says."""

    count: int
    oldest: date | datetime | None
    more: bool = False


@dataclass(frozen=True, eq=False)
class Queue:
    """One queue. ``scope(user)`` is the domain's SELECT of what ``user`` may see;
    ``where(user, now)`` the queue's conditions at ``now`` (a UTC instant); ``order`` the column it
    is worked down by (with ``key`` to break ties), ``since`` the column its oldest item is
    dated by; ``endpoint`` and ``args`` its list page. ``holder`` is the role-only predicate
    (``can_*(user)``) of who works it."""

    name: str
    label: str
    holder: Callable
    scope: Callable
    where: Callable[..., tuple]
    since: object
    key: object
    endpoint: str
    order: object = None  # defaults to ``since``
    args: Mapping = field(default_factory=dict)
    newest_first: bool = False

    def __post_init__(self):
        if self.name in REGISTRY:
            raise ValueError(f"queue {self.name!r} is defined twice")
        REGISTRY[self.name] = self

    def held_by(self, user) -> bool:
        """``user`` works this queue (a home page shows it to them)."""
        return self.holder(user)

    def open_to(self, user) -> bool:
        """``user`` may open the queue's list page: the role-only predicate its route requires
        (``portal.core.permissions.requires``), asked rather than repeated."""
        view = current_app.view_functions[self.endpoint]
        return getattr(view, "predicate", lambda _user: True)(user)

    @property
    def sort(self):
        return self.since if self.order is None else self.order

    def select(self, user, now: datetime):
        """A SELECT of the records in the queue that ``user`` may see, unordered."""
        return self.scope(user).where(*self.where(user, now))

    def ordered(self, user, now: datetime):
        """``select`` in the order people work the queue down."""
        sort = (self.sort.desc(), self.key.desc()) if self.newest_first else (self.sort, self.key)
        return self.select(user, now).order_by(*sort)

    def pile(self, user, now: datetime, cap: int | None = None) -> Pile:
        """How many records wait for ``user`` (up to ``cap``, if given) and the oldest one's
        date, in one query."""
        return piles([self], user, now, cap)[0]

    def page(self, stmt, after: str | None, size: int, rows: bool = False) -> Page:
        """One page of ``stmt`` (``select`` narrowed further) in the queue's order."""
        return keyset_page(stmt, self.sort, self.key, after, size, descending=self.newest_first,
                           rows=rows)

    def url(self) -> str:
        """The list page that shows exactly this queue."""
        return url_for(self.endpoint, queue=self.name, **self.args)


def day_of(now: datetime) -> date:
    """The working day (Shanghai) at the instant ``now``: what date-based queues compare to."""
    return now.astimezone(SHANGHAI).date()


def requested(default: Queue | None = None) -> Queue | None:
    """The queue a list page was opened for (``?queue=`` naming one listed on this page),
    else ``default``."""
    queue = REGISTRY.get(request.args.get("queue", ""))
    return queue if queue is not None and queue.endpoint == request.endpoint else default


def piles(queues, user, now: datetime, cap: int | None = None, *,
          oldest: bool = True) -> list[Pile]:
    """``Queue.pile`` of each of ``queues`` for ``user`` at ``now``, one query per scope they
    share: each count and oldest date filtered by its queue's conditions, the rows read only
    those in any of them. With ``cap``, one query per queue that counts at most ``cap + 1``
    rows: a count past ``cap`` shows as ``cap`` with ``more`` (the list page has them all), so a
    home page's tile costs the same however many wait; ``oldest=False`` (a capped tile that
    shows no date) leaves the oldest out (None), which a ``since`` no index orders would read
    every record in the queue for."""
    if cap is not None:
        return _capped(queues, user, now, cap, oldest) if queues else []
    found: dict[Queue, Pile] = {}
    for scope in dict.fromkeys(queue.scope for queue in queues):
        group = [queue for queue in queues if queue.scope is scope]
        found.update(zip(group, _count(scope, group, user, now), strict=True))
    return [found[queue] for queue in queues]


def _count(scope, queues: list[Queue], user, now: datetime) -> list[Pile]:
    wheres = [queue.where(user, now) for queue in queues]
    conditions = [sa.and_(*where) for where in wheres]
    columns = [column for queue, condition in zip(queues, conditions, strict=True)
               for column in (sa.func.count(queue.key).filter(condition),
                              sa.func.min(queue.since).filter(condition))]
    row = db.session.execute(scope(user).with_only_columns(*columns)
                             .where(*_shared(wheres), sa.or_(*conditions))).one()
    return [Pile(row[i], row[i + 1]) for i in range(0, len(row), 2)]


def _capped(queues, user, now: datetime, cap: int, oldest: bool = True) -> list[Pile]:
    """Of each queue, at most ``cap + 1`` records counted, in no order (the first index entries
    found), and the oldest as the first by ``since`` (read from the start of an index range where
    the queue's conditions and date are indexed together): two subqueries a queue, all in one
    statement."""
    columns, scopes = [], {}
    for queue in queues:  # each scope's SELECT built once (a rep's: its dealers' ids)
        if queue.scope not in scopes:
            scopes[queue.scope] = queue.scope(user)
        stmt = scopes[queue.scope].where(*queue.where(user, now))
        counted = stmt.with_only_columns(queue.key).limit(cap + 1).subquery()
        columns.append(sa.select(sa.func.count()).select_from(counted).scalar_subquery())
        columns.append(stmt.with_only_columns(queue.since).where(queue.since.is_not(None))
                       .order_by(queue.since).limit(1).scalar_subquery() if oldest
                       else sa.null())
    row = db.session.execute(sa.select(*columns)).one()
    return [Pile(min(row[i], cap), row[i + 1], row[i] > cap) for i in range(0, len(row), 2)]


def _shared(wheres: list[tuple]) -> list:
    """The conditions every one of the queues has, said once more outside their OR: there the
    planner can use them to pick an index (a status of open work beside a dealer's OR)."""
    first, *others = wheres
    return [term for term in first
            if all(any(term.compare(other) for other in where) for where in others)]
