"""Entitlement flags: the list the clerk works through, and closing a flag with a note."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.claims.models import FlagKind, UnitFlag
from portal.claims.search import searched_claims
from portal.core.actions import back_with_errors, form_action
from portal.core.db import shanghai_today, utcnow
from portal.core.htmx import render
from portal.core.pagination import list_page
from portal.core.permissions import requires
from portal.service import access, entitlements
from portal.service.followup_forms import NoteForm
from portal.service.followup_scope import get_flag, visible_flags
from portal.service.followup_views import bp
from portal.service.queues import FLAGS
from portal.units.models import Unit


@bp.route("/flags")
@requires(access.can_list_flags)
def flags():
    """List open entitlement flags, oldest first, or the resolved ones, newest first; found as
    the repair record that raised them is (its number, its unit's serial, its dealer)."""
    kind = FlagKind.parse(request.args.get("kind"))
    resolved = request.args.get("state") == "resolved"
    stmt = (visible_flags(current_user).where(UnitFlag.resolved_at.is_not(None)) if resolved
            else FLAGS.select(current_user, utcnow()))
    stmt = stmt.options(
        selectinload(UnitFlag.unit).selectinload(Unit.dealer), selectinload(UnitFlag.part),
        selectinload(UnitFlag.claim), selectinload(UnitFlag.resolved_by),
        selectinload(UnitFlag.fault_code))
    if kind:
        stmt = stmt.where(UnitFlag.kind == kind)
    q = request.args.get("q", "").strip()
    stmt = searched_claims(stmt, q, UnitFlag.claim_id)
    page = list_page(stmt, None if resolved else FLAGS, UnitFlag.resolved_at, UnitFlag.id)
    return render("followup/flags.html", "followup/_flag_rows.html", page=page, kind=kind,
                  kinds=FlagKind, resolved=resolved, q=q, form=NoteForm(formdata=None),
                  can_resolve=access.can_resolve_flags(current_user))


@bp.route("/flags/<id:flag_id>/resolve", methods=["POST"])
@requires(access.can_resolve_flags)
def resolve_flag(flag_id):
    """Close a flag with what was done about the entitlement."""
    flag = get_flag(flag_id, current_user)
    return _close(flag, lambda form: entitlements.resolve_flag(
        flag, form.note.data or "", actor=current_user, now=utcnow()),
        _("Entitlement closed: %(serial)s.", serial=flag.unit.serial))


@bp.route("/flags/<id:flag_id>/refund", methods=["POST"])
@requires(access.can_resolve_flags)
def refund_flag(flag_id):
    """Say no machine of the same model exists for an exchange: the buyer may have a refund."""
    flag = get_flag(flag_id, current_user)
    return _close(flag, lambda form: entitlements.refund_for_no_same_model(
        flag, form.note.data or "", actor=current_user, today=shanghai_today(), now=utcnow()),
        _("No machine for the exchange: %(serial)s is entitled to a refund.",
          serial=flag.unit.serial))


def _close(flag, action, success: str):
    """Close a flag from its row in the list or from the unit page, with the note given."""
    form = NoteForm()
    back = (url_for("units.detail", unit_id=flag.unit_id) if request.form.get("back") == "unit"
            else url_for("followup.flags"))
    return form_action(
        form, lambda: action(form), success=success, done=back, again=back_with_errors(back),
        # the row in the list, resolved or with the message under the note
        in_place=lambda form: render("followup/_flag_row.html", flag=flag, form=form,
                                     can_resolve=True))
