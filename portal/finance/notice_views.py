"""Write-off notices after issue: the list, the notice page with its PDF, and what the dealer
(confirm, dispute) and finance (void, reissue) do with it.

Every change is a boosted form: success redirects back to the notice (303); refusal re-renders
it with the message next to the field and status 422.
"""


from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import audit
from portal.core.actions import back_with_errors, form_action
from portal.core.db import utcnow
from portal.core.downloads import download
from portal.core.htmx import render, wants_fragment
from portal.core.pagination import list_page, list_select, request_page
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.dealers.pickers import dealer_filter
from portal.extensions import db
from portal.finance import access, documents, lifecycle
from portal.finance.models import NoticeClaim, NoticeStatus, WriteOffNotice
from portal.finance.notice_forms import DisputeForm, NoticeForm, ReissueForm, VoidForm
from portal.finance.notice_scope import (
    filter_notices,
    get_notice,
    listed,
    month_bounds,
    period_text,
    replacement_of,
    visible_notices,
)
from portal.finance.notices import claim_count, claim_rows
from portal.finance.queues import awaiting_dealer
from portal.finance.views import bp
from portal.units.search import searched

readers = requires(access.can_read_notices)
dealers_only = requires(access.can_answer_notices)
finance_only = requires(access.can_manage_notices)



@bp.route("/notices")
@readers
def notices():
    """The write-off notices this user may see, newest first, found by number or dealer; the
    dealer's open ones on top."""
    status = request.args.get("status", "")
    status = status if status in NoticeStatus.__members__.values() else ""
    period = request.args.get("period", "")
    period = period if month_bounds(period) else ""
    dealer_id, picker = dealer_filter(current_user, request.args)
    now, queue = utcnow(), requested()
    stmt = filter_notices(list_select(queue, visible_notices, current_user, now), status=status,
                          period=period, dealer_id=dealer_id)
    stmt = searched(stmt, request.args.get("q", ""), WriteOffNotice.number, None,
                    WriteOffNotice.dealer_id)  # a notice is about no one unit
    page = list_page(listed(stmt), queue, WriteOffNotice.id, WriteOffNotice.id, rows=True)
    waiting = (awaiting_dealer(current_user, now)
               if access.can_answer_notices(current_user) else [])
    return render("finance/notices.html", "finance/_notice_rows.html", page=page,
                  wanted=status, period=period, dealer_id=dealer_id, picker=picker,
                  statuses=NoticeStatus, waiting=waiting, period_text=period_text)


def _page(notice: WriteOffNotice, status: int = 200, **forms):
    """The notice page with every form this user may use; ``forms`` override the blank ones."""
    user, seen = current_user, notice.version
    answering = access.can_confirm_notice(notice, user)
    finance = access.can_manage_notices(user)
    replaced_by = replacement_of(notice) if notice.status == NoticeStatus.VOIDED else None
    context = {
        "notice": notice, "replaced_by": replaced_by, "period_text": period_text,
        "claim_count": claim_count(notice), "claim_page": _claim_page(notice),
        "history": audit.history(notice, limit=200),
        "confirm_form": (forms.get("confirm") or NoticeForm(version=seen)) if answering else None,
        "dispute_form": (forms.get("dispute") or DisputeForm(version=seen)) if answering else None,
        "void_form": (forms.get("void") or VoidForm(version=seen))
        if access.can_void_notice(notice, user) else None,
        "reissue_form": ReissueForm() if finance and notice.status == NoticeStatus.VOIDED
        and replaced_by is None else None,
    }
    return render("finance/notice.html", status=status, **context)


def _claim_page(notice: WriteOffNotice):
    """The page of the notice's claims the request asks for, in the notice's order."""
    return request_page(claim_rows().where(NoticeClaim.notice_id == notice.id),
                        NoticeClaim.position, NoticeClaim.claim_id, rows=True)


@bp.route("/notices/<number>")
@readers
def notice(number):
    """The notice as the dealer reads it, its status and history, and what may be done next;
    its claims a page at a time (its "Show more" asks for the next rows only)."""
    found = get_notice(number, current_user, claims=False)
    if wants_fragment() and request.args.get("after"):
        return render("finance/_notice_claim_rows.html", notice=found,
                      claim_page=_claim_page(found))
    return _page(found)


@bp.route("/notices/<number>.pdf")
@readers
def notice_pdf(number):
    """The notice's PDF exactly as it was issued."""
    notice = db.first_or_404(visible_notices(current_user).where(WriteOffNotice.number == number))
    return download(documents.notice_pdf(notice), f"{notice.number}.pdf")


def _on_notice(notice, key: str) -> dict:
    """form_action's answers for a form on the notice page: the notice (or the one the action
    issued in its place), or the page again with the form as ``key``."""
    return {"done": lambda result: url_for("finance.notice", number=(
                result if isinstance(result, WriteOffNotice) else notice).number),
            "again": lambda form: _page(notice, **{key: form})}


@bp.route("/notices/<number>/confirm", methods=["POST"])
@dealers_only
def confirm_notice(number):
    """The dealer confirms the notice: its total is offset against what the dealer owes."""
    notice = get_notice(number, current_user)
    form = NoticeForm()
    return form_action(form, lambda: lifecycle.confirm_notice(
        notice, actor=current_user, version=form.seen_version),
        success=_("Notice %(number)s confirmed; its total is offset against your account.",
                  number=notice.number), **_on_notice(notice, "confirm"))


@bp.route("/notices/<number>/dispute", methods=["POST"])
@dealers_only
def dispute_notice(number):
    """The dealer disputes the notice with a reason; finance voids and reissues it."""
    notice = get_notice(number, current_user)
    form = DisputeForm()
    return form_action(form, lambda: lifecycle.dispute_notice(
        notice, form.reason.data, actor=current_user, version=form.seen_version),
        success=_("Notice %(number)s disputed; finance will answer.", number=notice.number),
        **_on_notice(notice, "dispute"))


@bp.route("/notices/<number>/void", methods=["POST"])
@finance_only
def void_notice(number):
    """Finance voids the notice with a reason (its claims are released), maybe reissuing it."""
    notice = get_notice(number, current_user)
    form, reissue = VoidForm(), request.form.get("then") == "reissue"
    void = lifecycle.void_and_reissue if reissue else lifecycle.void_notice
    success = (_("Notice %(number)s voided and reissued.", number=notice.number) if reissue
               else _("Notice %(number)s voided; its claims are free for a new notice.",
                      number=notice.number))
    return form_action(form, lambda: void(
        notice, form.reason.data, actor=current_user, version=form.seen_version),
        success=success, **_on_notice(notice, "void"))


@bp.route("/notices/<number>/reissue", methods=["POST"])
@finance_only
def reissue_notice(number):
    """Finance issues a new notice in place of a voided one."""
    notice = get_notice(number, current_user)
    return form_action(
        ReissueForm(), lambda: lifecycle.reissue_notice(notice, actor=current_user),
        success=lambda new: _("Notice %(new)s issued in place of %(number)s.", new=new.number,
                              number=number),
        done=lambda new: url_for("finance.notice", number=new.number),
        again=back_with_errors(url_for("finance.notice", number=number)))
