"""Issuing 三包费用核销通知: the claims a notice takes, the notice itself (numbered by
``core.numbering``).

Everything here runs in the caller's transaction and never commits. A notice and its number
exist only once that transaction commits: a rolled-back issue leaves no notice, no taken claim
and no used number.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.catalog.models import PolicySettings
from portal.claims.models import Claim, ClaimLine, Decision, FinanceStage, LineKind
from portal.core import audit
from portal.core.db import money, utcnow
from portal.core.errors import DomainError
from portal.core.numbering import next_number, year_of
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.models import (
    NoticeClaim,
    NoticeDocument,
    NoticeStatus,
    WriteOffNotice,
)
from portal.units.models import Unit

COST_TYPES = ("parts", "labour", "travel", "other")
_COST_TYPE = {LineKind.PART: "parts", LineKind.LABOUR: "labour", LineKind.TRAVEL: "travel",
              LineKind.OTHER: "other"}


def eligible_claims(dealer_id: int, period_end: date) -> list[Claim]:
    """The dealer's finance-approved claims audited by ``period_end`` and in no notice yet."""
    return list(db.session.scalars(
        sa.select(Claim)
        .where(Claim.dealer_id == dealer_id, Claim.finance_stage == FinanceStage.APPROVED,
               Claim.notice_id.is_(None), Claim.finance_on <= period_end)
        .options(selectinload(Claim.lines), selectinload(Claim.unit).selectinload(Unit.model))
        .order_by(Claim.finance_on, Claim.number)
    ))


def eligible_summary(period_end: date) -> list[tuple[Dealer, int, Decimal]]:
    """Per dealer with eligible claims: (dealer, number of claims, their audited total)."""
    rows = db.session.execute(
        sa.select(Claim.dealer_id, sa.func.count(), sa.func.sum(Claim.total_finance))
        .where(Claim.finance_stage == FinanceStage.APPROVED, Claim.notice_id.is_(None),
               Claim.finance_on <= period_end)
        .group_by(Claim.dealer_id)
    ).all()
    dealers = {d.id: d for d in db.session.scalars(
        sa.select(Dealer).where(Dealer.id.in_([r[0] for r in rows])))}
    return sorted(((dealers[d], n, money(total or 0)) for d, n, total in rows),
                  key=lambda row: row[0].code)


def sheet_options():
    """Loader options for showing notices with the sheet (templates/finance/_notice_sheet.html)
    without a query per claim: ``select(WriteOffNotice).options(*sheet_options())``."""
    return (selectinload(WriteOffNotice.claims).selectinload(NoticeClaim.claim)
            .selectinload(Claim.unit).selectinload(Unit.model),)


def counts(line: ClaimLine) -> bool:
    """Whether a line's cost belongs on a notice: warranty work finance has not zeroed out."""
    return not line.paid_service and line.decision != Decision.REJECTED


def claim_amounts(claim: Claim) -> dict[str, Decimal]:
    """The claim's audited amounts by cost type, and their total."""
    amounts = dict.fromkeys(COST_TYPES, Decimal("0.00"))
    for line in claim.lines:
        if counts(line):
            amounts[_COST_TYPE[line.kind]] += money(line.finance_amount or 0)
    amounts["total"] = sum(amounts.values(), Decimal("0.00"))
    return amounts


def maker_details() -> dict:
    policy = PolicySettings.current()
    return {"name": policy.maker_name, "address": policy.maker_address,
            "phone": policy.maker_phone, "tax_no": policy.maker_tax_no}


def dealer_details(dealer: Dealer) -> dict:
    return {"code": dealer.code, "name": dealer.name, "province": dealer.province,
            "city": dealer.city, "address": dealer.address, "contact_name": dealer.contact_name,
            "contact_phone": dealer.contact_phone}


def issue_notice(dealer_id: int, period_start: date, period_end: date, *, actor,
                 run_id: int | None = None, replaces_id: int | None = None,
                 now: datetime | None = None, with_pdf: bool = True) -> WriteOffNotice | None:
    """Issue the dealer's notice for the period: every eligible claim up to ``period_end``.
    Its number belongs to the Shanghai year of ``now`` (the moment of issue).

    The PDF is rendered and stored in the same transaction, unless ``with_pdf`` is false: a
    notice run renders its PDFs on other cores after each dealer's commit
    (``documents.store_pdf``), so the notice number is not held while a PDF renders.

    Returns None when the dealer has no eligible claim. Raises DomainError when a claim was
    taken or changed by someone else meanwhile; the caller then rolls back.
    """
    if period_start > period_end:
        raise DomainError(_("The period must not end before it starts."), "period_start")
    claims = eligible_claims(dealer_id, period_end)
    if not claims:
        return None
    notice = _new_notice(db.session.get(Dealer, dealer_id), claims, period_start, period_end,
                         actor=actor, run_id=run_id, replaces_id=replaces_id,
                         now=now or utcnow())
    _take_claims(notice, claims)
    if with_pdf:
        from portal.finance.documents import render_notice_pdf

        notice.document = NoticeDocument(pdf=render_notice_pdf(notice))
    audit.record("issue", notice, actor=actor, to_state=NoticeStatus.ISSUED,
                 changes={"claims": (None, [c.number for c in claims]),
                          "total": (None, notice.total)})
    return notice


def _new_notice(dealer, claims, period_start, period_end, *, actor, run_id, replaces_id, now):
    # Gapless within the Shanghai year of issue: the counter is taken in this transaction.
    seq, number = next_number("notice", now)
    notice = WriteOffNotice(
        number=number, year=year_of(now), seq=seq, dealer_id=dealer.id, period_start=period_start,
        period_end=period_end, status=NoticeStatus.ISSUED, maker=maker_details(),
        dealer_details=dealer_details(dealer), run_id=run_id, replaces_id=replaces_id,
        issued_by_id=actor.id, issued_at=now)
    totals = dict.fromkeys((*COST_TYPES, "total"), Decimal("0.00"))
    for position, claim in enumerate(claims, 1):
        amounts = claim_amounts(claim)
        notice.claims.append(NoticeClaim(claim=claim, position=position, **amounts))
        for key, value in amounts.items():
            totals[key] += value
    for key, value in totals.items():
        setattr(notice, key, value)
    db.session.add(notice)
    db.session.flush()
    return notice


def _take_claims(notice: WriteOffNotice, claims: list[Claim]) -> None:
    """Put the claims in the notice, only if each is still free and as it was read.

    The single guarded UPDATE is what keeps a claim out of two notices: a concurrent issuer
    waits for this transaction's row locks and then finds the claims taken.
    """
    result = db.session.execute(
        sa.update(Claim)
        .where(sa.tuple_(Claim.id, Claim.version).in_([(c.id, c.version) for c in claims]),
               Claim.notice_id.is_(None), Claim.finance_stage == FinanceStage.APPROVED)
        .values(notice_id=notice.id, version=Claim.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(claims):
        raise DomainError(_("Some of these claims were put in another notice or changed "
                            "meanwhile. Nothing was issued; try again."))
    for claim in claims:
        db.session.expire(claim, ["notice_id", "version", "notice"])
