"""Fault codes with standard hours, labour rates per dealer grade, travel-fee bands."""

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.roles import signed_in
from portal.catalog import services
from portal.catalog.forms import FaultCodeForm, LabourRateForm, TravelBandForm
from portal.catalog.models import (
    FaultCode,
    FaultSeverity,
    LabourRate,
    ModelCategory,
    TravelBand,
)
from portal.catalog.views import admin_only, bp, editing
from portal.core.actions import form_action
from portal.core.forms import deleted
from portal.core.htmx import render
from portal.dealers.models import DealerGrade
from portal.extensions import db


@bp.route("/fault-codes")
@signed_in
def fault_codes():
    """List fault codes with their standard hours per model category."""
    rows = db.session.scalars(
        sa.select(FaultCode).options(selectinload(FaultCode.hours)).order_by(FaultCode.code)
    ).all()
    return render("catalog/fault_codes.html", fault_codes=rows, categories=ModelCategory)


@bp.route("/fault-codes/new", methods=["GET", "POST"], defaults={"fault_id": None})
@bp.route("/fault-codes/<id:fault_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_fault_code(fault_id):
    """Create or edit a fault code and its standard hours."""
    fault, form = editing(FaultCode, fault_id, FaultCodeForm)

    def action():
        values = {"code": form.code.data, "description": form.description.data.strip(),
                  "severity": FaultSeverity(form.severity.data),
                  "is_active": form.is_active.data, "watched": form.watched.data}
        hours = {c: getattr(form, f"hours_{c.value}").data for c in ModelCategory}
        return services.save_fault_code(fault, values, hours, actor=current_user)

    return form_action(
        form, action, success=lambda saved: _("Fault code %(code)s saved.", code=saved.code),
        done=url_for("catalog.fault_codes"),
        again=lambda form: render("catalog/fault_code_form.html", form=form, fault=fault,
                                  categories=ModelCategory))


@bp.route("/labour-rates")
@signed_in
def labour_rates():
    """Show the hourly labour rate per dealer grade."""
    rates = {r.grade: r for r in db.session.scalars(sa.select(LabourRate))}
    return render("catalog/labour_rates.html", grades=DealerGrade, rates=rates)


@bp.route("/labour-rates/edit", methods=["GET", "POST"])
@admin_only
def edit_labour_rates():
    """Change the hourly labour rate of each dealer grade."""
    form = LabourRateForm()
    if request.method == "GET":
        for rate in db.session.scalars(sa.select(LabourRate)):
            getattr(form, f"rate_{rate.grade.value}").data = rate.hourly_rate
    return form_action(form, lambda: services.save_labour_rates(
        {g: getattr(form, f"rate_{g.value}").data for g in DealerGrade}, actor=current_user),
        success=_("Labour rates saved."), done=url_for("catalog.labour_rates"),
        again=lambda form: render("catalog/labour_rates_form.html", form=form,
                                  grades=DealerGrade))


@bp.route("/travel-bands")
@signed_in
def travel_bands():
    """List the travel-fee bands by distance."""
    rows = db.session.scalars(sa.select(TravelBand).order_by(TravelBand.min_km)).all()
    return render("catalog/travel_bands.html", bands=rows)


@bp.route("/travel-bands/new", methods=["GET", "POST"], defaults={"band_id": None})
@bp.route("/travel-bands/<id:band_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_travel_band(band_id):
    """Create or edit a travel-fee band."""
    band, form = editing(TravelBand, band_id, TravelBandForm)
    return form_action(form, lambda: services.save_travel_band(
        band, {"min_km": form.min_km.data, "max_km": form.max_km.data, "fee": form.fee.data},
        actor=current_user), success=_("Travel band saved."),
        done=url_for("catalog.travel_bands"),
        again=lambda form: render("catalog/travel_band_form.html", form=form, band=band))


@bp.route("/travel-bands/<id:band_id>/delete", methods=["POST"])
@admin_only
def delete_travel_band(band_id):
    """Remove a travel-fee band (htmx removes its row in place)."""
    band = db.get_or_404(TravelBand, band_id)
    services.delete_travel_band(band, actor=current_user)
    db.session.commit()
    return deleted(_("Travel band deleted."), url_for("catalog.travel_bands"))
