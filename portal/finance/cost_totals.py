"""The warranty cost report's running totals: finance-accepted cost per audit month, dealer and
product model (and per month and dealer, and per month), so the report sums a few thousand rows
instead of every claim line.

A claim counts from finance's approval until a reopened audit takes it back (written off it
still counts); the services that move it call ``count_claim``, in their own transaction, so the
totals never lag. A unit moved to another model moves its claims' totals with it, so saving a
unit (``save_unit``) is here.
``rebuild`` recomputes everything from the claims (the migration's backfill, the benchmark).
"""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.claims.models import Claim, ClaimLine, FinanceStage, LineKind
from portal.core import audit
from portal.core.db import money, month_start
from portal.core.errors import DomainError
from portal.extensions import db
from portal.finance.models import DealerCost, DealerModelCost, MonthCost
from portal.units.models import Unit
from portal.units.services import unit_problems

COUNTED = (FinanceStage.APPROVED, FinanceStage.WRITTEN_OFF)
KINDS = [kind.value for kind in LineKind]  # the totals' cost columns, named by line kind


def _upsert(table, keys: dict, amounts: dict[str, Decimal], claims: int) -> None:
    """Add to one totals row, creating it at the first claim (one statement, race-free)."""
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(table)
    stmt = insert.values(**keys, **amounts, claims=claims)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: getattr(table.c, name) + getattr(stmt.excluded, name)
              for name in [*KINDS, "claims"]}))


def _add(month, dealer_id: int, model_id: int, amounts: dict[str, Decimal], claims: int):
    _upsert(DealerModelCost.__table__, {"month": month, "dealer_id": dealer_id,
                                        "model_id": model_id}, amounts, claims)
    _upsert(DealerCost.__table__, {"month": month, "dealer_id": dealer_id}, amounts, claims)
    _upsert(MonthCost.__table__, {"month": month}, amounts, claims)


def count_claim(claim: Claim, sign: int = 1) -> None:
    """Add a claim finance has just approved to the totals (``sign=-1``: take it back out,
    before its audit is cleared). A claim without lines counts in no report row."""
    if not claim.lines or claim.finance_on is None:
        return
    amounts = dict.fromkeys(KINDS, Decimal(0))
    for line in claim.lines:
        amounts[LineKind(line.kind).value] += money(line.finance_amount or 0)
    signed = {kind: money(sign * amount) for kind, amount in amounts.items()}
    _add(claim.finance_on.replace(day=1), claim.dealer_id, claim.unit.model_id, signed, sign)


def move_unit(unit_id: int, old_model_id: int, new_model_id: int) -> None:
    """A unit's model was corrected: its counted claims now count under the new model."""
    for row in db.session.execute(_grouped(Unit.id == unit_id)):
        amounts = {kind: getattr(row, kind) for kind in KINDS}
        keys = {"month": row.month, "dealer_id": row.dealer_id}
        for model_id, sign in ((old_model_id, -1), (new_model_id, 1)):
            signed = {kind: money(sign * money(amount)) for kind, amount in amounts.items()}
            _upsert(DealerModelCost.__table__, {**keys, "model_id": model_id}, signed,
                    sign * row.claims)


def month_of_audit():
    """The first day of the claim's audit month, as a date, in SQL."""
    return month_start(Claim.finance_on)


def _grouped(*where) -> sa.Select:
    """The totals recomputed from the counted claims' lines, per month, dealer and model."""
    amount = sa.func.coalesce(ClaimLine.finance_amount, 0)
    month = month_of_audit().label("month")
    return (sa.select(month, Claim.dealer_id, Unit.model_id,
                      *[sa.func.coalesce(sa.func.sum(sa.case((ClaimLine.kind == kind, amount),
                                                             else_=0)), 0).label(kind.value)
                        for kind in LineKind],
                      sa.func.count(sa.distinct(Claim.id)).label("claims"))
            .select_from(ClaimLine).join(Claim, Claim.id == ClaimLine.claim_id)
            .join(Unit, Unit.id == Claim.unit_id)
            .where(Claim.finance_stage.in_(COUNTED), Claim.finance_on.is_not(None), *where)
            .group_by(month, Claim.dealer_id, Unit.model_id))


def rebuild() -> None:
    """Recompute all totals from the claims, set-based (after a bulk load or a repair)."""
    db.session.execute(sa.delete(DealerModelCost))
    db.session.execute(sa.delete(DealerCost))
    db.session.execute(sa.delete(MonthCost))
    detail = _grouped().subquery()
    names = ["month", "dealer_id", "model_id", *KINDS, "claims"]
    db.session.execute(sa.insert(DealerModelCost).from_select(
        names, sa.select(*[detail.c[n] for n in names])))
    db.session.execute(sa.insert(DealerCost).from_select(
        ["month", "dealer_id", *KINDS, "claims"],
        sa.select(DealerModelCost.month, DealerModelCost.dealer_id,
                  *[sa.func.sum(getattr(DealerModelCost, k)) for k in [*KINDS, "claims"]])
        .group_by(DealerModelCost.month, DealerModelCost.dealer_id)))
    db.session.execute(sa.insert(MonthCost).from_select(
        ["month", *KINDS, "claims"],
        sa.select(DealerCost.month, *[sa.func.sum(getattr(DealerCost, k))
                                      for k in [*KINDS, "claims"]])
        .group_by(DealerCost.month)))


def save_unit(unit, values: dict, *, actor, today: date):
    """Create a unit (unit None) or update one, refusing impossible dates."""
    for field, message in unit_problems(values, today).items():
        raise DomainError(message, field=field)
    old_model_id = unit.model_id if unit is not None else None
    saved = audit.create_or_update(Unit, unit, values, actor=actor)
    if old_model_id is not None and saved.model_id != old_model_id:
        move_unit(saved.id, old_model_id, saved.model_id)  # the cost report counts by model
    return saved
