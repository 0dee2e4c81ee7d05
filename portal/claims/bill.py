"""The paid-service bill (有偿服务结算单): what the customer pays for work not covered by 三包.

The fee is what the claim's lines already hold, priced by the claims services from the catalogue
tables (``portal/claims/costing.py``: parts at retail without the warranty mark-up, the standard
hours unless the customer agreed to more, the dealer grade's hourly rate, the travel band's fee),
so a bill cannot be padded: nothing here computes or accepts a price. "Other" costs are never
billed, and neither is a line covered for the buyer, whoever pays the dealer for it (第四条).
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


def billable(line: ClaimLine) -> bool:
    """A line the customer pays: made paid service, outside his rights, from the tables."""
    return line.paid_service and not line.covered and line.kind in BILLABLE


def has_bill(claim: Claim) -> bool:
    return any(billable(line) for line in claim.lines)


def bill_lines(claim: Claim) -> ServiceBill:
    """The claim's paid-service lines in order, with their stored amounts and the totals."""
    lines = [line for line in db.session.scalars(
        sa.select(ClaimLine).options(joinedload(ClaimLine.part), joinedload(ClaimLine.fault_code))
        .where(ClaimLine.claim_id == claim.id, ClaimLine.paid_service.is_(True))
        .order_by(ClaimLine.position)) if billable(line)]
    totals = {kind: money(sum((line.amount for line in lines if line.kind == kind), Decimal(0)))
              for kind in BILLABLE}
    return ServiceBill(lines=lines, totals=totals, total=money(sum(totals.values(), Decimal(0))))


def service_bill_html(claim: Claim) -> str:
    """The bill as a printable HTML document (A4)."""
    return render_template("claims/service_bill.html", claim=claim, bill=bill_lines(claim),
                           card=claim.unit.card, printed_on=shanghai_today())


def service_bill_pdf(claim: Claim) -> bytes:
    return render_pdf(service_bill_html(claim))
