"""The paid-service bill (有偿服务结算单): what the customer pays for work not covered by 三包.

The fee is what the claim's lines already hold, priced by the claims services from the catalogue
tables (catalogue part prices, the dealer grade's hourly rate, the travel band's fee), so a bill
cannot be padded: nothing here computes or accepts a price. "Other" costs are never billed.
"""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from portal.claims.models import Claim, ClaimLine, LineKind
from portal.core.db import money, shanghai_today
from portal.core.pdf import render_pdf
from portal.extensions import db

BILLABLE = (LineKind.PART, LineKind.LABOUR, LineKind.TRAVEL)


@dataclass(frozen=True)
class ServiceBill:
    lines: list[ClaimLine]
    totals: dict[LineKind, Decimal]  # every billable kind, 0.00 when it has no line
    total: Decimal


def bill_lines(claim: Claim) -> ServiceBill:
    """The claim's paid-service lines in order, with their stored amounts and the totals."""
    lines = list(db.session.scalars(
        sa.select(ClaimLine).options(joinedload(ClaimLine.part), joinedload(ClaimLine.fault_code))
        .where(ClaimLine.claim_id == claim.id, ClaimLine.paid_service.is_(True),
               ClaimLine.kind.in_(BILLABLE))
        .order_by(ClaimLine.position)))
    totals = {kind: money(sum((line.amount for line in lines if line.kind == kind), Decimal(0)))
              for kind in BILLABLE}
    return ServiceBill(lines=lines, totals=totals, total=money(sum(totals.values(), Decimal(0))))


def service_bill_html(claim: Claim) -> str:
    """The bill as a printable HTML document (A4)."""
    return render_template("claims/service_bill.html", claim=claim, bill=bill_lines(claim),
                           card=claim.unit.card, printed_on=shanghai_today())


def service_bill_pdf(claim: Claim) -> bytes:
    return render_pdf(service_bill_html(claim))
