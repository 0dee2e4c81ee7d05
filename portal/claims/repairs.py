"""The unit's warranty repairs, which extend its coverage clocks by the days they took, and the
coverage rules applied to a unit's records with them."""

from datetime import date

import sqlalchemy as sa

from portal.claims.models import Claim, ClaimLine, ClaimStatus
from portal.extensions import db
from portal.units.coverage import (
    CardTerms,
    Clock,
    Coverage,
    ModelTerms,
    PartTerms,
    Period,
    RepairSpan,
    coverage,
    extension_days,
    warranty_period,
)

# A submitted record with a covered line extends the clocks unless it is rejected entirely.
EXTENDING = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
             ClaimStatus.PARTLY_APPROVED)


def is_warranty_repair():
    """The WHERE clause of a claim that counts as a warranty repair of its unit: submitted and
    not rejected outright (``EXTENDING``), with a line the warranty pays. The clocks' extension
    and the entitlements' "repaired before" both ask it."""
    return sa.and_(Claim.status.in_(EXTENDING),
                   sa.exists().where(ClaimLine.claim_id == Claim.id, ClaimLine.covered,
                                     ClaimLine.paid_service.is_(False)))


def warranty_repairs(unit_id: int, *, before: date | None = None,
                     exclude_claim_id: int | None = None) -> list[RepairSpan]:
    """The unit's extending repairs, handed in before a date when one is given (one query),
    with the days they waited for parts."""
    stmt = (sa.select(Claim.handed_in_on, Claim.completed_on, Claim.parts_waited_from,
                      Claim.parts_waited_to)
            .where(Claim.unit_id == unit_id, is_warranty_repair(),
                   Claim.handed_in_on.is_not(None))
            .order_by(Claim.handed_in_on))
    if before is not None:
        stmt = stmt.where(Claim.handed_in_on < before)
    if exclude_claim_id is not None:
        stmt = stmt.where(Claim.id != exclude_claim_id)
    return [RepairSpan(*row) for row in db.session.execute(stmt)]


def card_terms(unit) -> CardTerms | None:
    """The sale the buyer's rights count from, as the dealer recorded it, filed or not.

    The periods start on the invoice date (第二十四条), or on the exchange that moved the card
    to this unit (``clock_start``); a sale recorded without one counts from the sale date. No
    sale recorded at all: None, the portal knows no date.
    """
    card = unit.card
    if card is None:
        return None
    return CardTerms(invoice_date=clock_start(card), sale_date=card.sale_date,
                     recognised=card.recognised, filed=card.status == "filed")


def clock_start(card) -> date:
    """The day a card's clocks start: the invoice date, or the day of the exchange that moved
    the card to this unit (the periods run again from it, 《农业机械产品修理、更换、退货责任规定》
    (2010) on exchanges)."""
    return card.exchanged_on or card.invoice_date or card.sale_date


def coverage_for(unit, part, on: date, *, exclude_claim_id: int | None = None,
                 repairs: list[RepairSpan] | None = None) -> Coverage:
    """Apply the coverage rules to a unit's records: its model, its recorded sale, a part.

    Warranty repairs handed in before the failure extend the clocks by the days they took; a
    claim being judged does not extend its own coverage. ``repairs``: all the unit's warranty
    repairs when the caller has read them already (``warranty_repairs``), of which those
    handed in before ``on`` count, as ``before`` selects them.
    """
    model = unit.model
    terms = ModelTerms(whole_months=model.whole_months, main_months=model.main_parts_months,
                       wear_months=model.wear_parts_months)
    part_terms = None
    if part is not None:
        part_terms = PartTerms(part_number=part.part_number, kind=part.kind.value,
                               own_months=part.warranty_months,
                               fits_model=part.fits(model.id))
    if repairs is None or exclude_claim_id is not None:  # a span does not name its claim
        repairs = warranty_repairs(unit.id, before=on, exclude_claim_id=exclude_claim_id)
    else:
        repairs = [repair for repair in repairs if repair.handed_in < on]
    return coverage(model=terms, card=card_terms(unit), failure_date=on, part=part_terms,
                    repairs=repairs)


def clocks_for(unit, repairs: list[RepairSpan] | None = None) -> list[tuple[Clock, int, Period]]:
    """The unit's three clocks (whole machine, main parts, wear parts) once its sale is recorded,
    each extended by the unit's warranty repairs (``repairs`` if the caller read them)."""
    sale = card_terms(unit)
    if sale is None:
        return []
    start = sale.invoice_date
    model = unit.model
    extension = extension_days(warranty_repairs(unit.id) if repairs is None else repairs)
    return [(clock, months, warranty_period(start, months, extension)) for clock, months in (
        (Clock.WHOLE, model.whole_months), (Clock.MAIN, model.main_parts_months),
        (Clock.WEAR, model.wear_parts_months))]
