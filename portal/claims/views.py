"""Repair records and claims: the dealer fills and submits them, the technical department decides.

Every change is a boosted form: success redirects back to the claim (its checks recomputed),
refusal re-renders the claim with the message next to the field and status 422. The dealer's
cost lines, photos and signature change in place instead when htmx posts them: the answer is
their section (``SECTIONS``), with what depends on it out of band (``_section``).
"""


import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog.models import FaultCode, FaultHours, Part, PartKind, part_models
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
from portal.claims.scope import get_claim, listed, visible_claims
from portal.claims.search import search_page, searched_claims
from portal.claims.signature import SignatureForm, receive_signature
from portal.core import audit
from portal.core.actions import errors_by_line, form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.downloads import download
from portal.core.errors import DomainError
from portal.core.forms import options
from portal.core.htmx import render
from portal.core.pagination import list_page, list_select
from portal.core.permissions import requires
from portal.core.queues import requested
from portal.core.uploads import IMAGE_TYPES, send_upload, store, uploads_root
from portal.extensions import db
from portal.units.coverage_text import REASONS

bp = Blueprint("claims", __name__, url_prefix="/claims")
# The record's form: a dealer's staff, or head office filing its own repair (``can_fill_claims``).
filers = requires(access.can_fill_claims)
technical_only = requires(access.can_decide_claims)
reviewers = requires(access.can_send_back_claims)
PHOTO_TYPES = IMAGE_TYPES
LINE_FORMS = {LineKind.PART: PartLineForm, LineKind.LABOUR: LabourLineForm,
              LineKind.TRAVEL: TravelLineForm, LineKind.OTHER: OtherLineForm}
LINE_ADDED = {LineKind.PART: _l("Part added."), LineKind.LABOUR: _l("Labour added."),
              LineKind.TRAVEL: _l("Travel added."), LineKind.OTHER: _l("Cost added.")}
# What other domains add to the claim page: ``panel(claim, forms) -> context`` (the old parts per
# line: portal.workflow.claim_views; the finance track: portal.finance.audit_views).
PANELS: list = []
# The sections of the claim page a dealer changes in place with htmx, each one template that the
# full page includes too.
SECTIONS = {"lines": "claims/_lines.html", "photos": "claims/_photos.html",
            "signature": "claims/_signature_section.html"}
# The forms of those sections with an id, "<key>-form" (claims/_macros.html in_place).
FORM_IDS = {"part", "labour", "travel", "other", "photos", "signature"}
QUEUES = {
    "review": (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW),
    "draft": (ClaimStatus.DRAFT,),
    "decided": (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED, ClaimStatus.REJECTED),
}


# ---------------------------------------------------------------- lists


@bp.route("/")
@signed_in
def index():
    """The claims this user may see: a status queue, search by claim number, serial or
    dealer."""
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    sample = request.args.get("sample") == "1"
    head_office = request.args.get("origin") == "head_office"
    queue = requested()
    stmt = list_select(queue, visible_claims, current_user, utcnow())
    if status in QUEUES:
        stmt = stmt.where(Claim.status.in_(QUEUES[status]))
    elif status in ClaimStatus.__members__.values():
        stmt = stmt.where(Claim.status == status)
    if sample:
        stmt = stmt.where(Claim.sampled, Claim.sample_reviewed_at.is_(None))
    if head_office:
        stmt = stmt.where(Claim.filed_by_head_office)
    if q and not queue:
        page = search_page(listed(stmt), q, request.args.get("after"),
                           current_app.config["PAGE_SIZE"])
    else:
        stmt = listed(searched_claims(stmt, q), *([queue.sort] if queue else []))
        page = list_page(stmt, queue, Claim.id, Claim.id, rows=True)
    return render("claims/index.html", "claims/_rows.html", page=page, wanted=status, q=q,
                  sample=sample, head_office=head_office, statuses=ClaimStatus, queues=QUEUES,
                  queue=queue)


# ---------------------------------------------------------------- the dealer's record


def _fault_choices(model, *, with_hours: bool = False):
    """Active fault codes; for labour only those with standard hours for the model's category."""
    return [(fault_id, f"{code} {description}" + (f" · {hours} h" if hours else ""))
            for fault_id, code, description, hours in _fault_rows(model.category)
            if not with_hours or hours is not None]


def _fault_rows(category):
    """(id, code, description, standard hours for ``category`` or None) of the active fault
    codes by code, read once per request: the record's form and its labour form both offer
    them."""
    key = f"claims.fault_rows.{category}"
    if key not in g:
        setattr(g, key, db.session.execute(
            sa.select(FaultCode.id, FaultCode.code, FaultCode.description,
                      FaultHours.standard_hours)
            .outerjoin(FaultHours, sa.and_(FaultHours.fault_code_id == FaultCode.id,
                                           FaultHours.category == category))
            .where(FaultCode.is_active).order_by(FaultCode.code)).all())
    return g.get(key)


def _part_choices(model_id: int, q: str = ""):
    """The active parts that fit the model (what a claim on its unit may replace), in one query
    of the columns offered; with ``q`` only those whose number starts with it or whose name
    holds it."""
    stmt = (sa.select(Part.id, Part.part_number, Part.name, Part.kind, Part.price)
            .join(part_models, part_models.c.part_id == Part.id)
            .where(part_models.c.model_id == model_id, Part.is_active))
    if q:
        stmt = stmt.where(Part.matching(q))
    parts = db.session.execute(stmt.order_by(Part.part_number)).all()
    kinds = {kind: kind.title for kind in PartKind}  # titled once, not once a part
    return [(p.id, f"{p.part_number} {p.name} · {kinds[p.kind]} · ¥{p.price:,}") for p in parts]


def header_form(claim=None, unit=None, formdata=None):
    form = ClaimForm(formdata=formdata, obj=claim)
    model = (claim.unit if claim else unit).model
    form.fault_code_id.choices = options([(0, "—"), *_fault_choices(model)])
    if claim is not None and formdata is None:
        form.fault_code_id.data = claim.fault_code_id or 0
        form.version.data = claim.version
    return form


def header_values(form) -> dict:
    values = {k: getattr(form, k).data for k in services.HEADER_FIELDS}
    values["fault_code_id"] = values["fault_code_id"] or None
    for key in ("description", "cause", "work_done", "technician"):
        values[key] = (values[key] or "").strip()
    return values


def _options(members) -> list[tuple[str, str]]:
    return [(m.value, m.title) for m in members]


def _context(claim, **forms) -> dict:
    """What the claim page shows this user, with every form they may use; ``forms`` override
    the blank ones."""
    editing = access.can_edit_claim(claim, current_user)

    def blank(form_class):  # not filled from this request: it may have changed the version
        return form_class(formdata=None, version=claim.version)

    deciding = access.can_decide_claim(claim, current_user)
    context = {"claim": claim, "editing": editing, "deciding": deciding,
               "reasons": REASONS,
               # each line's decision <select>s: their options titled once, not once a line
               "decision_options": _options(d for d in Decision if d != Decision.PENDING)
               if deciding else [],
               "reject_options": _options(RejectCode) if deciding else [],
               "kinds": LineKind, "levels": Level,
               "history": audit.history(claim, limit=200),
               "line_errors": forms.pop("line_errors", {}),
               "decision_values": forms.pop("decision_values", {}),
               "line_action_form": forms.get("line_action"),
               "photo_action_form": forms.get("photo_action")}
    if editing:
        checks = run_checks(claim, shanghai_today())
        context.update(
            checks=checks, header=forms.get("header") or header_form(claim),
            part_form=forms.get("part") or _line_form(claim, LineKind.PART),
            labour_form=forms.get("labour") or _line_form(claim, LineKind.LABOUR),
            travel_form=forms.get("travel") or _line_form(claim, LineKind.TRAVEL),
            other_form=forms.get("other") or _line_form(claim, LineKind.OTHER),
            photo_form=forms.get("photos") or blank(PhotoForm),
            sig_form=forms.get("signature") or SignatureForm(formdata=None),
            submit_form=forms.get("submit") or blank(OptionalReasonForm))
    else:
        context["checks"] = claim.checks or []
    def usable(key, form_class, may):  # a reviewer's form only for whom may use it
        return forms.get(key) or (blank(form_class) if may(claim, current_user) else None)

    context.update(
        decision_form=usable("decision", DecisionForm, access.can_decide_claim),
        send_back_form=usable("send_back", ReasonForm, access.can_send_back_claim),
        sample_form=usable("sample", OptionalReasonForm, access.can_review_sample),
        review_form=usable("review", OptionalReasonForm, access.can_start_review))
    for panel in PANELS:  # e.g. the old parts per line, the finance track
        context.update(panel(claim, forms))
    return context


def _page(claim, status: int = 200, **forms):
    """The claim page with every form this user may use."""
    return render("claims/detail.html", status=status, **_context(claim, **forms))


def _section(claim, section: str, key: str, form, message):
    """One section of the claim page, answered to the htmx form (``key``) that changed it: after
    a change its forms start blank and say ``message``; after a refusal the form keeps what was
    typed, with the messages next to its fields (claims/_update.html)."""
    changed = not form.errors
    context = _context(claim, **({} if changed else {key: form}))
    response = render("claims/_update.html", section_template=SECTIONS[section],
                      updated=section, changed=changed,
                      message=str(message) if changed and message else None, **context)
    # Where the thumb looks next: the confirmation, or the refused form (a button in a line
    # has its message at the top of the section); never the top of the page.
    shown = f"{section}-done" if changed else f"{key}-form" if key in FORM_IDS else section
    response.headers["HX-Reswap"] = f"outerHTML show:#{shown}:top"
    return response


def _line_form(claim, kind, formdata=None, q: str = ""):
    form = LINE_FORMS[kind](formdata=formdata)
    if formdata is None:
        form.version.data = claim.version
    if kind == LineKind.PART:  # no part chosen at first: one careless tap must not add one
        form.part_id.choices = options([(0, "—"), *_part_choices(claim.unit.model_id, q)])
    elif kind == LineKind.LABOUR:
        form.fault_code_id.choices = options(_fault_choices(claim.unit.model, with_hours=True))
        if formdata is None and claim.fault_code_id:
            form.fault_code_id.data = claim.fault_code_id
    return form


@bp.route("/<id:claim_id>")
@signed_in
def detail(claim_id):
    """The repair record: facts, lines with coverage and decisions, checks, files, timeline."""
    return _page(get_claim(claim_id, current_user))


@bp.route("/<id:claim_id>/parts")
@filers
def part_choice(claim_id):
    """The part picker for what was typed in its search box: the parts of the unit's model
    whose number starts with it or whose name holds it; a single match is chosen."""
    claim = get_claim(claim_id, current_user)
    q = request.args.get("q", "").strip()
    form = _line_form(claim, LineKind.PART, q=q)
    if q and len(form.part_id.choices) == 2:
        form.part_id.data = form.part_id.choices[1].value
    return render("claims/_part_choice.html", form=form, q=q)


def on_claim(claim, key: str, *, section: str | None = None, success=None,
             **context) -> dict:
    """form_action's answers for a form on the claim page (its ``key`` in ``_page``, with more
    of the page's ``context`` as callables of the form). A form in a ``section`` that changes in
    place answers an htmx request with that section, saying ``success`` once done."""
    answers = {"done": url_for("claims.detail", claim_id=claim.id),
               "again": lambda form: _page(claim, **{key: form},
                                           **{k: v(form) for k, v in context.items()})}
    if success is not None:
        answers["success"] = success
    if section is not None:
        answers["in_place"] = lambda form: _section(claim, section, key, form, success)
    return answers


def line_errors(form) -> dict[int, str]:
    """A refusal about one claim line, moved from the top of the form to the line: {id: text}."""
    return {int(field[5:]): text for field, text in errors_by_line(form, "line-").items()}


@bp.route("/<id:claim_id>/edit", methods=["POST"])
@filers
def edit(claim_id):
    claim = get_claim(claim_id, current_user)
    form = header_form(claim, formdata=request.form)
    return form_action(form, lambda: services.update_claim(
        claim, header_values(form), actor=current_user, today=shanghai_today(),
        version=form.seen_version), success=_("Saved."), **on_claim(claim, "header"))


@bp.route("/<id:claim_id>/lines/<any(part,labour,travel,other):kind>", methods=["POST"])
@filers
def add_line(claim_id, kind):
    claim = get_claim(claim_id, current_user)
    kind = LineKind(kind)
    form = _line_form(claim, kind, formdata=request.form)
    values = dict(form.data)
    return form_action(form, lambda: services.add_line(
        claim, kind, values, actor=current_user, version=form.seen_version),
        **on_claim(claim, kind.value, section="lines", success=LINE_ADDED[kind]))


@bp.route("/<id:claim_id>/lines/<id:line_id>/paid", methods=["POST"])
@filers
def paid_service(claim_id, line_id):
    """Turn a line outside the buyer's rights into paid service, or back into a warranty line;
    labour above the standard hours needs the customer's agreement ticked."""
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    paid = request.form.get("paid") == "1"
    agreed = request.form.get("customer_agreed") == "1"
    return form_action(form, lambda: services.set_paid_service(
        claim, line_id, paid, actor=current_user, version=form.seen_version,
        customer_agreed=agreed), **on_claim(
            claim, "line_action", section="lines",
            success=_("Paid service: billed to the customer.") if paid
            else _("Back to warranty.")))


@bp.route("/<id:claim_id>/photos", methods=["POST"])
@filers
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

    return form_action(form, action, **on_claim(
        claim, "photos", section="photos", success=_("%(n)d photo(s) attached.", n=len(files))))


@bp.route("/<id:claim_id>/signature", methods=["POST"])
@filers
def sign(claim_id):
    """Keep the customer's signature: drawn on the screen, or a scan of the signed paper."""
    claim = get_claim(claim_id, current_user)
    form = SignatureForm()

    def action():
        services.check_editable(claim, current_user)  # before any file is written
        kept, drawn = receive_signature(form, folder=f"claims/{claim.id}")
        services.attach(claim, AttachmentKind.SIGNATURE, kept, actor=current_user,
                        drawn=drawn, size=kept.size)

    return form_action(form, action, **on_claim(
        claim, "signature", section="signature",
        success=_("The customer's signature is attached.")))


@bp.route("/<id:claim_id>/files/<id:attachment_id>/remove", methods=["POST"])
@filers
def remove_file(claim_id, attachment_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    return form_action(form, lambda: services.detach(claim, attachment_id, actor=current_user),
                       then=_remove_file, **on_claim(claim, "photo_action", section="photos",
                                                     success=_("Photo removed.")))


def _remove_file(attachment) -> None:
    """Once the record is gone, its file goes too, unless another record still names it."""
    if attachment.path and not _shared_path(attachment.path):
        (uploads_root() / attachment.path).unlink(missing_ok=True)


def _shared_path(path: str) -> bool:
    from portal.claims.models import ClaimAttachment

    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(ClaimAttachment)
                                  .where(ClaimAttachment.path == path)))


@bp.route("/<id:claim_id>/files/<id:attachment_id>")
@signed_in
def file(claim_id, attachment_id):
    """A photo or signature, only to those who may see the claim."""
    claim = get_claim(claim_id, current_user)
    attachment = next((a for a in claim.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return send_upload(attachment.path, attachment.content_type, attachment.name, max_age=0)


# ---------------------------------------------------------------- review


@bp.route("/<id:claim_id>/review", methods=["POST"])
@technical_only
def start_review(claim_id):
    claim = get_claim(claim_id, current_user)
    form = OptionalReasonForm()
    return form_action(form, lambda: services.start_review(
        claim, actor=current_user, version=form.seen_version), **on_claim(claim, "decision"))


@bp.route("/<id:claim_id>/bill.pdf")
@signed_in
def service_bill(claim_id):
    """The paid-service bill for the customer: the lines the customer pays, from the tables."""
    from portal.claims.bill import has_bill, service_bill_pdf

    claim = get_claim(claim_id, current_user)
    if not has_bill(claim):
        abort(404)

    return download(service_bill_pdf(claim), f"{claim.number}-bill.pdf", attachment=False)
