"""The v1 write-off notice resources: finance issues a dealer's notice; list and read them with
their claims and PDF; the dealer confirms or disputes them."""


import sqlalchemy as sa
from flask import g, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.api.views import (
    ApiError,
    bp,
    iso_date,
    json_body,
    rule_broken,
    sent_version,
    text,
    token_required,
)
from portal.core.downloads import download
from portal.core.errors import DomainError
from portal.core.pagination import keyset_page
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance import documents, lifecycle
from portal.finance.access import can_answer_notices, can_manage_notices, can_read_notices
from portal.finance.models import LedgerEntry, NoticeStatus, WriteOffNotice
from portal.finance.notice_scope import (
    filter_notices,
    find_notice,
    month_bounds,
    period_text,
    replacement_of,
    visible_notices,
)
from portal.finance.notices import issue_notice

NOTICE_PAGE = 100
readers = token_required(can_read_notices)
dealer_only = token_required(can_answer_notices)
AMOUNTS = ("parts", "labour", "travel", "other", "total")  # a claim's on the notice
NOTICE_AMOUNTS = (*AMOUNTS, "exchange_refund")  # the notice's: the cases' too


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def notice_summary(notice: WriteOffNotice) -> dict:
    return {"number": notice.number, "dealer": notice.dealer.code,
            "period": period_text(notice.period_start, notice.period_end),
            "status": notice.status.value, "total": str(notice.total)}


def notice_json(notice: WriteOffNotice) -> dict:
    """The notice with its amounts by cost type, its claims, its history links and PDF."""
    offset = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.notice_id == notice.id))
    newer = replacement_of(notice)
    return {
        **notice_summary(notice), "version": notice.version, "dealer_name": notice.dealer.name,
        "period_start": notice.period_start.isoformat(),
        "period_end": notice.period_end.isoformat(),
        **{name: str(getattr(notice, name)) for name in NOTICE_AMOUNTS},
        "issued_at": _iso(notice.issued_at), "confirmed_at": _iso(notice.confirmed_at),
        "disputed_at": _iso(notice.disputed_at), "dispute_reason": notice.dispute_reason,
        "voided_at": _iso(notice.voided_at), "void_reason": notice.void_reason,
        "replaces": notice.replaces.number if notice.replaces else None,
        "replaced_by": newer.number if newer else None,
        "offset": {"entry_date": offset.entry_date.isoformat(), "amount": str(offset.amount)}
        if offset else None,
        "pdf": url_for("api.get_notice_pdf", number=notice.number),
        "claims": [{"number": row.claim.number, "serial": row.claim.unit.serial,
                    **{name: str(getattr(row, name)) for name in AMOUNTS}}
                   for row in notice.claims],
        "cases": [{"number": row.case.number, "kind": row.case.kind.value,
                   "serial": row.case.unit.serial, "amount": str(row.amount)}
                  for row in notice.cases],
    }


def _visible_notice(number: str) -> WriteOffNotice:
    notice = find_notice(number, g.api_user)
    if notice is None:
        raise ApiError(404, "not_found", "No such notice.")
    return notice


def _filters() -> dict:
    status, period = request.args.get("status"), request.args.get("period")
    if status is not None and status not in NoticeStatus.__members__.values():
        raise ApiError(400, "bad_request",
                       f"status: one of {', '.join(s.value for s in NoticeStatus)}", "status")
    if period is not None and month_bounds(period) is None:
        raise ApiError(400, "bad_request", "period: a month YYYY-MM is required", "period")
    return {"status": status or "", "period": period or ""}


@bp.get("/notices")
@readers
def notices():
    """The notices the caller may see, newest first; ?status=, ?period=YYYY-MM, ?dealer=code."""
    wanted = _filters()
    stmt = filter_notices(visible_notices(g.api_user), **wanted)
    if code := request.args.get("dealer"):
        stmt = stmt.where(WriteOffNotice.dealer_id.in_(
            sa.select(Dealer.id).where(Dealer.code == code)))
    page = keyset_page(stmt.options(selectinload(WriteOffNotice.dealer)), WriteOffNotice.id,
                       WriteOffNotice.id, request.args.get("after"), NOTICE_PAGE,
                       descending=True)
    headers = {}
    if page.next_cursor:
        args = {k: v for k, v in {**wanted, "dealer": code}.items() if v}
        following = url_for("api.notices", after=page.next_cursor, **args)
        headers["Link"] = f'<{following}>; rel="next"'
    return jsonify([notice_summary(n) for n in page.items]), 200, headers


@bp.post("/notices")
@token_required(can_manage_notices)
def post_notice():
    """Finance issues one dealer's notice for a period: every claim (and case settlement) it
    approved by the period's end and not yet on a notice. 201 with the notice and its PDF."""
    data = json_body()
    code = text(data, "dealer", 20)
    dealer = db.session.scalar(sa.select(Dealer).where(Dealer.code == code))
    if dealer is None:
        raise ApiError(404, "not_found", "No such dealer.", "dealer")
    start, end = iso_date(data, "period_start"), iso_date(data, "period_end")
    try:
        notice = issue_notice(dealer.id, start, end, actor=g.api_user)
        if notice is None:
            raise DomainError(_("Dealer %(code)s has nothing approved by %(day)s that is not "
                                "on a notice yet.", code=dealer.code, day=end.isoformat()),
                              "period_end")
    except DomainError as error:
        raise rule_broken(error) from None
    db.session.commit()
    return jsonify(notice_json(_visible_notice(notice.number))), 201, {
        "Location": url_for("api.get_notice", number=notice.number)}


@bp.get("/notices/<number>")
@readers
def get_notice(number):
    """A notice with its claims and their amounts by cost type."""
    return jsonify(notice_json(_visible_notice(number)))


@bp.get("/notices/<number>.pdf")
@readers
def get_notice_pdf(number):
    """The notice's PDF exactly as it was issued."""
    notice = _visible_notice(number)
    return download(documents.notice_pdf(notice), f"{notice.number}.pdf")


def _answer(notice: WriteOffNotice, action) -> tuple:
    number = notice.number
    try:
        action(notice)
        db.session.commit()
    except DomainError as error:
        raise rule_broken(error) from None
    return jsonify(notice_json(_visible_notice(number)))


@bp.post("/notices/<number>/confirm")
@dealer_only
def confirm_notice(number):
    """The dealer confirms the notice: its total is offset against the dealer's receivable."""
    return _answer(_visible_notice(number),
                   lambda notice: lifecycle.confirm_notice(notice, actor=g.api_user,
                                                           version=sent_version()))


@bp.post("/notices/<number>/dispute")
@dealer_only
def dispute_notice(number):
    """The dealer disputes the notice, saying why; finance voids and reissues it."""
    notice = _visible_notice(number)
    reason = text(json_body(), "reason", lifecycle.REASON_MAX)
    return _answer(notice, lambda notice: lifecycle.dispute_notice(
        notice, reason, actor=g.api_user, version=sent_version()))
