"""The technical department's pages: parts awaiting a verdict, parts past due, and one owed
part with its history, its verdict form and its waiver form; and the sales company's list of
head-office repairs' parts to take in by hand."""

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog.models import FaultCode
from portal.core import audit
from portal.core.actions import form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.forms import options
from portal.core.htmx import render
from portal.core.pagination import queue_page
from portal.core.permissions import requires
from portal.core.queues import day_of
from portal.core.uploads import IMAGE_TYPES, send_upload, store
from portal.extensions import db
from portal.returns import access, verdicts
from portal.returns.models import (
    Destination,
    OwedPart,
    OwedStatus,
    ShipmentLine,
    StoreItem,
    Verdict,
)
from portal.returns.owed import return_awaited, waive, write_off_block
from portal.returns.queues import JUDGE, OVERDUE, TAKE_IN
from portal.returns.receipt import take_handed_in
from portal.returns.scope import owed_rows_shown, visible_owed_parts
from portal.returns.verdict_forms import HandedInForm, VerdictForm, WaiveForm
from portal.returns.views import bp

technical_only = requires(access.can_judge_parts)


def _filters() -> dict:
    return {"part": request.args.get("part", "").strip().upper(),
            "dealer": request.args.get("dealer", "").strip().upper(),
            "q": request.args.get("q", "").strip()}


def _queue_page(queue, template: str, fragment: str):
    """A queue of owed parts, narrowed by part or dealer code, a page at a time."""
    wanted, now = _filters(), utcnow()
    stmt = verdicts.listed(queue.select(current_user, now), **wanted)
    page = queue_page(stmt, queue)
    return render(template, fragment, page=page, wanted=wanted, endpoint=queue.endpoint,
                  today=day_of(now), shown=owed_rows_shown([o.id for o in page.items]))


@bp.route("/verdicts")
@requires(access.can_list_verdicts)
def verdict_queue():
    """Received parts waiting for the technical verdict, oldest first."""
    return _queue_page(JUDGE, "returns/verdicts.html", "returns/_verdict_rows.html")


@bp.route("/overdue")
@requires(access.can_list_overdue_parts)
def overdue():
    """Parts still owed after their return date: candidates for "not received" or a waiver."""
    return _queue_page(OVERDUE, "returns/overdue.html", "returns/_overdue_rows.html")


@bp.route("/handed-in")
@requires(access.can_receive_parts)
def take_in_list():
    """Head-office repairs' old parts still to be taken in by hand, by their return date."""
    return _queue_page(TAKE_IN, "returns/take_in.html", "returns/_take_in_rows.html")


def get_owed(owed_id: int, user) -> OwedPart:
    """The owed part if ``user`` may see its dealer's records, with its history; 404 otherwise."""
    owed = db.session.scalar(
        visible_owed_parts(user).where(OwedPart.id == owed_id).options(
            selectinload(OwedPart.claim), selectinload(OwedPart.line),
            selectinload(OwedPart.part), selectinload(OwedPart.unit),
            selectinload(OwedPart.dealer), selectinload(OwedPart.cause_code),
            selectinload(OwedPart.photos), selectinload(OwedPart.verdict_by),
            selectinload(OwedPart.waived_by),
            selectinload(OwedPart.store_item).selectinload(StoreItem.out_by),
            selectinload(OwedPart.shipment_lines).selectinload(ShipmentLine.shipment),
            selectinload(OwedPart.shipment_lines).selectinload(ShipmentLine.received_by)))
    if owed is None:
        abort(404)
    return owed


def _verdict_form(owed: OwedPart) -> VerdictForm:
    form = VerdictForm()
    received = owed.status == OwedStatus.RECEIVED
    form.verdict.choices = options(
        [("", "—")] + [(v.value, v.title) for v in Verdict
                       if (v == Verdict.NOT_RECEIVED) != received])
    codes = db.session.scalars(sa.select(FaultCode).where(FaultCode.is_active)
                               .order_by(FaultCode.code)).all()
    form.cause_code_id.choices = options([(0, "—"), *((c.id, f"{c.code} {c.description}")
                                                       for c in codes)])
    form.destination.choices = options([("", "—"), *((d.value, d.title) for d in Destination)])
    if not form.is_submitted():
        form.version.data = owed.version
    return form


def _page(owed: OwedPart, status: int = 200, **forms):
    """The owed part's page with the forms this user may use; ``forms`` override the blank ones."""
    today = shanghai_today()
    adjudicating = access.can_judge_part(owed, current_user, today)
    waiving = access.can_waive_return(owed, current_user)
    history = audit.history(*filter(None, [owed, owed.store_item]), limit=100)
    return render("returns/owed_part.html", status=status, owed=owed, today=today,
                  block=write_off_block(owed, today), awaited=return_awaited(owed, today),
                  history=history,
                  adjudicating=adjudicating, waiving=waiving,
                  verdict_form=forms.get("verdict") or (
                      _verdict_form(owed) if adjudicating else None),
                  waive_form=forms.get("waive") or WaiveForm(version=owed.version),
                  handed_in_form=forms.get("handed_in") or HandedInForm(version=owed.version))


@bp.route("/parts/<id:owed_id>")
@signed_in
def owed_part(owed_id):
    """One owed old part: its claim line, shipments, receipt, verdict, store and history."""
    return _page(get_owed(owed_id, current_user))


def _verdict_values(form) -> dict:
    return {"verdict": Verdict(form.verdict.data),
            "destination": Destination(form.destination.data) if form.destination.data
            else None,
            "cause_code_id": form.cause_code_id.data or None, "cause": form.cause.data or ""}


@bp.route("/parts/<id:owed_id>/verdict", methods=["POST"])
@technical_only
def record_verdict(owed_id):
    """Give the verdict on a part, with its photos; the claim line follows at once."""
    owed = get_owed(owed_id, current_user)
    form = _verdict_form(owed)
    files = [f for f in request.files.getlist("photos") if f and f.filename]

    def action():  # the photos go again if the verdict is refused (form_action)
        stored = [store(upload, folder=f"returns/{owed.id}", allowed=IMAGE_TYPES,
                        field="photos") for upload in files]
        verdicts.adjudicate(owed, _verdict_values(form), stored, actor=current_user,
                            today=shanghai_today(), version=form.seen_version)

    return form_action(form, action, **_on_part(owed, "verdict"), success=lambda _r: _(
        "Verdict recorded: %(verdict)s.", verdict=owed.verdict.title))


def _on_part(owed, key: str) -> dict:
    """form_action's answers for a form on the owed part's page (its ``key`` in ``_page``)."""
    return {"done": url_for("returns.owed_part", owed_id=owed.id),
            "again": lambda form: _page(owed, **{key: form})}


@bp.route("/parts/<id:owed_id>/waive", methods=["POST"])
@technical_only
def waive_return(owed_id):
    """Waive the return of a part, with the reason; its write-off is no longer blocked."""
    owed = get_owed(owed_id, current_user)
    form = WaiveForm()

    def action():
        waive(owed, form.reason.data or "", actor=current_user, version=form.seen_version)

    return form_action(form, action, success=_("The return is waived."),
                       **_on_part(owed, "waive"))


@bp.route("/parts/<id:owed_id>/handed-in", methods=["POST"])
@requires(access.can_receive_parts)
def take_in_hand(owed_id):
    """Receive a head-office repair's old part from the technician or rep who brings it."""
    owed = get_owed(owed_id, current_user)
    form = HandedInForm()
    return form_action(form, lambda: take_handed_in(
        owed, actor=current_user, today=shanghai_today(), version=form.seen_version),
        success=_("The old part is received."), **_on_part(owed, "handed_in"),
        # from its row in the list: the row again, received or with the message
        in_place=lambda form: render("returns/_take_in_row.html", o=owed, form=form,
                                     shown=owed_rows_shown([owed.id])))


@bp.route("/parts/<id:owed_id>/photos/<id:photo_id>")
@signed_in
def verdict_photo(owed_id, photo_id):
    """A photo of the verdict, only to those who may see the part."""
    owed = get_owed(owed_id, current_user)
    photo = next((p for p in owed.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return send_upload(photo.path, photo.content_type, photo.name, max_age=0)
