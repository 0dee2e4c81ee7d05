"""The entitlements the calendar raises, on the queue: every morning (``jobs.SCHEDULE``), once
per day however many consumers there are (2010 规定 第二十八条: a repair still open after 30
working days entitles the buyer to an exchange on the day that passes)."""

from flask import current_app
from flask_babel import force_locale

from portal.claims.entitlements import raise_overdue_repairs
from portal.core import jobs
from portal.core.db import SHANGHAI
from portal.extensions import db


@jobs.periodic(period=lambda now: now.date().isoformat())
def raise_entitlements(now) -> None:
    """Raise today's exchange entitlements of open repairs, as ``flask entitlements raise``
    does, their reasons in the portal's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        raise_overdue_repairs(now.astimezone(SHANGHAI).date())
    db.session.commit()
