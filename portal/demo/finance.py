"""Demo finance, played in the same time order as the repair and return stories.

Every week each sales rep forwards the decided claims of its dealers that are ready for finance
(all their old parts judged or excused), and now and then sends one back to the technical
department with a reason; it is decided again a few days later. Finance audits a forwarded
claim within days: most as the technical department decided, some with one line cut (with the
reason), a line whose old part came back after its return date at 0, a few rejected. The
reps' weekdays are set from today: rep_li went round on the last working day, so finance has
not audited those claims yet; rep_wang's is due today (at a weekend, on Monday), so his
dealers' claims that came ready during the week wait for him.

Once it has closed the month's books, on the fifth to eighth working day of the next month,
finance generates the previous month's write-off notices for all dealers, as a run. Most old
parts come back before the two return dates, so most claims reach finance in the weeks after
them; but the dealers whose parts go back monthly on the maker's delivery truck
(portal/demo/returns.py, MONTHLY) keep claims coming all year. Last month's run has not been
done yet: either today is before its day, or (later in the month) finance's closing of last
month has run late this time. So today finance finds the claims it audited last month and
this month waiting for a notice on the generate page, for whoever tries the demo to run.

Dealers confirm their notices within one or two weeks (the offset goes to their receivable);
now and then one disputes, and finance voids and reissues it. Three small dealers leave their
latest notice waiting until finance chases them with the next one: so today their latest
notices still wait, and one of them, chased at last, has just disputed its own. Each dealer's
receivable ledger (portal/demo/ledger.py) is imported from the ERP every week.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog import services as catalog
from portal.claims.models import Claim
from portal.core.db import CENT, SHANGHAI, money
from portal.dealers.models import Dealer
from portal.demo import finance_data as text
from portal.demo.claims import Demo, Storyline, _decisions, at
from portal.extensions import db
from portal.finance import audit, lifecycle, notices, runs
from portal.finance.models import NoticeRun, NoticeStatus, RunStatus, WriteOffNotice
from portal.returns.models import OwedPart
from portal.workflow import claims as workflow

HISTORY = 700  # days: the first claims, the ERP's first entries in the ledger
RETURN_SHARE = 0.03  # of the ready claims a rep looks at
CUT_SHARE, REJECT_SHARE = 0.12, 0.015  # of the claims finance audits
DISPUTE_SHARE = 0.03  # of the notices
SLOW = {"AH-FY01", "NM-CF01", "XJ-CJ01"}  # let their latest notice wait: it still does today
AUDIT_DAYS = (2, 9)  # from the rep's forwarding to finance's audit
ROUNDS = {"rep_li": 1, "rep_wang": 5}  # working days from the rep's last weekly round to today
CLOSING_DAYS = (5, 8)  # the working days of a month finance may generate last month's notices
CLOSING_WEEK = 7  # days before today from which finance has audited nothing (closing)


@dataclass
class Finance(Storyline):
    demo: Demo
    rng: random.Random
    clerk: User  # finance's accountant
    today: date
    admins: dict  # dealer id → the dealer user who confirms notices
    numbers: itertools.count = field(default_factory=lambda: itertools.count(2_000_000))
    disputed_once: bool = False  # the first run with a few notices has a dispute

    @property
    def on(self) -> date:
        return self.demo.clock.today

    @property
    def closing(self) -> datetime:
        """From when finance audits nothing more: it is closing last month's books."""
        return datetime.combine(self.today - timedelta(days=CLOSING_WEEK), time(0), SHANGHAI)

    def later(self, low: int, high: int) -> datetime:
        return self.day_at(self.on + timedelta(days=self.rng.randint(low, high)))


def finance_stories(demo: Demo, today: date) -> list:
    """The reps' weekly forwarding, the monthly notice runs and the weekly ERP imports."""
    from portal.demo.ledger import ledger_stories

    rng = random.Random(2032)  # the other stories keep their own draws
    catalog.save_policy(dict(text.MAKER), actor=None)
    admins = {}
    for user in db.session.scalars(sa.select(User).where(User.role == Role.DEALER_ADMIN)
                                   .order_by(User.id)):
        admins.setdefault(user.dealer_id, user)
    clerk = db.session.scalar(sa.select(User).where(User.role == Role.FINANCE).order_by(User.id))
    f = Finance(demo, rng, clerk, today, admins)
    start = today - timedelta(days=HISTORY)
    stories = []
    for rep in db.session.scalars(sa.select(User).where(User.role == Role.SALES_REP)
                                  .order_by(User.id)):
        weekday = _working_days_before(today, ROUNDS.get(rep.username, 3)).weekday()
        first = start + timedelta(days=(weekday - start.weekday()) % 7)
        stories.append((at(first, rng), next(f.numbers), _forwarding(f, rep)))
    stories.append((at(_run_day(start, rng), rng), next(f.numbers), _runs(f)))
    last = today - timedelta(days=2)
    while last.weekday() >= 5:
        last -= timedelta(days=1)
    stories.append((at(last, rng), next(f.numbers), _open_dispute(f)))
    return stories + ledger_stories(f, start)


def _working_days_before(day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        n -= day.weekday() < 5
    return day


# ---------------------------------------------------------------- the rep and finance


def _forwarding(f: Finance, rep: User):
    """Every week the rep looks at its dealers' claims ready for finance and forwards them."""
    returned = set()
    dealer_ids = db.session.scalars(sa.select(Dealer.id).where(Dealer.sales_rep_id == rep.id)
                                    .order_by(Dealer.id)).all()
    while True:
        claims = db.session.scalars(sa.select(Claim).where(
            Claim.dealer_id.in_(dealer_ids), Claim.finance_stage.is_(None),
            audit.ready_for_finance()).order_by(Claim.decided_at, Claim.id)).all()
        for claim in claims:
            if claim.id not in returned and f.rng.random() < RETURN_SHARE:
                returned.add(claim.id)
                reason, fate = f.rng.choice(text.RETURN_TO_TECHNICAL)
                audit.return_to_technical(claim, reason, actor=rep)
                f.spawn(f.now, _decide_again(f, claim, fate))
                continue
            audit.forward_claim(claim, actor=rep, today=f.on)
            f.spawn(f.now, _audit(f, claim))
        yield f.day_at(f.on + timedelta(days=7))


def _decide_again(f: Finance, claim: Claim, fate: str):
    """The technical department looks at a returned claim again and decides it anew."""
    yield f.later(2, 6)
    workflow.decide(claim, _decisions(claim, fate, f.rng), actor=f.demo.tech, now=f.now)


def _audit(f: Finance, claim: Claim):
    """Finance audits a forwarded claim within days, but not in the last week: it has been
    closing last month's books. So on any day, the claims forwarded lately wait for it."""
    when = f.later(*AUDIT_DAYS)
    if when >= f.closing:
        return
    yield when
    draw = f.rng.random()
    lines = audit.audited_lines(claim, f.on)
    amounts = {a.line.id: {"amount": a.suggested,
                           "note": text.BLOCKED.format(due=_due(a)) if a.blocked else ""}
               for a in lines}
    if draw < CUT_SHARE:
        _cut(f, lines, amounts)
    if draw < REJECT_SHARE or not any(a["amount"] for a in amounts.values()):
        reason = f.rng.choice(text.REJECTIONS) if draw < REJECT_SHARE else next(
            a["note"] for a in amounts.values() if a["note"])
        audit.audit_claim(claim, {}, actor=f.clerk, approve=False, reason=reason, now=f.now)
    else:
        audit.audit_claim(claim, amounts, actor=f.clerk, approve=True, now=f.now)


def _due(audited) -> str:
    """The return date the line's old part missed."""
    return db.session.scalar(sa.select(OwedPart.due_on).where(
        OwedPart.claim_line_id == audited.line.id)).isoformat()


def _cut(f: Finance, lines, amounts: dict) -> None:
    """Cut one line the audit can pay, with the reason."""
    for kind, share, reason in f.rng.sample(text.CUTS, len(text.CUTS)):
        for a in lines:
            if a.line.kind.value == kind and not a.blocked and a.suggested > 0:
                amount = (a.suggested * share).quantize(CENT)
                amounts[a.line.id] = {"amount": money(amount), "note": reason}
                return


# ---------------------------------------------------------------- the notices


def _run_day(day: date, rng: random.Random) -> date:
    """A day after the closing of ``day``'s month: its fifth to eighth working day after."""
    first = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    workdays = (first + timedelta(days=n) for n in range(14))
    return [d for d in workdays if d.weekday() < 5][rng.randint(*CLOSING_DAYS) - 1]


def _runs(f: Finance):
    """Every month finance generates the previous month's notices for all dealers; last
    month's run is not done yet."""
    while True:
        period_end = f.on.replace(day=1) - timedelta(days=1)
        if runs.dealers_to_notify(period_end):  # else there is nothing to run for
            made = _run(f, period_end.replace(day=1), period_end)
            fates = _fates(f, made)
            for notice in made:
                f.spawn(f.now, _dealer_reads(f, notice, fates.get(notice.id, "confirm")))
        day = _run_day(f.on, f.rng)
        if (day.year, day.month) == (f.today.year, f.today.month):
            return
        yield at(day, f.rng)


def _run(f: Finance, start: date, end: date) -> list[WriteOffNotice]:
    """One generation run, as the background job makes it: the dealers with eligible claims,
    one by one (here in the story's single transaction)."""
    run = runs.start_run(start, end, actor=f.clerk)
    db.session.flush()
    made = []
    for dealer_id in runs.dealers_to_notify(end):
        notice = notices.issue_notice(dealer_id, start, end, actor=f.clerk, run_id=run.id,
                                      now=f.now)
        if notice is not None:
            made.append(notice)
        run.dealers_done += 1
    run.notices_made = len(made)
    run.status, run.finished_at = RunStatus.DONE, f.now + timedelta(seconds=2 + len(made))
    run.heartbeat_at = run.finished_at
    return made


def _fates(f: Finance, made: list) -> dict:
    """Now and then a dealer disputes its notice; the first run with a few notices has one."""
    fates = {n.id: "dispute" for n in made if f.rng.random() < DISPUTE_SHARE}
    if not f.disputed_once and len(made) >= 3:
        fates[max(made, key=lambda n: (n.total, n.id)).id] = "dispute"
    f.disputed_once = f.disputed_once or bool(fates)
    return fates


def _dealer_reads(f: Finance, notice: WriteOffNotice, fate: str):
    """The dealer reads its notice and confirms it, or disputes it; finance voids a disputed
    notice a few days later and reissues it. A slow dealer lets its latest notice wait until
    finance chases it with the next one."""
    admin = f.admins[notice.dealer_id]
    if fate == "confirm":
        slow = notice.dealer.code in SLOW
        yield f.later(*((10, 25) if slow else (3, 12)))
        while slow and _newer(notice) is None:
            yield f.later(7, 7)
        if notice.status == NoticeStatus.ISSUED:
            lifecycle.confirm_notice(notice, actor=admin, now=f.now)
        return
    dispute, void = f.rng.choice(text.DISPUTES)
    yield f.later(2, 6)
    _dispute(f, notice, dispute)
    yield f.later(1, 4)
    lifecycle.void_notice(notice, void, actor=f.clerk, now=f.now)
    new = lifecycle.reissue_notice(notice, actor=f.clerk, now=f.now)
    f.spawn(f.now, _dealer_reads(f, new, "confirm"))


def _newer(notice: WriteOffNotice) -> int | None:
    return db.session.scalar(sa.select(WriteOffNotice.id).where(
        WriteOffNotice.dealer_id == notice.dealer_id, WriteOffNotice.id > notice.id).limit(1))


def _dispute(f: Finance, notice: WriteOffNotice, reason: str) -> None:
    lifecycle.dispute_notice(notice, reason, actor=f.admins[notice.dealer_id], now=f.now)


def _open_dispute(f: Finance):
    """In the last days one slow dealer, chased by finance, has read its waiting notice and
    disputes it; finance has not answered yet."""
    yield f.now
    waiting = db.session.scalars(sa.select(WriteOffNotice).join(WriteOffNotice.dealer).where(
        WriteOffNotice.status == NoticeStatus.ISSUED, Dealer.code.in_(SLOW))
        .order_by(Dealer.code, WriteOffNotice.id.desc())).all()
    if len(waiting) > 1:
        _dispute(f, waiting[0], text.OPEN_DISPUTE)


def summary() -> str:
    """What the finance stories left, for the seed's closing line."""
    states = dict(db.session.execute(sa.select(WriteOffNotice.status, sa.func.count())
                                     .group_by(WriteOffNotice.status)).all())
    made_by = db.session.scalar(sa.select(sa.func.count(NoticeRun.id)))
    total = sum(states.values(), 0)
    offset = db.session.scalar(sa.select(sa.func.sum(WriteOffNotice.total)).where(
        WriteOffNotice.status == NoticeStatus.CONFIRMED)) or Decimal(0)
    return (f"{total} write-off notices from {made_by} monthly runs ("
            + ", ".join(f"{s.value} {states.get(s, 0)}" for s in NoticeStatus)
            + f"; ¥{money(offset)} offset)")
