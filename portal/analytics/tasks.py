"""The analytics snapshots' refresh on the queue: every quarter of an hour (``jobs.SCHEDULE``),
once per quarter however many consumers there are."""

from portal.analytics.snapshots import refresh_all
from portal.core import jobs
from portal.core.db import SHANGHAI
from portal.extensions import db


def _quarter(now) -> str:
    return now.replace(minute=now.minute - now.minute % 15).strftime("%Y-%m-%dT%H:%M")


@jobs.periodic(period=_quarter)
def refresh_snapshots(now) -> None:
    """Recompute every snapshot, as ``flask analytics refresh`` does."""
    refresh_all(now.astimezone(SHANGHAI).date(), now)
    db.session.commit()
