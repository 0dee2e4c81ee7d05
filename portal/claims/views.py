"""Repair records and claims: the dealer fills and submits them, the technical department decides.

Every change is a boosted form: success redirects back to the claim (its checks recomputed),
refusal re-renders the claim with the message next to the field and status 422.
"""

import io
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog.models import FaultCode, Part, ProductModel
from portal.claims import access, services
from portal.claims.checks import Level, run_checks
from portal.claims.forms import (
    ClaimForm,
    DecisionForm,
    LabourLineForm,
    OptionalReasonForm,
    OtherLineForm,
    PartLineForm,
    PhotoForm,
    ReasonForm,
    TravelLineForm,
)
from portal.claims.models import (
    AttachmentKind,
    Claim,
    ClaimStatus,
    Decision,
    LineKind,
    RejectCode,
)
from portal.claims.scope import get_claim, visible_claims
from portal.claims.signature import SignatureForm, receive_signature
from portal.core import audit
from portal.core.actions import errors_by_line, form_action
from portal.core.db import shanghai_today, starts_with, utcnow
from portal.core.errors import DomainError
from portal.core.forms import options
from portal.core.htmx import render
from portal.core.pagination import keyset_page
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.core.uploads import IMAGE_TYPES, store, uploads_root
from portal.extensions import db
from portal.finance.audit_panel import claim_finance
from portal.returns.owed import line_returns
from portal.units.coverage_text import REASONS
from portal.units.models import Unit
from portal.units.scope import get_unit

bp = Blueprint("claims", __name__, url_prefix="/claims")
dealers_only = requires(access.can_file_claims)
technical_only = requires(access.can_decide_claims)
reviewers = requires(access.can_send_back_claims)
PHOTO_TYPES = IMAGE_TYPES
LINE_FORMS = {LineKind.PART: PartLineForm, LineKind.LABOUR: LabourLineForm,
              LineKind.TRAVEL: TravelLineForm, LineKind.OTHER: OtherLineForm}
QUEUES = {
    "review": (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW),
    "draft": (ClaimStatus.DRAFT,),
    "decided": (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED, ClaimStatus.REJECTED),
}


# ---------------------------------------------------------------- lists


@bp.route("/")
@signed_in
def index():
    """The claims this user may see: a status queue, search by claim number or serial."""
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip().upper()
    sample = request.args.get("sample") == "1"
    queue = requested()
    stmt = (queue.select(current_user, utcnow()) if queue else visible_claims(current_user))
    stmt = stmt.options(selectinload(Claim.unit).selectinload(Unit.model),
                        selectinload(Claim.dealer))
    if status in QUEUES:
        stmt = stmt.where(Claim.status.in_(QUEUES[status]))
    elif status in ClaimStatus.__members__.values():
        stmt = stmt.where(Claim.status == status)
    if sample:
        stmt = stmt.where(Claim.sampled, Claim.sample_reviewed_at.is_(None))
    if q:
        # Ranges, not LIKE: an index answers them on SQLite too (q is upper case, as they are).
        units = sa.select(Unit.id).where(starts_with(Unit.serial, q))
        stmt = stmt.where(sa.or_(starts_with(Claim.number, q), Claim.unit_id.in_(units)))
    after, size = request.args.get("after"), current_app.config["PAGE_SIZE"]
    page = (queue.page(stmt, after, size) if queue else
            keyset_page(stmt, Claim.id, Claim.id, after, size, descending=True))
    return render("claims/index.html", "claims/_rows.html", page=page, wanted=status, q=q,
                  sample=sample, statuses=ClaimStatus, queues=QUEUES, queue=queue)


# ---------------------------------------------------------------- the dealer's record


def _fault_choices(model, *, with_hours: bool = False):
    """Active fault codes; for labour only those with standard hours for the model's category."""
    codes = db.session.scalars(
        sa.select(FaultCode).where(FaultCode.is_active)
        .options(selectinload(FaultCode.hours)).order_by(FaultCode.code)).all()
    return [(c.id, f"{c.code} {c.description}" + (
        f" · {c.hours_for(model.category)} h" if c.hours_for(model.category) else ""))
        for c in codes if not with_hours or c.hours_for(model.category) is not None]


def _part_choices(model_id: int):
    parts = db.session.scalars(
        sa.select(Part).where(Part.is_active, Part.models.any(ProductModel.id == model_id))
        .order_by(Part.part_number)).all()
    return [(p.id, f"{p.part_number} {p.name} · {p.kind.title} · ¥{p.price}") for p in parts]


def _header_form(claim=None, unit=None, formdata=None):
    form = ClaimForm(formdata=formdata, obj=claim)
    model = (claim.unit if claim else unit).model
    form.fault_code_id.choices = options([(0, "—"), *_fault_choices(model)])
    if claim is not None and formdata is None:
        form.fault_code_id.data = claim.fault_code_id or 0
        form.version.data = claim.version
    return form


def _header_values(form) -> dict:
    values = {k: getattr(form, k).data for k in services.HEADER_FIELDS}
    values["fault_code_id"] = values["fault_code_id"] or None
    for key in ("description", "cause", "work_done", "technician"):
        values[key] = (values[key] or "").strip()
    return values


@bp.route("/new/<int:unit_id>", methods=["GET", "POST"])
@dealers_only
def new_claim(unit_id):
    """Open a repair record for a unit, directly or from a service-register entry."""
    unit = get_unit(unit_id, current_user)
    service_request = _service_request_arg(unit)
    form = _header_form(unit=unit, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET" and service_request is not None:
        form.description.data = service_request.description
    return form_action(
        form, lambda: services.create_claim(unit, _header_values(form), actor=current_user,
                                            today=shanghai_today(),
                                            service_request=service_request),
        success=lambda claim: _("Repair record %(number)s opened: add its lines, photos and "
                                "the customer's signature.", number=claim.number),
        done=lambda claim: url_for("claims.detail", claim_id=claim.id),
        again=lambda form: render("claims/new.html", form=form, unit=unit,
                                  service_request=service_request))


def _service_request_arg(unit):
    from portal.service.models import ServiceRequest

    request_id = request.args.get("service_request", type=int)
    if not request_id:
        return None
    entry = db.session.get(ServiceRequest, request_id)
    if entry is None or not access.can_file_claim_from(entry, current_user):
        abort(404)
    return entry


def _page(claim, status: int = 200, **forms):
    """The claim page with every form this user may use; ``forms`` override the blank ones."""
    editing = access.can_edit_claim(claim, current_user)
    context = {"claim": claim, "editing": editing,
               "deciding": access.can_decide_claim(claim, current_user),
               "reasons": REASONS, "reject_codes": RejectCode, "decisions": Decision,
               "kinds": LineKind, "levels": Level,
               "history": audit.history(claim, limit=200),
               "returns": line_returns(claim, shanghai_today()),
               "line_errors": forms.pop("line_errors", {}),
               "decision_values": forms.pop("decision_values", {})}
    if editing:
        checks = run_checks(claim, shanghai_today())
        context.update(
            checks=checks, header=forms.get("header") or _header_form(claim),
            part_form=forms.get("part") or _line_form(claim, LineKind.PART),
            labour_form=forms.get("labour") or _line_form(claim, LineKind.LABOUR),
            travel_form=forms.get("travel") or _line_form(claim, LineKind.TRAVEL),
            other_form=forms.get("other") or _line_form(claim, LineKind.OTHER),
            photo_form=forms.get("photos") or PhotoForm(version=claim.version),
            sig_form=forms.get("signature") or SignatureForm(),
            submit_form=forms.get("submit") or OptionalReasonForm(version=claim.version))
    else:
        context["checks"] = claim.checks or []
    context.update(
        decision_form=forms.get("decision") or DecisionForm(version=claim.version),
        send_back_form=forms.get("send_back") or ReasonForm(version=claim.version),
        sample_form=forms.get("sample") or OptionalReasonForm(version=claim.version),
        review_form=OptionalReasonForm(version=claim.version))
    context.update(claim_finance(claim, forms))
    return render("claims/detail.html", status=status, **context)


def _line_form(claim, kind, formdata=None):
    form = LINE_FORMS[kind](formdata=formdata)
    if formdata is None:
        form.version.data = claim.version
    if kind == LineKind.PART:
        form.part_id.choices = options(_part_choices(claim.unit.model_id))
    elif kind == LineKind.LABOUR:
        form.fault_code_id.choices = options(_fault_choices(claim.unit.model, with_hours=True))
        if formdata is None and claim.fault_code_id:
            form.fault_code_id.data = claim.fault_code_id
    return form


@bp.route("/<int:claim_id>")
@signed_in
def detail(claim_id):
    """The repair record: facts, lines with coverage and decisions, checks, files, timeline."""
    return _page(get_claim(claim_id, current_user))


def on_claim(claim, key: str, **context) -> dict:
    """form_action's answers for a form on the claim page (its ``key`` in ``_page``, with more
    of the page's ``context`` as callables of the form)."""
    return {"done": url_for("claims.detail", claim_id=claim.id),
            "again": lambda form: _page(claim, **{key: form},
                                        **{k: v(form) for k, v in context.items()})}


def line_errors(form) -> dict[int, str]:
    """A refusal about one claim line, moved from the top of the form to the line: {id: text}."""
    return {int(field[5:]): text for field, text in errors_by_line(form, "line-").items()}


@bp.route("/<int:claim_id>/edit", methods=["POST"])
@dealers_only
def edit(claim_id):
    claim = get_claim(claim_id, current_user)
    form = _header_form(claim, formdata=request.form)
    return form_action(form, lambda: services.update_claim(
        claim, _header_values(form), actor=current_user, today=shanghai_today(),
        version=form.seen_version), success=_("Saved."), **on_claim(claim, "header"))


@bp.route("/<int:claim_id>/lines/<any(part,labour,travel,other):kind>", methods=["POST"])
@dealers_only
def add_line(claim_id, kind):
    claim = get_claim(claim_id, current_user)
    kind = LineKind(kind)
    form = _line_form(claim, kind, formdata=request.form)
    values = dict(form.data)
    return form_action(form, lambda: services.add_line(
        claim, kind, values, actor=current_user, version=form.seen_version),
        **on_claim(claim, kind.value))


@bp.route("/<int:claim_id>/lines/<int:line_id>/remove", methods=["POST"])
@dealers_only
def remove_line(claim_id, line_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    return form_action(form, lambda: services.remove_line(
        claim, line_id, actor=current_user, version=form.seen_version),
        **on_claim(claim, "submit"))


@bp.route("/<int:claim_id>/lines/<int:line_id>/paid", methods=["POST"])
@dealers_only
def paid_service(claim_id, line_id):
    """Turn an uncovered line into paid service, or back into a warranty line."""
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    paid = request.form.get("paid") == "1"
    return form_action(form, lambda: services.set_paid_service(
        claim, line_id, paid, actor=current_user, version=form.seen_version),
        **on_claim(claim, "submit"))


@bp.route("/<int:claim_id>/photos", methods=["POST"])
@dealers_only
def add_photos(claim_id):
    """Attach photos of the repair, each checked by content and size; all or none."""
    claim = get_claim(claim_id, current_user)
    form = PhotoForm()
    files = [f for f in request.files.getlist("photos") if f and f.filename]

    def action():
        services.check_editable(claim, current_user)
        if not files:
            raise DomainError(_("Choose at least one photo."), field="photos")
        for upload in files:  # all or none: form_action removes the stored ones on failure
            kept = store(upload, folder=f"claims/{claim.id}", allowed=PHOTO_TYPES,
                         field="photos")
            services.attach(claim, AttachmentKind.PHOTO, kept, actor=current_user,
                            size=kept.size)

    return form_action(form, action, success=_("%(n)d photo(s) attached.", n=len(files)),
                       **on_claim(claim, "photos"))


@bp.route("/<int:claim_id>/signature", methods=["POST"])
@dealers_only
def sign(claim_id):
    """Keep the customer's signature: drawn on the screen, or a scan of the signed paper."""
    claim = get_claim(claim_id, current_user)
    form = SignatureForm()

    def action():
        services.check_editable(claim, current_user)  # before any file is written
        kept, drawn = receive_signature(form, folder=f"claims/{claim.id}")
        services.attach(claim, AttachmentKind.SIGNATURE, kept, actor=current_user,
                        drawn=drawn, size=kept.size)

    return form_action(form, action, success=_("The customer's signature is attached."),
                       **on_claim(claim, "signature"))


@bp.route("/<int:claim_id>/files/<int:attachment_id>/remove", methods=["POST"])
@dealers_only
def remove_file(claim_id, attachment_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    return form_action(form, lambda: services.detach(claim, attachment_id, actor=current_user),
                       then=_remove_file, **on_claim(claim, "submit"))


def _remove_file(attachment) -> None:
    """Once the record is gone, its file goes too, unless another record still names it."""
    if attachment.path and not _shared_path(attachment.path):
        (uploads_root() / attachment.path).unlink(missing_ok=True)


def _shared_path(path: str) -> bool:
    from portal.claims.models import ClaimAttachment

    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(ClaimAttachment)
                                  .where(ClaimAttachment.path == path)))


@bp.route("/<int:claim_id>/files/<int:attachment_id>")
@signed_in
def file(claim_id, attachment_id):
    """A photo or signature, only to those who may see the claim."""
    claim = get_claim(claim_id, current_user)
    attachment = next((a for a in claim.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    path = (uploads_root() / attachment.path).resolve()
    if uploads_root().resolve() not in path.parents or not path.is_file():
        abort(404)
    return send_file(path, mimetype=attachment.content_type, download_name=attachment.name,
                     max_age=0)


@bp.route("/<int:claim_id>/submit", methods=["POST"])
@dealers_only
def submit(claim_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()

    def action():
        services.submit(claim, actor=current_user, today=shanghai_today(),
                        version=form.seen_version)
        return claim.status

    return form_action(form, action, success=lambda status: (
        _("Submitted and approved by the rules for clean claims.")
        if status == ClaimStatus.APPROVED else _("Submitted to the technical department.")),
        **on_claim(claim, "submit"))


# ---------------------------------------------------------------- review


@bp.route("/<int:claim_id>/review", methods=["POST"])
@technical_only
def start_review(claim_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    return form_action(form, lambda: services.start_review(
        claim, actor=current_user, version=form.seen_version), **on_claim(claim, "decision"))


def _decisions(claim) -> dict:
    wanted = {}
    for line in claim.lines:
        amount = request.form.get(f"amount-{line.id}", "").strip()
        try:
            amount = Decimal(amount) if amount else None
        except InvalidOperation:
            amount = Decimal(-1)  # refused by the service with the line's message
        decision = request.form.get(f"decision-{line.id}", "")
        if decision not in Decision.__members__.values():
            decision = ""
        code = request.form.get(f"code-{line.id}", "")
        wanted[line.id] = {
            "decision": decision, "amount": amount, "note": request.form.get(f"note-{line.id}"),
            "reject_code": code if code in RejectCode.__members__.values() else None}
    return wanted


@bp.route("/<int:claim_id>/decide", methods=["POST"])
@technical_only
def decide(claim_id):
    """Decide the claim line by line: approve, reduce with a reason, or reject with a code."""
    claim = get_claim(claim_id, current_user)
    form = DecisionForm()
    wanted = _decisions(claim)
    return form_action(
        form, lambda: services.decide(claim, wanted, actor=current_user,
                                      version=form.seen_version),
        success=lambda status: _("Decided: %(status)s.", status=status.title),
        **on_claim(claim, "decision", decision_values=lambda _f: wanted, line_errors=line_errors))


@bp.route("/<int:claim_id>/send-back", methods=["POST"])
@reviewers
def send_back(claim_id):
    claim = get_claim(claim_id, current_user)
    form = ReasonForm()
    return form_action(form, lambda: services.send_back(
        claim, form.reason.data or "", actor=current_user, version=form.seen_version),
        success=_("Sent back to the dealer."), **on_claim(claim, "send_back"))


@bp.route("/<int:claim_id>/sample", methods=["POST"])
@technical_only
def review_sample(claim_id):
    """Confirm or reverse a claim the rules approved, after the fact."""
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    confirm = request.form.get("confirm") == "1"
    return form_action(form, lambda: services.review_sample(
        claim, actor=current_user, confirm=confirm, reason=form.reason.data or "",
        version=form.seen_version),
        success=_("The rules' decision stands.") if confirm
        else _("Reversed: decide it line by line."), **on_claim(claim, "sample"))




@bp.route("/<int:claim_id>/bill.pdf")
@signed_in
def service_bill(claim_id):
    """The paid-service bill for the customer: the lines the customer pays, from the tables."""
    claim = get_claim(claim_id, current_user)
    if not any(line.paid_service for line in claim.lines):
        abort(404)
    from portal.claims.bill import service_bill_pdf

    return send_file(io.BytesIO(service_bill_pdf(claim)), mimetype="application/pdf",
                     download_name=f"{claim.number}-bill.pdf")
