"""The finance jobs on the queue: executing a notice run, and resuming the runs whose consumer
stopped (a deploy, a crash, ``kill -9``) wherever it ran.

A run is safe to resume: each dealer is its own transaction, and a dealer whose notice was
committed has no eligible claims left, so a resumed run issues each dealer's notice once.
"""

from flask import current_app

from portal.core import jobs
from portal.finance import runs


@jobs.task()
def notice_run(run_id: int) -> None:
    """Execute the run (``runs.execute_run``); a failure is recorded on the run itself."""
    try:
        runs.execute_run(run_id)
    except Exception:
        current_app.logger.exception("notice run %s failed", run_id)


@jobs.periodic()
def resume_notice_runs(now) -> list[int]:
    """Queue again the runs whose heartbeat stopped; the ids taken over."""
    taken = runs.take_interrupted(now)
    for run_id in taken:
        notice_run(run_id)
    return taken


@jobs.huey.on_startup()
def _resume_at_start() -> None:
    """A consumer that starts looks at once (it may be the one replacing a dead one)."""
    resume_notice_runs()
