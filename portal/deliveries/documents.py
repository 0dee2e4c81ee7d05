"""The delivery note as a PDF, always in the portal's default language (it is the dealer's
paper copy, whoever prints it)."""

from flask import current_app, render_template
from flask_babel import force_locale

from portal.core.db import shanghai_today
from portal.core.pdf import render_pdf
from portal.deliveries import services
from portal.deliveries.models import DeliveryNote
from portal.returns.documents import qr_data_uri


def note_html(note: DeliveryNote) -> str:
    return render_template("deliveries/note_pdf.html", note=note, line_amount=services.amount,
                           total=services.total(note), printed_on=shanghai_today(),
                           qr=qr_data_uri(note.number))  # read by portal.units.search


def note_pdf(note: DeliveryNote) -> bytes:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_pdf(note_html(note))
