"""Issuing 三包费用核销通知: the claims and the case settlements a notice takes, the notice
itself (numbered by ``core.numbering``).

A notice has five cost types: the claims' parts, labour, travel and other, and 包换包退
(``exchange_refund``): the finance-approved settlements of the dealer's exchange and refund
cases (``portal.finance.case_settlements``), each signed as approved. A settlement the dealer
owes (a factory replacement charged above its return credit) lowers the notice's total; a
notice whose total is negative is still issued, and its confirmed offset then raises the
dealer's receivable by that amount: the dealer confirms what he owes as he confirms what he is
owed, and nothing is left outside the ledger.

Everything here runs in the caller's transaction and never commits. A notice and its number
exist only once that transaction commits: a rolled-back issue leaves no notice, no taken claim
and no used number.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.catalog.models import PolicySettings, ProductModel
from portal.claims.models import Claim, ClaimLine, Decision, FinanceStage, LineKind
from portal.core import audit
from portal.core.db import money, month_start, utcnow
from portal.core.errors import DomainError
from portal.core.numbering import next_number, year_of
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.models import (
    CaseSettlement,
    NoticeCase,
    NoticeClaim,
    NoticeDocument,
    NoticeRun,
    NoticeStatus,
    RunStatus,
    SettlementStatus,
    WriteOffNotice,
)
from portal.units.models import Unit

COST_TYPES = ("parts", "labour", "travel", "other")  # a claim's
NOTICE_COST_TYPES = (*COST_TYPES, "exchange_refund")  # a notice's: the claims' and the cases'
ZERO = Decimal("0.00")
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


def _free_settlements(period_end: date):
    """A WHERE clause: case settlements finance approved by ``period_end``, in no notice."""
    return sa.and_(CaseSettlement.status == SettlementStatus.APPROVED,
                   CaseSettlement.notice_id.is_(None), CaseSettlement.settled_on <= period_end)


def unnoticed_settlements() -> tuple[int, Decimal, date | None]:
    """Approved case settlements on no notice yet, all dealers: how many, their signed total
    and the oldest approval day (finance's home page; a small table, counted live)."""
    count, total, since = db.session.execute(
        sa.select(sa.func.count(CaseSettlement.case_id),
                  sa.func.coalesce(sa.func.sum(CaseSettlement.amount), 0),
                  sa.func.min(CaseSettlement.settled_on))
        .where(_free_settlements(date.max))).one()
    return count, money(total), since


def eligible_settlements(dealer_id: int, period_end: date) -> list[CaseSettlement]:
    """The dealer's case settlements finance approved by ``period_end``, in no notice yet."""
    return list(db.session.scalars(
        sa.select(CaseSettlement)
        .where(CaseSettlement.dealer_id == dealer_id, _free_settlements(period_end))
        .options(selectinload(CaseSettlement.case))
        .order_by(CaseSettlement.settled_on, CaseSettlement.case_id)))


def dealers_with_settlements(period_end: date):
    """A SELECT of the ids of dealers with eligible case settlements."""
    return sa.select(CaseSettlement.dealer_id).where(_free_settlements(period_end))


@dataclass(frozen=True)
class PendingMonth:
    """A month whose approved claims or case settlements wait for a notice."""

    month: date  # its first day
    claims: int
    cases: int
    run: bool  # a finished run already covered it (these were approved after it)


def pending_months(today: date) -> list[PendingMonth]:
    """The months before ``today``'s whose claims (by audit month) or case settlements (by
    approval month) finance approved and no notice holds yet, latest first (two queries and
    the runs)."""
    current = today.replace(day=1)
    claim_month = month_start(Claim.finance_on)
    claims = dict(db.session.execute(
        sa.select(claim_month, sa.func.count(Claim.id))
        .where(Claim.finance_stage == FinanceStage.APPROVED, Claim.notice_id.is_(None),
               Claim.finance_on < current).group_by(claim_month)).all())
    case_month = month_start(CaseSettlement.settled_on)
    cases = dict(db.session.execute(
        sa.select(case_month, sa.func.count(CaseSettlement.case_id))
        .where(_free_settlements(current - timedelta(days=1))).group_by(case_month)).all())
    months = sorted({*claims, *cases}, reverse=True)
    if not months:
        return []
    done = set(db.session.scalars(sa.select(NoticeRun.period_start).where(
        NoticeRun.status == RunStatus.DONE, NoticeRun.period_start.in_(months))))
    return [PendingMonth(m, claims.get(m, 0), cases.get(m, 0), m in done) for m in months]


def proposed_month(today: date, pending: list[PendingMonth] | None = None) -> str:
    """The month the generation page proposes: the latest finished month with anything waiting
    for a notice (its run takes the older ones too), else last month ("2026-10"). ``pending``:
    ``pending_months(today)`` if the caller has it already."""
    pending = pending_months(today) if pending is None else pending
    month = pending[0].month if pending else today.replace(day=1) - timedelta(days=1)
    return month.strftime("%Y-%m")


def eligible_summary(period_end: date) -> list[tuple[Dealer, int, Decimal]]:
    """Per dealer with eligible claims or case settlements: (dealer, how many, their total)."""
    claims = (sa.select(Claim.dealer_id, Claim.total_finance.label("amount"))
              .where(Claim.finance_stage == FinanceStage.APPROVED, Claim.notice_id.is_(None),
                     Claim.finance_on <= period_end))
    cases = sa.select(CaseSettlement.dealer_id, CaseSettlement.amount.label("amount")).where(
        _free_settlements(period_end))
    both = sa.union_all(claims, cases).subquery()
    rows = db.session.execute(
        sa.select(both.c.dealer_id, sa.func.count(), sa.func.sum(both.c.amount))
        .group_by(both.c.dealer_id)).all()
    if not rows:
        return []
    dealers = {d.id: d for d in db.session.scalars(
        sa.select(Dealer).where(Dealer.id.in_([r[0] for r in rows])))}
    return sorted(((dealers[d], n, money(total or 0)) for d, n, total in rows),
                  key=lambda row: row[0].code)


def sheet_options():
    """Loader options for showing notices with the sheet (templates/finance/_notice_sheet.html,
    the notice page) without a query per claim or case:
    ``select(WriteOffNotice).options(*sheet_options())``."""
    return (selectinload(WriteOffNotice.claims).selectinload(NoticeClaim.claim)
            .selectinload(Claim.unit).selectinload(Unit.model), case_options())


@cache
def case_options():
    """Loader options for a notice's exchange and refund cases as the sheet shows them (built
    once: they are the same every time)."""
    case = NoticeCase.case.property.mapper.class_  # SanbaoCase (finance sits below cases)
    return selectinload(WriteOffNotice.cases).selectinload(NoticeCase.case).options(
        selectinload(case.unit), selectinload(case.settlement))


@cache
def claim_rows():
    """A SELECT of notices' claims as plain rows of what the sheet shows of each (its position
    and amounts, the claim's number and where it is now, the unit's serial and model, the repair
    date), under the names ``NoticeClaim`` gives them for the PDF: narrow it to one notice and
    page it by (position, claim_id) with ``rows=True``. Built once (it is the same every time)."""
    return (sa.select(NoticeClaim.position, NoticeClaim.claim_id, NoticeClaim.parts,
                      NoticeClaim.labour, NoticeClaim.travel, NoticeClaim.other,
                      NoticeClaim.total, Claim.number,
                      Claim.notice_id.label("claim_notice_id"), Unit.serial,
                      ProductModel.code.label("model_code"),
                      sa.func.coalesce(Claim.completed_on, Claim.failure_date)
                      .label("repair_date"))
            .join(Claim, Claim.id == NoticeClaim.claim_id)
            .join(Unit, Unit.id == Claim.unit_id)
            .join(ProductModel, ProductModel.id == Unit.model_id))


def claim_count(notice: WriteOffNotice) -> int:
    """How many claims the notice holds (counted over its own rows only)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(NoticeClaim)
                             .where(NoticeClaim.notice_id == notice.id))


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
    """Issue the dealer's notice for the period: every eligible claim and case settlement up
    to ``period_end``.
    Its number belongs to the Shanghai year of ``now`` (the moment of issue).

    The PDF is rendered and stored in the same transaction, unless ``with_pdf`` is false: a
    notice run renders its PDFs on other cores after each dealer's commit
    (``documents.store_pdf``), so the notice number is not held while a PDF renders.

    Returns None when the dealer has neither. Raises DomainError when a claim or a settlement
    was taken or changed by someone else meanwhile; the caller then rolls back.
    """
    if period_start > period_end:
        raise DomainError(_("The period must not end before it starts."), "period_start")
    claims = eligible_claims(dealer_id, period_end)
    settlements = eligible_settlements(dealer_id, period_end)
    if not claims and not settlements:
        return None
    notice = _new_notice(db.session.get(Dealer, dealer_id), claims, period_start, period_end,
                         actor=actor, run_id=run_id, replaces_id=replaces_id,
                         now=now or utcnow())
    _add_cases(notice, settlements)
    _take_claims(notice, claims)
    _take_settlements(notice, settlements)
    if with_pdf:
        from portal.finance.documents import render_notice_pdf

        notice.document = NoticeDocument(pdf=render_notice_pdf(notice))
    audit.record("issue", notice, actor=actor, to_state=NoticeStatus.ISSUED,
                 changes={"claims": (None, [c.number for c in claims]),
                          "cases": (None, [s.case.number for s in settlements]),
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
    totals = dict.fromkeys((*NOTICE_COST_TYPES, "total"), ZERO)
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


def _add_cases(notice: WriteOffNotice, settlements: list[CaseSettlement]) -> None:
    """List the case settlements after the claims, as approved, in the 包换包退 cost type."""
    for position, settlement in enumerate(settlements, 1):
        notice.cases.append(NoticeCase(case_id=settlement.case_id, position=position,
                                       amount=settlement.amount))
    notice.exchange_refund = money(sum((s.amount for s in settlements), ZERO))
    notice.total = money(notice.total + notice.exchange_refund)
    db.session.flush()


def _take_claims(notice: WriteOffNotice, claims: list[Claim]) -> None:
    _take(notice, Claim, Claim.id, claims, Claim.finance_stage == FinanceStage.APPROVED,
          _("Some of these claims were put in another notice or changed meanwhile. Nothing "
            "was issued; try again."))


def _take_settlements(notice: WriteOffNotice, settlements: list[CaseSettlement]) -> None:
    _take(notice, CaseSettlement, CaseSettlement.case_id, settlements,
          CaseSettlement.status == SettlementStatus.APPROVED,
          _("Some of these case settlements were put in another notice or changed meanwhile. "
            "Nothing was issued; try again."))


def _take(notice: WriteOffNotice, entity, key, rows: list, approved, refused: str) -> None:
    """Put the rows (claims or case settlements) in the notice, only if each is still free,
    still ``approved`` and as it was read.

    The single guarded UPDATE is what keeps a record out of two notices: a concurrent issuer
    waits for this transaction's row locks and then finds the records taken.
    """
    if not rows:
        return
    result = db.session.execute(
        sa.update(entity)
        .where(sa.tuple_(key, entity.version).in_([(getattr(r, key.key), r.version)
                                                   for r in rows]),
               entity.notice_id.is_(None), approved)
        .values(notice_id=notice.id, version=entity.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(rows):
        raise DomainError(refused)
    for row in rows:
        db.session.expire(row, ["notice_id", "version", "notice"])
