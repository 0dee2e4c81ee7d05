"""Whom the benchmark measures each page as: its subjects, found in the data set by rule.

One dealer cannot stand for all: a page that is fast for the bench dealer may scan past every
other dealer's rows for a dealer whose records are all old, or for a new one with none. So each
dealer-facing page is measured as five dealers and each rep page as two reps, and the report
shows the worst of them. Head office sees every dealer; its pages are measured once, as the
bench user of the role, on the records of the bench dealer (the one ``users["dealer"]`` works
for), which the generator gave head office's own work: a stocking plan, a delivery note.

The rules (``find``), on the claims, the measure of a dealer's size:

- ``largest``: the dealer with the most claims;
- ``median``: the middle one of the active dealers with a claim in the last two years, by
  claims;
- ``small``: the one at the tenth percentile of those;
- ``old``: of the dealers whose latest claim is more than two years old, the one with the most
  claims (the generator makes one on purpose: benchmarks/gen_rows.py);
- ``new``: the newest active dealer with no claims, no units and no service register entries;
- reps ``many`` and ``few``: the reps with the most and the fewest dealers (at least one).

Each subject signs in as a user of its own (every generated user has the bench password): a
dealer's administrator if it has one, else its first user.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from benchmarks.pages import users_dealer
from portal.accounts.models import User
from portal.claims.models import Claim
from portal.dealers.models import Dealer, DealerStatus
from portal.extensions import db
from portal.service.models import ServiceRequest
from portal.units.models import Unit

OLD_DAYS = 365 * 2
HEAD_OFFICE = "head office"  # the kind of the one subject of a head-office page


@dataclass(frozen=True)
class Subject:
    kind: str  # "largest", "median", "small", "old", "new"; "many", "few"; HEAD_OFFICE
    role: str  # the role of the pages it is measured on: a key of pages.USERS
    username: str
    dealer_id: int | None  # the dealer whose records its detail pages open
    note: str = ""  # what it is, for the report: "BD0001, 1,234 claims"


def _claims_per_dealer(now: datetime):
    """(dealer id, code, claims, latest claim) of each active dealer with a claim, fewest
    first; split into those with a claim in the last two years and the others."""
    rows = db.session.execute(
        sa.select(Claim.dealer_id, Dealer.code, sa.func.count(), sa.func.max(Claim.created_at))
        .join(Dealer, Dealer.id == Claim.dealer_id).where(Dealer.status == DealerStatus.ACTIVE)
        .group_by(Claim.dealer_id, Dealer.code)
        .order_by(sa.func.count(), Claim.dealer_id)).all()
    cutoff = now - timedelta(days=OLD_DAYS)
    recent = [r for r in rows if r[3] >= cutoff]  # UTCDateTime: aware on both databases
    old = [r for r in rows if r[3] < cutoff]
    return recent, old


def _new_dealer():
    none = [~sa.exists().where(model.dealer_id == Dealer.id)
            for model in (Claim, Unit, ServiceRequest)]
    return db.session.execute(sa.select(Dealer.id, Dealer.code)
                              .where(Dealer.status == DealerStatus.ACTIVE, *none)
                              .order_by(Dealer.created_at.desc(), Dealer.id.desc())
                              .limit(1)).first()


def dealer_subjects(now: datetime) -> list[Subject]:
    recent, old = _claims_per_dealer(now)
    picks = []
    if recent:
        picks += [("largest", recent[-1]), ("median", recent[len(recent) // 2]),
                  ("small", recent[len(recent) // 10])]
    if old:
        picks.append(("old", max(old, key=lambda r: (r[2], -r[0]))))
    subjects, seen = [], set()
    for kind, (dealer_id, code, claims, _latest) in picks:
        if dealer_id not in seen:
            seen.add(dealer_id)
            subjects.append(_dealer_subject(kind, dealer_id, f"{code}, {claims:,} claims"))
    new = _new_dealer()
    if new is not None:
        subjects.append(_dealer_subject("new", new.id, f"{new.code}, no records"))
    return subjects


def _dealer_subject(kind: str, dealer_id: int, note: str) -> Subject:
    username = db.session.scalar(
        sa.select(User.username).where(User.dealer_id == dealer_id, User.is_active_user)
        .order_by((User.role != "dealer_admin"), User.id).limit(1))
    return Subject(kind, "dealer", username, dealer_id, note)


def rep_subjects() -> list[Subject]:
    rows = db.session.execute(
        sa.select(User.id, User.username, sa.func.count(Dealer.id))
        .join(Dealer, Dealer.sales_rep_id == User.id).group_by(User.id, User.username)
        .order_by(sa.func.count(Dealer.id), User.id)).all()
    if not rows:
        return []
    many = max(rows, key=lambda r: (r[2], -r[0]))
    picks = [("many", many)] + ([("few", rows[0])] if rows[0][0] != many[0] else [])
    return [Subject(kind, "rep", username, _rep_dealer(rep_id), f"{username}, {n:,} dealers")
            for kind, (rep_id, username, n) in picks]


def _rep_dealer(rep_id: int) -> int | None:
    """The dealer a rep's detail pages open: its dealer with the most claims."""
    claims = (sa.select(sa.func.count()).where(Claim.dealer_id == Dealer.id)
              .scalar_subquery())
    return db.session.scalar(sa.select(Dealer.id).where(Dealer.sales_rep_id == rep_id)
                             .order_by(claims.desc(), Dealer.id).limit(1))


def find(now: datetime, users: dict[str, str]) -> list[Subject]:
    """Every subject: the dealers', the reps', and one per head-office role in ``users``
    (role → bench username) on the bench dealer's records."""
    bench = users_dealer(users["dealer"])
    head_office = [Subject(HEAD_OFFICE, role, username, bench)
                   for role, username in users.items() if role not in ("dealer", "rep")]
    return dealer_subjects(now) + rep_subjects() + head_office
