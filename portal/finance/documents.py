"""The write-off notice as a PDF, rendered once at issue and stored with the notice."""

from flask import current_app, render_template
from flask_babel import force_locale

from portal.core.pdf import render_pdf
from portal.finance.models import WriteOffNotice


def render_notice_pdf(notice: WriteOffNotice) -> bytes:
    """The notice's PDF, always in the portal's default language: it is the dealer's copy,
    whatever language the person issuing it reads the portal in."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_pdf(render_template("finance/notice_pdf.html", notice=notice))
