"""The discount standard (折扣标准) page of the catalogue: every category's rows for everyone
signed in, add / edit / delete for the administrator (``portal/catalog/discounts.py``)."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.roles import signed_in
from portal.catalog import discounts
from portal.catalog.forms import DiscountRateForm
from portal.catalog.models import DiscountRate, ModelCategory
from portal.catalog.views import admin_only, bp
from portal.core.actions import form_action
from portal.core.forms import deleted
from portal.core.htmx import render
from portal.extensions import db


def _row(category: str, from_month: int) -> DiscountRate:
    member = ModelCategory.parse(category)
    row = db.session.get(DiscountRate, (member, from_month)) if member else None
    if row is None:
        abort(404)
    return row


@bp.route("/discounts")
@signed_in
def discount_rates():
    """Show each category's discount standard: from N whole months in use, the rate."""
    return render("catalog/discounts.html", standards=discounts.standards(),
                  history=discounts.history())


@bp.route("/discounts/new", methods=["GET", "POST"], defaults={"category": None,
                                                               "from_month": None})
@bp.route("/discounts/<category>/<id:from_month>/edit", methods=["GET", "POST"])
@admin_only
def edit_discount_rate(category, from_month):
    """Add a row to a category's standard, or change one."""
    row = _row(category, from_month) if category else None
    form = DiscountRateForm(obj=row)
    if request.method == "GET":
        form.category.data = (row.category.value if row else
                              request.args.get("for", ModelCategory.TRACTOR_LARGE.value))
    return form_action(form, lambda: discounts.save_discount_rate(
        row, form.category.data, form.from_month.data, form.rate.data, actor=current_user),
        success=lambda saved: _("Discount standard of %(category)s saved.",
                                category=saved.category.title),
        done=url_for("catalog.discount_rates"),
        again=lambda form: render("catalog/discount_form.html", form=form, row=row))


@bp.route("/discounts/<category>/<id:from_month>/delete", methods=["POST"])
@admin_only
def delete_discount_rate(category, from_month):
    """Take a row off the standard (htmx removes it in place)."""
    discounts.delete_discount_rate(_row(category, from_month), actor=current_user)
    db.session.commit()
    return deleted(_("Row deleted."), url_for("catalog.discount_rates"))
