"""What each user may see of return visits, complaints and entitlement flags.

Dealers see their own dealer's records, a sales rep those of the dealers assigned to them,
head office everything. A dealer sees only finished return visits (the results): an open
task tells it when head office will call its customer, which an independent check must not.
A record outside a user's scope is a 404.
"""

import sqlalchemy as sa

from portal.catalog.models import ProductModel
from portal.claims.models import Claim, UnitFlag
from portal.dealers.models import Dealer
from portal.dealers.scope import scope, scoped
from portal.extensions import db
from portal.service.models import Complaint, ReturnVisit, VisitStatus
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit


def visible_visits(user):
    """A SELECT of the return visits ``user`` may see."""
    stmt = scope(sa.select(ReturnVisit), ReturnVisit.dealer_id, user)
    if user.role.is_dealer:
        stmt = stmt.where(ReturnVisit.status == VisitStatus.DONE)
    return stmt


def visible_complaints(user):
    """A SELECT of the complaints ``user`` may see (none without a dealer for dealers/reps)."""
    return scope(sa.select(Complaint), Complaint.dealer_id, user)


def visible_flags(user):
    """A SELECT of the entitlement flags ``user`` may see, by the dealer of the unit."""
    stmt = sa.select(UnitFlag)
    if scoped(user):
        stmt = stmt.where(UnitFlag.unit_id.in_(scope(sa.select(Unit.id), Unit.dealer_id, user)))
    return stmt


def visit_rows_shown(visit_ids: list[int]) -> dict:
    """What a row of the visits list shows besides the visit, by visit id, in one statement of
    plain rows: its repair record's number, its unit's serial and model, its dealer's code and
    the customer on the unit's card in force (none if it has none)."""
    if not visit_ids:
        return {}
    rows = db.session.execute(
        sa.select(ReturnVisit.id, Claim.number.label("claim_number"), Unit.serial,
                  ProductModel.code.label("model_code"), Dealer.code.label("dealer_code"),
                  WarrantyCard.buyer_name, WarrantyCard.buyer_phone)
        .join(Claim, Claim.id == ReturnVisit.claim_id)
        .join(Unit, Unit.id == ReturnVisit.unit_id)
        .join(ProductModel, ProductModel.id == Unit.model_id)
        .join(Dealer, Dealer.id == ReturnVisit.dealer_id)
        .outerjoin(WarrantyCard, sa.and_(WarrantyCard.unit_id == Unit.id,
                                         WarrantyCard.status != CardStatus.VOID))
        .where(ReturnVisit.id.in_(visit_ids)))
    return {row.id: row for row in rows}


def get_visit(visit_id: int, user) -> ReturnVisit:
    return db.first_or_404(visible_visits(user).where(ReturnVisit.id == visit_id))


def get_complaint(complaint_id: int, user) -> Complaint:
    return db.first_or_404(visible_complaints(user).where(Complaint.id == complaint_id))


def get_flag(flag_id: int, user) -> UnitFlag:
    return db.first_or_404(visible_flags(user).where(UnitFlag.id == flag_id))
