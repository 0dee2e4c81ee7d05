"""What each user may see of dealers: the one place dealer scoping is decided.

Every list, loader, count, export and API call of any domain narrows its records with
``in_scope(column, user)`` (or ``scope(stmt, column, user)``). The predicate is one an index on
``column`` answers: a dealer's user ``column = :dealer_id``; head office and commands (no user)
nothing; a sales rep its dealers, in the form each database plans well (measured on the bench
data, a rep's claims to review):

- SQLite: ``column IN (:ids)``, the ids read once a request (``visible_dealer_ids``). Given a
  sub-select of dealers it scans the whole table in the list's order.
- PostgreSQL: ``column IN (SELECT id FROM dealers WHERE sales_rep_id = :rep)``, which it plans
  as a join through the list's filter index (10 ms). Given a list of ids it guesses they are
  spread over the whole table and walks the primary key backwards through every newer row
  when the rep's rows are old (80 ms warm, 600 ms cold).
"""

import sqlalchemy as sa

from portal.dealers.models import Dealer, DealerStatus
from portal.extensions import db


def _real(user):
    """The user behind flask-login's ``current_user``: through the proxy every attribute read
    looks the user up again (three context lookups), and a home page scopes twenty lists."""
    unwrap = getattr(user, "_get_current_object", None)
    return unwrap() if unwrap is not None else user


def scoped(user) -> bool:
    """True when ``user`` sees only some dealers (a dealer's own users, a sales rep); false for
    head office and for no user (a command)."""
    user = _real(user)
    return user is not None and (user.role.is_dealer or user.role.is_rep)


def _of_rep(user):
    """The dealers a sales rep looks after: the one definition its ids and its list use."""
    return Dealer.sales_rep_id == user.id


def visible_dealer_ids(user) -> list[int] | None:
    """The ids of the dealers ``user`` sees; None when it sees every dealer.

    A rep's are read with one small query and kept for the session's transaction: one query
    per request however many lists and counts a page scopes; after a commit or a rollback
    (a new transaction) they are read again, so a reassignment is seen once committed.
    (Loading ``rep_dealers`` instead built a Dealer object per dealer on every page.)
    """
    user = _real(user)
    if not scoped(user):
        return None
    if user.role.is_dealer:
        return [user.dealer_id]
    session = db.session()
    transaction, known = session.info.get(_REP_DEALER_IDS, (None, {}))
    if transaction is None or transaction is not session.get_transaction():
        known = {}
    if user.id not in known:
        known[user.id] = list(session.scalars(sa.select(Dealer.id).where(_of_rep(user))))
        session.info[_REP_DEALER_IDS] = (session.get_transaction(), known)
    return known[user.id]


_REP_DEALER_IDS = "portal.rep_dealer_ids"  # session.info: (transaction, {rep id: dealer ids})


def in_scope(column, user):
    """The WHERE clause keeping the rows whose dealer (``column``) ``user`` sees; ``true()`` for
    head office, which SQLAlchemy drops beside any other condition."""
    user = _real(user)
    if not scoped(user):
        return sa.true()
    if user.role.is_dealer:  # without its dealer (never so) it sees nothing, not the NULL rows
        return column == user.dealer_id if user.dealer_id is not None else sa.false()
    if db.session.get_bind().dialect.name == "postgresql":  # see the module's docstring
        return column.in_(sa.select(Dealer.id).where(_of_rep(user)))
    return column.in_(visible_dealer_ids(user))  # empty for a rep with no dealers: matches nothing


def scope(stmt, column, user):
    """``stmt`` narrowed to the rows whose dealer (``column``) ``user`` sees."""
    user = _real(user)
    return stmt.where(in_scope(column, user)) if scoped(user) else stmt


def visible_dealers(user):
    """A SELECT of the dealers ``user`` may see; a rep's straight from ``sales_rep_id`` (an
    index answers it, and no list of ids is needed for the dealers table itself)."""
    user = _real(user)
    if scoped(user) and not user.role.is_dealer:
        return sa.select(Dealer).where(_of_rep(user))
    return scope(sa.select(Dealer), Dealer.id, user)


def get_dealer(dealer_id: int, user) -> Dealer:
    """The dealer if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    return db.first_or_404(visible_dealers(user).where(Dealer.id == dealer_id))


def picks_dealers(user) -> bool:
    """Whether ``user`` narrows lists to one of several dealers (head office, a rep): a
    dealer's own users see their dealer only and are offered no dealer to pick."""
    return not user.role.is_dealer


def _dealer_rows(user, active_only: bool = False):
    stmt = visible_dealers(user).with_only_columns(Dealer.id, Dealer.code, Dealer.name)
    return stmt.where(Dealer.status == DealerStatus.ACTIVE) if active_only else stmt


def find_dealers(user, q: str, limit: int, active_only: bool = False) -> list:
    """Up to ``limit`` of the dealers ``user`` may see (active ones only, if asked) whose code
    starts with ``q`` or whose name holds it, as (id, code, name) rows by code: what a typed
    dealer picker offers."""
    return db.session.execute(_dealer_rows(user, active_only).where(Dealer.matching(q))
                              .order_by(Dealer.code).limit(limit)).all()


def visible_dealer_row(user, dealer_id: int, active_only: bool = False):
    """The dealer's (id, code, name) if ``user`` may see it (and it is active, if asked), else
    None."""
    return db.session.execute(_dealer_rows(user, active_only)
                              .where(Dealer.id == dealer_id)).first()
