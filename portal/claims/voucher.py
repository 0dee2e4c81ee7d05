"""The buyer's 三包凭证 (warranty certificate) as a PDF, built from the unit's filed card.

《农业机械产品修理、更换、退货责任规定》(2010) 第二十四条: the periods run from the invoice date
(whole machine, main parts named with theirs, wear and other parts); 第四条: the seller answers to
the buyer. The certificate names the buyer as the card does today (after a resale, the new
owner), the machine, the three clocks with their end dates as ``clocks_for`` computes them (so
the days in warranty repair are counted as on the unit page), the main parts and the parts with a
period of their own, the repairer (the dealer), the maker's service line and the rules in plain
words. It sits beside the claims because the clocks count the unit's warranty repairs; it is
rebuilt on every print, so a reprint shows the card as it stands.
"""

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from portal.catalog.models import Part, PartKind, PolicySettings, ProductModel
from portal.claims.repairs import clocks_for
from portal.core.db import shanghai_today
from portal.core.pdf import render_pdf
from portal.extensions import db
from portal.units.coverage import Clock, Period
from portal.units.coverage_text import CLOCKS


def own_periods(model: ProductModel) -> list[Part]:
    """The active parts fitting ``model`` that carry a period of their own, main parts first."""
    parts = db.session.scalars(sa.select(Part).where(
        Part.models.any(ProductModel.id == model.id), Part.is_active,
        Part.warranty_months.is_not(None))).all()
    order = list(PartKind)
    return sorted(parts, key=lambda p: (order.index(p.kind), p.part_number))


def voucher_html(unit) -> str:
    """The certificate of ``unit`` (whose card is filed) as an HTML document for A4."""
    clocks: list[tuple[Clock, int, Period]] = clocks_for(unit)
    card = unit.card
    return render_template(
        "units/voucher_pdf.html", unit=unit, card=card, model=unit.model, dealer=card.dealer,
        clocks=clocks, clock_names=CLOCKS, own=own_periods(unit.model),
        policy=PolicySettings.current(),
        resale=card.owners[-1] if card.owners else None, printed_on=shanghai_today())


def voucher_pdf(unit) -> bytes:
    """The certificate as PDF, in the portal's default language: it is the buyer's paper."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_pdf(voucher_html(unit))
