"""Housekeeping of the sign-in throttle, on the queue: every hour (``jobs.SCHEDULE``) the
failed sign-ins and bearer tokens no wait counts any more are deleted
(``throttle.forget_old_failures``)."""

from flask import current_app

from portal.accounts import throttle
from portal.core import jobs
from portal.extensions import db


@jobs.periodic()
def forget_sign_in_failures(now) -> None:
    """Delete the failures older than the throttle's windows; several consumers at once
    delete the same rows, which is harmless."""
    gone = throttle.forget_old_failures(now)
    db.session.commit()
    current_app.logger.info("job forget_sign_in_failures: %d old failures deleted", gone)
