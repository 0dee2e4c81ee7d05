"""``flask seed-demo``: load the demo data set into an empty database."""

from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.accounts import services as accounts
from portal.accounts.roles import Role
from portal.catalog import discounts
from portal.catalog import services as catalog
from portal.catalog.models import (
    FaultSeverity,
    ModelCategory,
    PartKind,
    PolicySettings,
    SeasonKind,
)
from portal.claims.models import ClaimStatus
from portal.core.db import SHANGHAI, clock_at, utcnow
from portal.dealers import services as dealers
from portal.dealers.models import Dealer, DealerGrade
from portal.demo import case_finance as demo_case_finance
from portal.demo import cases as demo_cases
from portal.demo import data, finance_data
from portal.demo import deliveries as demo_deliveries
from portal.demo import finance as demo_finance
from portal.demo import head_office as demo_head_office
from portal.demo import ledger as demo_ledger
from portal.demo import plans as demo_plans
from portal.demo import returns as demo_returns
from portal.demo import scorecards as demo_scorecards
from portal.demo import stock as demo_stock
from portal.demo.claims import load_claims
from portal.demo.followup import seed_followup
from portal.demo.service import load_service_requests
from portal.demo.units import load_units
from portal.extensions import db
from portal.quality import warning
from portal.reports import weekly


def load_demo(today: date | None = None, now: datetime | None = None) -> str:
    """Create the maker's demo world in the current transaction, as it stands on ``today`` at
    ``now`` (by default the real clock's; a given day alone is taken at 10:00 in Shanghai);
    say what was made. Every service it calls reads that time from the clock."""
    if now is None:
        now = utcnow() if today is None else datetime.combine(today, time(10), SHANGHAI)
    today = today or now.astimezone(SHANGHAI).date()
    with clock_at(now):
        return _load(today, now)


def _load(today: date, now: datetime) -> str:
    users = {}
    for username, name, role, phone in data.HEAD_OFFICE:
        users[username] = accounts.create_user(
            username=username, display_name=name, role=role, password=data.PASSWORD,
            phone=phone, email=f"{username}@sanbao-demo.cn")
    for index, (code, name, province, city, grade, rep) in enumerate(data.DEALERS, start=1):
        dealer = dealers.create_dealer({
            "code": code, "name": name, "province": province, "city": city,
            "address": f"{city}农机大市场{index}号", "contact_name": f"{name[:2]}经理",
            "contact_phone": f"1380531{index:04d}", "service_phone": f"400-600-{index:04d}",
            "email": f"service{index:02d}@dealer.example.cn", "grade": DealerGrade(grade),
            "sales_rep_id": users[rep].id,
        }, actor=None)
        slug = code.lower().replace("-", "")
        accounts.create_user(username=f"{slug}_admin", display_name=f"{name[:4]}管理员",
                             role=Role.DEALER_ADMIN, password=data.PASSWORD, dealer=dealer)
        accounts.create_user(username=f"{slug}_staff", display_name=f"{name[:4]}服务员",
                             role=Role.DEALER_STAFF, password=data.PASSWORD, dealer=dealer)
    _load_catalogue(today)
    units = load_units(today)
    load_service_requests(now)
    claims = load_claims(today)
    followup = seed_followup([c for c in claims if c.status != ClaimStatus.DRAFT], today=today)
    demo_stock.load_stock_returns(today)
    demo_cases.load_cases(today)
    head_office = demo_head_office.load_head_office_repairs(today)
    demo_case_finance.load_case_finance(today)
    reviews = demo_scorecards.load_grade_reviews(today, now)
    # What the schedule did last night and on Monday morning: the early-warning check (it
    # finds the planted bad batch, portal/demo/claim_plans.py) and last week's report.
    run = warning.check(now=now)
    weekly.generate(weekly.last_week(now), now=now)
    return (f"{_summary(units, claims, followup)}; {demo_deliveries.summary()}; "
            f"{demo_returns.summary(today)}; "
            f"{demo_finance.summary()}, {demo_ledger.summary()}; {demo_plans.summary()}; "
            f"{demo_stock.summary(today)}; {demo_cases.summary()}, "
            f"{demo_case_finance.summary()}; {len(head_office)} repairs by head office; "
            f"{reviews} grade reviews; "
            f"{run.alerts_raised} batch alerts from {run.pairs_checked} (key part, batch) pairs")


def _summary(units: int, claims: list, followup: dict) -> str:
    statuses = Counter(c.status for c in claims)
    visits = followup["open"] + followup["reached"] + followup["not_reached"]
    return (f"{units} units, {len(claims)} repair records ("
            + ", ".join(f"{s.value} {statuses[s]}" for s in ClaimStatus)
            + f"; {sum(c.decided_by_rules for c in claims)} decided by the rules), "
            + f"{visits} return visits ({followup['open']} still to call), "
            + f"{followup['complaints']} complaints")


def _load_catalogue(today: date) -> None:
    models = {}
    for code, name, category, whole, main, wear, hours, named in data.MODELS:
        models[code] = catalog.save_model(None, {
            "code": code, "name": name, "category": ModelCategory(category),
            "whole_months": whole, "main_parts_months": main, "wear_parts_months": wear,
            "running_in_hours": hours, "main_parts_named": named, "is_active": True,
            "dealer_price": finance_data.DEALER_PRICES[code],
        }, actor=None)
    for category in dict.fromkeys(model.category for model in models.values()):
        for start, rate in data.DISCOUNT_STANDARD:
            discounts.save_discount_rate(None, category, start, rate, actor=None)
    for number, name, kind, price, ret, months, supplier, fits in data.parts():
        catalog.save_part(None, {
            "part_number": number, "name": name, "kind": PartKind(kind), "price": price,
            "return_required": ret, "warranty_months": months, "supplier": supplier,
            "is_active": True,
            "season_consumption": data.SEASON_CONSUMPTION.get(number.split("-")[1], Decimal(0)),
            "key_part": number.split("-")[1] in data.KEY_PARTS,
        }, [models[m] for m in fits], actor=None)
    for code, description, hours in data.FAULT_CODES:
        catalog.save_fault_code(None, {"code": code, "description": description,
                                       "severity": FaultSeverity.SERIOUS
                                       if code in data.SERIOUS_FAULTS else FaultSeverity.GENERAL,
                                       "is_active": True},
                                {ModelCategory(c): Decimal(h) for c, h in hours.items()},
                                actor=None)
    catalog.save_labour_rates({DealerGrade(g): r for g, r in data.LABOUR_RATES.items()},
                              actor=None)
    for low, high, fee in data.TRAVEL_BANDS:
        catalog.save_travel_band(None, {"min_km": low, "max_km": high, "fee": fee}, actor=None)
    lead_days = PolicySettings.current().plan_lead_days
    for name, kind, start, end, categories, provinces, plan in data.seasons(today, lead_days):
        catalog.save_season(None, {"name": name, "kind": SeasonKind(kind), "start_on": start,
                                   "end_on": end, "categories": categories,
                                   "provinces": provinces, "plan_required": plan}, actor=None)


def print_logins() -> None:
    click.echo(f"Demo logins (password for all: {data.PASSWORD}):")
    first = data.DEALERS[0][0].lower().replace("-", "")
    rows = [(role, name) for name, _n, role, _p in data.HEAD_OFFICE]
    rows += [("dealer_admin", f"{first}_admin"), ("dealer_staff", f"{first}_staff")]
    seen = set()
    for role, username in rows:
        if role not in seen:
            seen.add(role)
            click.echo(f"  {Role(role).value:<13} {username}")


def _gather_statistics() -> None:
    """PostgreSQL plans by its statistics, and a freshly loaded database has none until
    autovacuum gets round to it: without them the planner takes the demo's thousands of rows
    for a few and picks nested loops (the supplier recovery page ran for minutes). The demo is
    used at once, so gather them now. (SQLite plans well enough without.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (but print logins) if data exists.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True,
              help="Build the demo as of this day (Shanghai) instead of the real one.")
@with_appcontext
def seed_demo(if_empty, today):
    """Load the demo data set (dealers, users for every role, catalogue, policy)."""
    if db.session.scalar(sa.select(sa.func.count(Dealer.id))):
        if not if_empty:
            raise click.ClickException("the database already holds data; nothing loaded")
        click.echo("The database already holds data; demo data not loaded again.")
    else:
        made = load_demo(today.date() if today else None)
        db.session.commit()
        _gather_statistics()
        click.echo(f"Demo data loaded: {made}.")
    print_logins()
