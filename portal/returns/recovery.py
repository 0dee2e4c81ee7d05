"""Supplier recovery: what the maker can claim back from each supplier for its quality faults.

A quality-fault part is recoverable at its cost (the claim line's unit price × quantity) plus
the labour of its claim. The labour counts at the amounts approved: that is what the maker
paid the dealer and so what it can pass on; a labour line not (yet) approved adds nothing. A
claim's labour counts once, on its first quality-fault part, so two faulty parts of one repair
do not recover the same hours twice.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.catalog.models import Part
from portal.claims.models import Claim, ClaimLine, Decision, LineKind
from portal.core.db import SHANGHAI, money
from portal.extensions import db
from portal.returns.models import OwedPart, Verdict
from portal.units.models import Unit

ZERO = Decimal("0.00")


@dataclass
class RecoveryRow:
    owed_id: int
    claim_id: int
    claim_number: str
    position: int
    part_number: str
    part_name: str
    serial: str
    verdict_at: datetime
    part_cost: Decimal
    labour: Decimal = ZERO

    @property
    def amount(self) -> Decimal:
        return self.part_cost + self.labour


@dataclass
class SupplierRecovery:
    supplier: str  # "" for parts with no supplier recorded
    rows: list[RecoveryRow] = field(default_factory=list)

    @property
    def part_cost(self) -> Decimal:
        return money(sum((r.part_cost for r in self.rows), ZERO))

    @property
    def labour(self) -> Decimal:
        return money(sum((r.labour for r in self.rows), ZERO))

    @property
    def amount(self) -> Decimal:
        return money(sum((r.amount for r in self.rows), ZERO))


def _bounds(start: date | None, end: date | None):
    """Business dates (Shanghai, both inclusive) as a UTC half-open range of verdict times."""
    conditions = []
    if start:
        conditions.append(OwedPart.verdict_at >= datetime.combine(start, time(), SHANGHAI)
                          .astimezone(UTC))
    if end:
        conditions.append(OwedPart.verdict_at < datetime.combine(end + timedelta(days=1), time(),
                                                                 SHANGHAI).astimezone(UTC))
    return conditions


def recovery(start: date | None = None, end: date | None = None) -> list[SupplierRecovery]:
    """Quality-fault parts whose verdict fell in the range, grouped by supplier (two queries)."""
    where = [OwedPart.verdict == Verdict.QUALITY_FAULT, *_bounds(start, end)]
    found = db.session.execute(
        sa.select(OwedPart.id, OwedPart.claim_id, Claim.number, ClaimLine.position,
                  Part.part_number, Part.name, Part.supplier, Unit.serial, OwedPart.verdict_at,
                  ClaimLine.unit_price, ClaimLine.quantity)
        .join(Claim, Claim.id == OwedPart.claim_id)
        .join(ClaimLine, ClaimLine.id == OwedPart.claim_line_id)
        .join(Part, Part.id == OwedPart.part_id).join(Unit, Unit.id == OwedPart.unit_id)
        .where(*where).order_by(OwedPart.claim_id, ClaimLine.position)).all()
    labour = dict(db.session.execute(
        sa.select(ClaimLine.claim_id, sa.func.sum(ClaimLine.approved_amount))
        .where(ClaimLine.kind == LineKind.LABOUR, ClaimLine.paid_service.is_(False),
               ClaimLine.decision.in_((Decision.APPROVED, Decision.REDUCED)),
               ClaimLine.claim_id.in_(sa.select(OwedPart.claim_id).where(*where)))
        .group_by(ClaimLine.claim_id)).all()) if found else {}
    groups: dict[str, SupplierRecovery] = {}
    for r in found:  # ordered by claim and line: the first row of a claim takes its labour
        row = RecoveryRow(r.id, r.claim_id, r.number, r.position, r.part_number, r.name,
                          r.serial, r.verdict_at,
                          money((r.unit_price or ZERO) * (r.quantity or 1)),
                          money(labour.pop(r.claim_id, None) or ZERO))
        supplier = (r.supplier or "").strip()
        groups.setdefault(supplier, SupplierRecovery(supplier)).rows.append(row)
    for group in groups.values():
        group.rows.sort(key=lambda row: (row.verdict_at, row.owed_id))
    return sorted(groups.values(), key=lambda g: (g.supplier == "", g.supplier))
