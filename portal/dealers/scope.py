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
from markupsafe import Markup

from portal.core.options import options
from portal.dealers.models import Dealer
from portal.extensions import db


def scoped(user) -> bool:
    """True when ``user`` sees only some dealers (a dealer's own users, a sales rep); false for
    head office and for no user (a command)."""
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
    if not scoped(user):
        return sa.true()
    if user.role.is_dealer:  # without its dealer (never so) it sees nothing, not the NULL rows
        return column == user.dealer_id if user.dealer_id is not None else sa.false()
    if db.session.get_bind().dialect.name == "postgresql":  # see the module's docstring
        return column.in_(sa.select(Dealer.id).where(_of_rep(user)))
    return column.in_(visible_dealer_ids(user))  # empty for a rep with no dealers: matches nothing


def scope(stmt, column, user):
    """``stmt`` narrowed to the rows whose dealer (``column``) ``user`` sees."""
    return stmt.where(in_scope(column, user)) if scoped(user) else stmt


def visible_dealers(user):
    """A SELECT of the dealers ``user`` may see; a rep's straight from ``sales_rep_id`` (an
    index answers it, and no list of ids is needed for the dealers table itself)."""
    if scoped(user) and not user.role.is_dealer:
        return sa.select(Dealer).where(_of_rep(user))
    return scope(sa.select(Dealer), Dealer.id, user)


def get_dealer(dealer_id: int, user) -> Dealer:
    """The dealer if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    return db.first_or_404(visible_dealers(user).where(Dealer.id == dealer_id))


def dealer_choices(user) -> list:
    """The dealers ``user`` may narrow a list to, as (id, code, name) rows by code: a thousand
    of them for head office, so not whole Dealer objects, and read on the session's connection
    (plain rows: the ORM's handling of a thousand of them took as long as the query)."""
    return db.session.connection().execute(_dealer_rows(user).order_by(Dealer.code)).all()


def picks_dealers(user) -> bool:
    """Whether ``user`` narrows lists to one of several dealers (head office, a rep): a
    dealer's own users see their dealer only and are offered no dealer to pick."""
    return not user.role.is_dealer


def dealer_filter(user, wanted: int | None) -> tuple[int | None, list]:
    """For a list head office and reps may narrow to one dealer: (the wanted dealer's id if
    ``user`` sees it, else None; the dealers to pick from, ``dealer_choices``). Dealer users
    get (None, [])."""
    if not picks_dealers(user):
        return None, []
    dealers = dealer_choices(user)
    return (wanted if wanted in {d.id for d in dealers} else None), dealers


def _dealer_rows(user):
    return visible_dealers(user).with_only_columns(Dealer.id, Dealer.code, Dealer.name)


def find_dealers(user, q: str, limit: int) -> list:
    """Up to ``limit`` of the dealers ``user`` may see whose code starts with ``q`` or whose name
    holds it, as ``dealer_choices`` rows: what a typed dealer picker offers."""
    return db.session.execute(_dealer_rows(user).where(Dealer.matching(q))
                              .order_by(Dealer.code).limit(limit)).all()


def visible_dealer_row(user, dealer_id: int):
    """The dealer's (id, code, name) if ``user`` may see it, else None."""
    return db.session.execute(_dealer_rows(user).where(Dealer.id == dealer_id)).first()


def dealer_options(dealers, selected) -> Markup:
    """The <option>s of a dealer picker (rows of ``dealer_choices``), in one pass."""
    return options(((d[0], f"{d[1]} {d[2]}") for d in dealers), selected)
