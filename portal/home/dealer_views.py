"""A dealer's page and its suspension, on the ``dealers`` blueprint (endpoints ``dealers.detail``
and ``dealers.change_status``): the page shows the grade's labour rate (catalog) and the
old-part compliance (returns), so it sits above those domains."""

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import can_read_history
from portal.accounts.roles import signed_in
from portal.analytics import snapshots
from portal.catalog.models import LabourRate
from portal.core import audit
from portal.core.actions import form_action
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.dealers import services
from portal.dealers.forms import StatusForm
from portal.dealers.models import DealerStatus
from portal.dealers.scope import get_dealer
from portal.dealers.views import admin_only, bp
from portal.extensions import db


@bp.route("/<id:dealer_id>")
@signed_in
def detail(dealer_id):
    """Show one dealer: details, rep, users, labour rate, old-part returns (as the rep's home
    page counts them: from the snapshot, as of when) and history."""
    dealer = get_dealer(dealer_id, current_user)
    rate = db.session.get(LabourRate, dealer.grade)
    show_history = can_read_history(current_user)
    returns, as_of = (snapshots.stored_compliance([dealer.id], utcnow()) if show_history
                      else ({}, None))
    return render("dealers/detail.html", dealer=dealer, rate=rate,
                  history=audit.history(dealer) if show_history else [],
                  status_form=StatusForm(), compliance=returns.get(dealer.id),
                  compliance_as_of=as_of, show_compliance=show_history)


@bp.route("/<id:dealer_id>/status", methods=["POST"])
@admin_only
def change_status(dealer_id):
    """Suspend or reactivate a dealer, with a reason."""
    dealer = get_dealer(dealer_id, current_user)
    form = StatusForm()
    target = (DealerStatus.ACTIVE if dealer.status == DealerStatus.SUSPENDED
              else DealerStatus.SUSPENDED)
    return form_action(form, lambda: services.change_status(
        dealer, target, reason=form.reason.data, actor=current_user),
        success=_("Dealer %(code)s is now %(state)s.", code=dealer.code, state=target.title),
        done=url_for("dealers.detail", dealer_id=dealer.id),
        again=lambda form: render("dealers/detail.html", dealer=dealer,
                                  rate=db.session.get(LabourRate, dealer.grade),
                                  history=audit.history(dealer), status_form=form))
