"""The early-warning check on the queue: every night (``jobs.SCHEDULE``), once per night
however many consumers there are."""

from portal.core import jobs
from portal.extensions import db
from portal.quality import warning


@jobs.periodic(period=lambda now: now.date().isoformat())
def check_alerts(now) -> None:
    """Test every key part and batch, as ``flask alerts check`` does."""
    warning.check(now=now)
    db.session.commit()
