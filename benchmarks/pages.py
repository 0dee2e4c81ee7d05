"""Which pages the benchmark measures, for which role, and the records their URLs point at.

Each role's main pages: its home page, its lists (some as the htmx fragment a search-as-you-type
box asks for), a detail page of each kind it opens most, its dashboards and reports. URLs are
built with ``url_for``, so a renamed route breaks the benchmark loudly instead of measuring a
404. Each page is measured as each subject of its role (benchmarks/subjects.py): its detail
pages open that subject's dealer's own records (``samples``).
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, url_for

from portal.accounts.models import User
from portal.claims.models import Claim, ClaimLine
from portal.dealers.models import Dealer
from portal.deliveries.models import DeliveryNote
from portal.extensions import db
from portal.finance.models import WriteOffNotice
from portal.planning.models import StockingPlan
from portal.quality.models import BatchAlert
from portal.reports.models import WeeklyReport
from portal.returns.models import ReturnShipment
from portal.service.models import ServiceRequest
from portal.units.models import Unit

PASSWORD = "Bench-Portal-2026"
USERS = {"dealer": "bench_dealer", "rep": "bench_rep", "clerk": "bench_clerk",
         "technical": "bench_tech", "finance": "bench_finance", "admin": "bench_admin"}


@dataclass(frozen=True)
class Page:
    role: str  # a key of USERS
    endpoint: str
    args: dict = field(default_factory=dict)  # "{name}" values come from the samples
    htmx: bool = False  # ask for the fragment, as the page's own htmx does

    @property
    def name(self) -> str:
        return self.endpoint + (" (htmx)" if self.htmx else "")


def _p(role, endpoint, htmx=False, **args) -> Page:
    return Page(role, endpoint, args, htmx)


PAGES = [
    _p("dealer", "home.dealer"),
    _p("dealer", "claims.index"),
    _p("dealer", "claims.index", htmx=True, q="{serial_prefix}"),
    _p("dealer", "claims.detail", claim_id="{claim}"),
    _p("dealer", "units.index", htmx=True, q="{serial_prefix}"),
    _p("dealer", "units.detail", unit_id="{unit}"),
    _p("dealer", "service.index"),
    _p("dealer", "returns.owed"),
    _p("dealer", "returns.shipment", shipment_id="{shipment}"),
    _p("dealer", "finance.notices"),
    _p("dealer", "finance.notice", number="{notice}"),
    _p("dealer", "planning.detail", plan_id="{plan}"),
    _p("rep", "home.rep"),
    _p("rep", "finance.claims"),
    _p("rep", "dealers.index", htmx=True, q="{dealer_q}"),
    _p("rep", "dealers.detail", dealer_id="{dealer}"),
    _p("rep", "claims.index", status="review"),
    _p("rep", "analytics.scorecards_index"),
    _p("rep", "analytics.scorecard", dealer_id="{dealer}"),
    _p("rep", "finance.ledger_detail", dealer_id="{dealer}"),
    _p("clerk", "home.clerk"),
    _p("clerk", "service.index"),
    _p("clerk", "service.index", htmx=True, q="{phone_prefix}"),
    _p("clerk", "service.detail", request_id="{service}"),
    _p("clerk", "followup.visits"),
    _p("clerk", "returns.incoming"),
    _p("clerk", "units.index"),
    _p("clerk", "deliveries.detail", note_id="{delivery}"),
    _p("clerk", "planning.index"),
    _p("technical", "home.technical"),
    _p("technical", "claims.index", status="review"),
    _p("technical", "claims.detail", claim_id="{claim}"),
    _p("technical", "returns.verdict_queue"),
    _p("technical", "quality.alerts"),
    _p("technical", "quality.alert", alert_id="{alert}"),
    _p("technical", "analytics.failures"),
    _p("technical", "followup.flags"),
    _p("finance", "home.finance"),
    _p("finance", "finance.claims"),
    _p("finance", "finance.notices"),
    _p("finance", "finance.ledger"),
    _p("finance", "finance.statement", dealer_id="{dealer}"),
    _p("finance", "finance.reports"),
    _p("finance", "finance.generate"),
    _p("admin", "home.admin"),
    _p("admin", "reports.dashboard"),
    _p("admin", "reports.weekly_report", week_start="{week}"),
    _p("admin", "accounts.users"),
    _p("admin", "core.audit_log"),
    _p("admin", "dealers.index"),
]


def _latest(model, *where, order=None):
    column = order if order is not None else model.id
    return db.session.scalars(sa.select(model).where(*where).order_by(column.desc())
                              .limit(1)).first()


def measured(pages: list[Page], subjects: list) -> list[tuple[Page, object]]:
    """Each page with each subject of its role (``subjects.Subject``), in the pages' order."""
    return [(page, subject) for page in pages for subject in subjects
            if subject.role == page.role]


def samples(dealer_id: int | None) -> dict[str, str]:
    """The records the detail pages open (the dealer's, of those a dealer has), and the search
    terms; none of the dealer's without a dealer."""
    dealer = db.session.get(Dealer, dealer_id) if dealer_id is not None else None
    if dealer is None:
        return _shared({})
    mine = Claim.dealer_id == dealer.id
    lines = (sa.select(ClaimLine.claim_id).join(Claim).where(mine)
             .group_by(ClaimLine.claim_id)
             .order_by(sa.func.count().desc(), ClaimLine.claim_id.desc()).limit(1))
    claim = db.session.get(Claim, db.session.scalar(lines)) if db.session.scalar(lines) else None
    unit = claim.unit if claim else _latest(Unit, Unit.dealer_id == dealer.id)
    found = {
        "dealer": dealer, "claim": claim, "unit": unit,
        "notice": _latest(WriteOffNotice, WriteOffNotice.dealer_id == dealer.id),
        "service": _latest(ServiceRequest, ServiceRequest.dealer_id == dealer.id,
                           order=ServiceRequest.received_at),
        "shipment": _latest(ReturnShipment, ReturnShipment.dealer_id == dealer.id),
        "plan": _latest(StockingPlan, StockingPlan.dealer_id == dealer.id),
        "delivery": _latest(DeliveryNote, DeliveryNote.dealer_id == dealer.id),
    }
    values = {k: str(v.id) for k, v in found.items() if v is not None}
    if found["notice"]:
        values["notice"] = found["notice"].number
    if unit:
        # What someone types into a search box: the start of a serial, matching a few units.
        values["serial_prefix"] = unit.serial[: max(4, len(unit.serial) - 3)]
    if found["service"]:
        values["phone_prefix"] = found["service"].customer_phone[:7]  # a caller's number
    values["dealer_q"] = dealer.city or dealer.code
    return _shared(values)


def _shared(values: dict[str, str]) -> dict[str, str]:
    """Add the records every head-office user opens alike: the latest alert and report."""
    alert = _latest(BatchAlert)
    week = _latest(WeeklyReport, order=WeeklyReport.week_start)
    if alert:
        values["alert"] = str(alert.id)
    if week:
        values["week"] = week.week_start.isoformat()
    return values


def users_dealer(username: str) -> int | None:
    """The dealer a user works for (None for head office)."""
    return db.session.scalar(sa.select(User.dealer_id).where(User.username == username))


def page_path(app: Flask, page: Page, values: dict[str, str]) -> str:
    """The page's URL; KeyError naming the sample the data set lacks."""
    args = {}
    for key, value in page.args.items():
        if value.startswith("{"):
            name = value.strip("{}")
            if name not in values:
                raise KeyError(f"no {name} in the data set")
            value = values[name]
        args[key] = value
    with app.test_request_context():
        return url_for(page.endpoint, **args)
