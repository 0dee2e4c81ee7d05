"""The write-off notice as a PDF, rendered once at issue and stored with the notice."""

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from portal.core.db import commit_apart
from portal.core.pdf import render_pdf
from portal.extensions import db
from portal.finance.immutability import NoticeLocked
from portal.finance.models import NoticeDocument, WriteOffNotice


def notice_html(notice: WriteOffNotice) -> str:
    """The notice as the HTML document its PDF is made from, always in the portal's default
    language: it is the dealer's copy, whatever language the person issuing it reads."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_template("finance/notice_pdf.html", notice=notice)


def render_notice_pdf(notice: WriteOffNotice) -> bytes:
    return render_pdf(notice_html(notice))


def store_pdf(notice_id: int, pdf: bytes) -> None:
    """Keep a PDF rendered after its notice was committed (a notice run's); the caller commits.
    A notice keeps the first PDF stored for it."""
    exists = db.session.scalar(sa.select(NoticeDocument.notice_id)
                               .where(NoticeDocument.notice_id == notice_id))
    if exists is None:
        db.session.add(NoticeDocument(notice_id=notice_id, pdf=pdf))


def notice_pdf(notice: WriteOffNotice) -> bytes:
    """The stored PDF. A notice whose run stopped before its PDF was stored (the worker died in
    that second) gets it rendered now, from the notice as committed, and kept; if the dealer has
    confirmed it meanwhile, nothing of it may change, so the PDF is served without being kept."""
    if notice.document is not None:
        return notice.document.pdf
    pdf = render_notice_pdf(notice)
    notice_id = notice.id
    try:  # a GET that writes: in a writer's transaction of its own (see commit_apart)
        commit_apart(db.session(), lambda: store_pdf(notice_id, pdf))
    except sa.exc.IntegrityError:  # another request stored it first: that one is kept
        db.session.rollback()
    except NoticeLocked:
        db.session.rollback()
        return pdf
    db.session.refresh(notice)
    return notice.document.pdf
