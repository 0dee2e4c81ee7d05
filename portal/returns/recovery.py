"""Supplier recovery: what the maker can claim back from each supplier for its quality faults.

Two kinds of row reach a supplier's list. This module makes the rows of old parts of repair
claims (``part_rows``) and groups any rows by supplier (``by_supplier``); the failed main
part of an exchange or refund case is added above it, in ``portal/cases/recovery.py``, whose
``recovery()`` is the one list the page and the Excel show.

A quality-fault old part is recoverable at its cost (the claim line's unit price × quantity)
plus the labour of its claim. The labour counts at the amounts approved: that is what the maker
paid the dealer and so what it can pass on; a labour line not (yet) approved adds nothing. A
claim's labour counts once, on its first quality-fault part, so two faulty parts of one repair
do not recover the same hours twice.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.catalog.models import Part
from portal.claims.models import Claim, ClaimLine, Decision, LineKind
from portal.core.db import SHANGHAI, money
from portal.core.enums import TitledEnum
from portal.extensions import db
from portal.returns.models import OwedPart, Verdict
from portal.units.models import Unit

ZERO = Decimal("0.00")


class RecoveryKind(TitledEnum):
    """The document a recovery row comes from."""

    CLAIM = "claim", _l("Repair record")  # an old part judged a quality fault
    CASE = "case", _l("Exchange or refund case")  # the failed machine's main part


@dataclass
class RecoveryRow:
    kind: RecoveryKind
    record_id: int  # the claim's or the case's id
    document: str  # its number
    position: int | None  # the claim's line; a case has none
    owed_id: int | None  # the old part's record; a case's machine has none
    supplier: str  # "" for parts with no supplier recorded
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


def in_range(column, start: date | None, end: date | None) -> list:
    """Business dates (Shanghai, both inclusive) as conditions on a UTC time column: a
    half-open range."""
    conditions = []
    if start:
        conditions.append(column >= datetime.combine(start, time(), SHANGHAI).astimezone(UTC))
    if end:
        conditions.append(column < datetime.combine(end + timedelta(days=1), time(),
                                                    SHANGHAI).astimezone(UTC))
    return conditions


def part_rows(start: date | None = None, end: date | None = None) -> list[RecoveryRow]:
    """Quality-fault old parts whose verdict fell in the range (two queries)."""
    where = [OwedPart.verdict == Verdict.QUALITY_FAULT, *in_range(OwedPart.verdict_at, start, end)]
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
    # ordered by claim and line: the first row of a claim takes its labour
    return [RecoveryRow(RecoveryKind.CLAIM, r.claim_id, r.number, r.position, r.id,
                        (r.supplier or "").strip(), r.part_number, r.name, r.serial,
                        r.verdict_at, money((r.unit_price or ZERO) * (r.quantity or 1)),
                        money(labour.pop(r.claim_id, None) or ZERO)) for r in found]


def by_supplier(rows: list[RecoveryRow]) -> list[SupplierRecovery]:
    """Rows grouped by supplier (named ones first, by name), each group by verdict time."""
    groups: dict[str, SupplierRecovery] = {}
    for row in rows:
        groups.setdefault(row.supplier, SupplierRecovery(row.supplier)).rows.append(row)
    for group in groups.values():
        group.rows.sort(key=lambda r: (r.verdict_at, r.kind, r.record_id, r.position or 0))
    return sorted(groups.values(), key=lambda g: (g.supplier == "", g.supplier))
