"""What each user may see of claims: those of the dealers they may see."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.catalog.models import ProductModel
from portal.claims.models import Claim, ClaimLine
from portal.core.db import named
from portal.dealers.models import Dealer
from portal.dealers.scope import scope
from portal.extensions import db
from portal.units.models import Unit


def visible_claims(user):
    """A SELECT of the claims ``user`` may see."""
    return scope(sa.select(Claim), Claim.dealer_id, user)


def listed(stmt, *ordered_by):
    """``stmt`` (a SELECT of claims) as the rows a list of claims shows (``claim_rows`` in
    ``claims/_macros.html``): plain columns, the unit's serial, model and batch and the dealer's
    code named by a subquery per shown row, not whole claims with their units, models and
    dealers; ``ordered_by`` adds the columns a page is ordered by that it lacks."""
    of_unit = Unit.id == Claim.unit_id
    columns = [Claim.id, Claim.number, Claim.status, Claim.decided_by_rules, Claim.finance_stage,
               Claim.filed_by_head_office, Claim.failure_date, Claim.total_claimed,
               Claim.total_approved]
    columns += [c for c in ordered_by if not any(c is shown for shown in columns)]
    return stmt.with_only_columns(
        *columns, named(Claim, Unit.serial, of_unit, "serial"),
        named(Claim, Unit.batch, of_unit, "batch"),
        named(Claim, ProductModel.code, sa.and_(of_unit, ProductModel.id == Unit.model_id),
              "model_code"),
        named(Claim, Dealer.code, Dealer.id == Claim.dealer_id, "dealer_code"))


def get_claim(claim_id: int, user) -> Claim:
    """The claim if ``user`` may see it, with its unit, model, dealer, lines and files; 404
    otherwise."""
    return db.first_or_404(
        visible_claims(user).where(Claim.id == claim_id)
        .options(joinedload(Claim.unit).joinedload(Unit.model), joinedload(Claim.dealer),
                 selectinload(Claim.lines).selectinload(ClaimLine.part),
                 selectinload(Claim.lines).selectinload(ClaimLine.fault_code),
                 selectinload(Claim.attachments)))
