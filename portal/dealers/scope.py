"""What each user may see of dealers: the one place dealer scoping is decided."""

import sqlalchemy as sa
from flask import abort
from markupsafe import Markup

from portal.accounts.roles import Role
from portal.core.options import options
from portal.dealers.models import Dealer
from portal.extensions import db


def scoped(user) -> bool:
    """True when ``user`` sees only some dealers (a dealer's own users, a sales rep); false for
    head office and for no user (a command)."""
    return user is not None and (user.role.is_dealer or user.role == Role.SALES_REP)


def visible_dealers(user):
    """A SELECT of the dealers ``user`` may see."""
    stmt = sa.select(Dealer)
    if user.role.is_dealer:
        return stmt.where(Dealer.id == user.dealer_id)
    if user.role == Role.SALES_REP:
        return stmt.where(Dealer.sales_rep_id == user.id)
    return stmt


def dealer_ids_for(user):
    """A subquery of the dealer ids ``user`` may see, for scoping other domains' records."""
    return visible_dealers(user).with_only_columns(Dealer.id).scalar_subquery()


def get_dealer(dealer_id: int, user) -> Dealer:
    """The dealer if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    dealer = db.session.scalar(visible_dealers(user).where(Dealer.id == dealer_id))
    if dealer is None:
        abort(404)
    return dealer


def dealer_choices(user) -> list:
    """The dealers ``user`` may narrow a list to, as (id, code, name) rows by code: a thousand
    of them for head office, so not whole Dealer objects."""
    return db.session.execute(visible_dealers(user).with_only_columns(
        Dealer.id, Dealer.code, Dealer.name).order_by(Dealer.code)).all()


def dealer_filter(user, wanted: int | None) -> tuple[int | None, list]:
    """For a list head office and reps may narrow to one dealer: (the wanted dealer's id if
    ``user`` sees it, else None; the dealers to pick from, ``dealer_choices``). Dealer users
    get (None, [])."""
    if user.role.is_dealer:
        return None, []
    dealers = dealer_choices(user)
    return (wanted if wanted in {d.id for d in dealers} else None), dealers


def dealer_options(dealers, selected) -> Markup:
    """The <option>s of a dealer picker (rows of ``dealer_choices``), in one pass."""
    return options(((d[0], f"{d[1]} {d[2]}") for d in dealers), selected)
