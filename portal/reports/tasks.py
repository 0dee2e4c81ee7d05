"""The weekly report on the queue: last week's, every Monday morning (``jobs.SCHEDULE``), made
once however many consumers there are."""

from portal.core import jobs
from portal.extensions import db
from portal.reports import weekly


def _week(now) -> str:
    return weekly.last_week(now).isoformat()


@jobs.periodic(period=_week)
def weekly_report(now) -> None:
    """Generate (or generate again) last week's report, as ``flask reports weekly`` does."""
    weekly.generate(weekly.last_week(now), now=now)
    db.session.commit()
