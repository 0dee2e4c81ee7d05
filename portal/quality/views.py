"""Early-warning alerts: the list, one alert with its evidence and units at risk, the check."""


import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.accounts.roles import signed_in
from portal.catalog.models import Part
from portal.claims.models import Claim
from portal.claims.scope import visible_claims
from portal.core import audit
from portal.core.actions import form_action
from portal.core.converters import record_id
from portal.core.db import SHANGHAI, utcnow
from portal.core.downloads import download
from portal.core.htmx import render
from portal.core.pagination import keyset_page
from portal.core.permissions import requires
from portal.extensions import db
from portal.quality import charts, warning
from portal.quality.access import can_act_on_alerts, can_read_alerts
from portal.quality.excel import risk_sheet
from portal.quality.forms import AlertNoteForm
from portal.quality.models import AlertRun, AlertStatus, BatchAlert
from portal.units.models import Unit
from portal.units.scope import visible_units

bp = Blueprint("quality", __name__, url_prefix="/quality")



# What the alert's page shows beside the alert, read with it in one statement.
PAGE_LOADS = (joinedload(BatchAlert.part), joinedload(BatchAlert.run),
              joinedload(BatchAlert.checked_run))


def get_alert(alert_id: int, loads=()) -> BatchAlert:
    """The alert for a head-office user (with ``loads``); 404 for dealers and unknown ids."""
    _head_office_only()
    alert = db.session.get(BatchAlert, alert_id, options=loads)
    if alert is None:
        abort(404)
    return alert


def _head_office_only() -> None:
    # Every signed-in user's pages: dealers are let through only to be told there is nothing
    # here (404, as for foreign records).
    if not can_read_alerts(current_user):
        abort(404)


@bp.route("/alerts")
@signed_in
def alerts():
    """List alerts: open first, then acknowledged, then closed, newest first in each."""
    _head_office_only()
    status = AlertStatus.parse(request.args.get("status"))
    shown = [status] if status else list(AlertStatus)
    size = current_app.config["PAGE_SIZE"]
    pages = [(s, keyset_page(_alerts_stmt(s), BatchAlert.raised_at, BatchAlert.id,
                             request.args.get("after") if status else None, size,
                             descending=True, rows=True)) for s in shown]
    last_run = db.session.scalar(sa.select(AlertRun).order_by(AlertRun.id.desc()).limit(1))
    return render("quality/alerts.html", "quality/_alert_rows.html", pages=pages,
                  chosen=status, statuses=AlertStatus,  # ``status`` is render()'s own
                  last_run=last_run)


def _alerts_stmt(status):
    """The alerts in ``status`` as the rows the list shows (plain columns, not alerts)."""
    return (sa.select(BatchAlert.id, Part.part_number, Part.name.label("part_name"),
                      BatchAlert.batch, BatchAlert.failures, BatchAlert.expected,
                      BatchAlert.units, BatchAlert.p_value, BatchAlert.raised_at)
            .join(Part, Part.id == BatchAlert.part_id).where(BatchAlert.status == status))


@bp.route("/alerts/<id:alert_id>")
@signed_in
def alert(alert_id):
    """Show one alert: its figures in words, the chart, the units at risk, the claims."""
    alert = get_alert(alert_id, PAGE_LOADS)
    return _detail(alert, AlertNoteForm(formdata=None))


def _detail(alert, form, status=200):
    others = warning.last_checked(alert.part_id)
    checked = others is not None
    if not checked:  # the part was not counted at the last check: count it now
        others = warning.batch_figures(utcnow().astimezone(SHANGHAI).date(), [alert.part_id])
    claims = db.session.execute(warning.claims_behind(alert, visible_claims(current_user))
                                .with_only_columns(*CLAIM_COLUMNS)).all()
    return render("quality/alert.html", status=status, alert=alert, form=form,
                  risk=_risk_page(alert, None), chart=charts.batch_ratios(alert, others),
                  ages=charts.ages(alert), checked=checked, claims=claims,
                  history=audit.history(alert))


# What the alert's list of failures shows of each claim (rows, not whole claims and units).
CLAIM_COLUMNS = (Claim.id, Claim.number, Claim.failure_date, Claim.status, Claim.cause,
                 Unit.serial)
DEALERS_SHOWN = 20  # dealers of the units at risk on the alert's page; the rest on asking


def _risk_page(alert, after: str | None):
    return warning.risk_counts(alert, visible_units(current_user), after=after,
                               size=DEALERS_SHOWN)


@bp.route("/alerts/<id:alert_id>/dealers")
@signed_in
def alert_dealers(alert_id):
    """The next dealers of the units at risk (``after``), which the alert's page shows more of."""
    alert = get_alert(alert_id)
    return render("quality/alert_dealers.html", "quality/_risk_rows.html", alert=alert,
                  risk=_risk_page(alert, request.args.get("after")))


@bp.route("/alerts/<id:alert_id>/units")
@signed_in
def alert_units(alert_id):
    """One dealer's units at risk (``dealer``), which the alert's page opens in place."""
    alert = get_alert(alert_id)
    units = visible_units(current_user).where(Unit.dealer_id == request.args.get("dealer",
                                                                               type=record_id))
    return render("quality/alert_units.html", "quality/_risk_units.html", alert=alert,
                  risk=warning.units_at_risk(alert, units))


@bp.route("/alerts/<id:alert_id>/units.xlsx")
@signed_in
def units_sheet(alert_id):
    """Download the units at risk (the user's dealers only) as a spreadsheet."""
    alert = get_alert(alert_id)
    data = risk_sheet(alert, warning.units_at_risk(alert, visible_units(current_user)))
    return download(data, f"units-at-risk-{alert.part.part_number}-{alert.batch}.xlsx")


@bp.route("/alerts/<id:alert_id>/acknowledge", methods=["POST"])
@requires(can_act_on_alerts)
def acknowledge(alert_id):
    """Take the alert on, with a note of what is being done."""
    return _move(get_alert(alert_id), warning.acknowledge, _("Alert acknowledged."))


@bp.route("/alerts/<id:alert_id>/close", methods=["POST"])
@requires(can_act_on_alerts)
def close(alert_id):
    """Close the alert, with a note of how it was dealt with."""
    return _move(get_alert(alert_id), warning.close, _("Alert closed."))


def _move(alert, transition, message):
    form = AlertNoteForm()
    return form_action(form, lambda: transition(
        alert, form.note.data or "", actor=current_user, now=utcnow()),
        success=message, done=url_for("quality.alert", alert_id=alert.id),
        again=lambda form: _detail(alert, form))


@bp.route("/check", methods=["POST"])
@requires(can_act_on_alerts)
def check():
    """Run the early-warning check now and say what it found."""
    run = warning.check(actor=current_user)
    db.session.commit()
    flash(_("Check done: %(pairs)d part and batch pairs tested, %(raised)d alerts raised, "
            "%(updated)d open alerts updated, %(closed)d closed as no longer standing out.",
            pairs=run.pairs_checked, raised=run.alerts_raised, updated=run.alerts_updated,
            closed=run.alerts_closed), "success")
    return redirect(url_for("quality.alerts"), 303)
