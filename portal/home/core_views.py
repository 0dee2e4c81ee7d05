"""Language switch, the audit-trail browser and a health check (blueprint ``core``: the
endpoints are app-wide, the views name domains, so they live above them)."""

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, request, session, url_for

from portal.accounts.access import can_browse_audit_trail
from portal.accounts.models import User
from portal.accounts.views import is_safe_next
from portal.core.audit import AuditEntry
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import public, requires
from portal.extensions import db
from portal.home.labels import ENTITIES

bp = Blueprint("core", __name__)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language and go back where the user was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("home.index"), 303)


@bp.route("/audit")
@requires(can_browse_audit_trail)
def audit_log():
    """Browse the audit trail, newest first, filtered by record type, action or user."""
    stmt = sa.select(AuditEntry)
    entity = request.args.get("entity", "").strip()
    actor = request.args.get("actor", "").strip()
    if entity:
        stmt = stmt.where(AuditEntry.entity_type == entity)
    if actor:
        # the login is stored; the page shows the display name, so either finds the person
        stmt = stmt.where(sa.or_(AuditEntry.actor_name == actor, AuditEntry.actor_id.in_(
            sa.select(User.id).where(User.display_name == actor))))
    page = request_page(stmt, AuditEntry.id, AuditEntry.id, descending=True,
                        size=current_app.config["PAGE_SIZE"] * 2)
    entities = sorted(ENTITIES)
    return render("core/audit.html", "core/_audit_rows.html", page=page, entity=entity,
                  actor=actor, entities=entities)


@bp.route("/favicon.ico")
@public
def favicon():
    """Where browsers look for an icon when a page names none (a PDF, a JSON answer): the
    portal's one icon, static/favicon.svg."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/healthz")
@public
def healthz():
    """Answer 200 when the database answers a query, 503 when it does not (for load balancers)."""
    headers = {"Cache-Control": "no-store"}
    try:
        db.session.execute(sa.text("SELECT 1")).scalar_one()
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", error)
        return {"status": "unavailable", "database": "unreachable"}, 503, headers
    return {"status": "ok", "database": "ok"}, 200, headers
