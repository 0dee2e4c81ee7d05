"""After sign-in every role lands on its own work page."""

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from portal.accounts.models import User
from portal.accounts.roles import signed_in
from portal.analytics import snapshots
from portal.cases.finance import SETTLE
from portal.cases.queues import home_box as cases_box
from portal.catalog.models import (
    FaultCode,
    LabourRate,
    Part,
    PolicySettings,
    ProductModel,
    TravelBand,
)
from portal.claims import queues
from portal.core.audit import AuditEntry
from portal.core.db import named, shanghai_today, utcnow
from portal.core.htmx import render
from portal.core.permissions import requires
from portal.core.queues import REGISTRY, TILE_CAP
from portal.dealers.models import Dealer, DealerStatus
from portal.dealers.scope import visible_dealers
from portal.deliveries.queues import home_box as deliveries_box
from portal.extensions import db
from portal.finance.notice_scope import period_text
from portal.finance.queues import awaiting_dealer
from portal.finance.work import finance_work, rep_work
from portal.home import access
from portal.planning.overview import missing_by_season, next_due
from portal.planning.queues import TO_REVIEW, waiting_review
from portal.quality.warning import open_alerts_box
from portal.returns.queues import RECEIVE, TAKE_IN
from portal.returns.scope import owed_summary
from portal.service.followup_todo import clerk_todo
from portal.service.views import home_box
from portal.stock.work import dealer_box, head_office_box
from portal.units.card_services import cards_to_file

bp = Blueprint("home", __name__)
CARDS_LISTED = 10  # the most urgent cards to file on the dealer's page; ``?cards=all`` lists all


@bp.context_processor
def work_queues():
    """Every work queue by name, for the links of the counts: ``queues.review.url()``."""
    return {"queues": REGISTRY}

@bp.route("/")
@signed_in
def index():
    """Send the user to their role's page."""
    return redirect(url_for(access.LANDING[current_user.role]))


@bp.route("/home/dealer")
@requires(access.can_open_dealer_home)
def dealer():
    """A dealer's page: its record, its rep, its rate, its colleagues."""
    dealer = current_user.dealer
    rate = db.session.get(LabourRate, dealer.grade)
    now, today = utcnow(), shanghai_today()
    policy = PolicySettings.current()  # held: the boxes that ask for it again find it loaded
    todo, todo_count = cards_to_file(
        dealer.id, today, None if request.args.get("cards") == "all" else CARDS_LISTED)
    drafts, drafts_count = queues.dealer_drafts(current_user, now)
    # From the snapshot, as the rep's page: counted live it read every part the dealer ever owed.
    returns, returns_as_of = snapshots.stored_compliance([dealer.id], now)
    return render("home/dealer.html", dealer=dealer, rate=rate, policy=policy,
                  todo=todo, todo_count=todo_count, drafts=drafts, drafts_count=drafts_count,
                  service_box=home_box(current_user),
                  compliance=returns.get(dealer.id), compliance_as_of=returns_as_of,
                  owed_box=owed_summary(dealer.id, today),
                  notices_box=awaiting_dealer(current_user, now), period_text=period_text,
                  plan_due=next_due(dealer, today),
                  stock_box=dealer_box(current_user, now),
                  cases_box=cases_box(current_user, now),
                  deliveries_box=deliveries_box(current_user, now))


@bp.route("/home/rep")
@requires(access.can_open_rep_home)
def rep():
    """A sales rep's page: the dealers assigned to them."""
    dealers = db.session.execute(visible_dealers(current_user).with_only_columns(
        Dealer.id, Dealer.code, Dealer.name, Dealer.province, Dealer.city, Dealer.grade,
        Dealer.contact_name, Dealer.contact_phone, Dealer.status).order_by(Dealer.code)).all()
    now = utcnow()
    returns, returns_as_of = snapshots.stored_compliance([d.id for d in dealers], now)
    return render("home/rep.html", dealers=dealers, service_box=home_box(current_user),
                  compliance=returns, compliance_as_of=returns_as_of,
                  finance_box=rep_work(current_user, now),
                  plans_waiting=waiting_review(current_user, now),
                  plans_waiting_count=TO_REVIEW.pile(current_user, now).count,
                  stock_box=head_office_box(current_user, now),
                  deliveries_box=deliveries_box(current_user, now))


def _dealers_by_province():
    return db.session.execute(
        sa.select(Dealer.province, Dealer.status, sa.func.count())
        .group_by(Dealer.province, Dealer.status).order_by(Dealer.province)
    ).all()


@bp.route("/home/clerk")
@requires(access.can_open_clerk_home)
def clerk():
    """The sales clerk's page: follow-up work, the dealer network and the deadlines."""
    now, today = utcnow(), shanghai_today()
    return render("home/clerk.html", by_province=_dealers_by_province(),
                  policy=PolicySettings.current(), statuses=DealerStatus,
                  todo=clerk_todo(current_user, now),
                  incoming=RECEIVE.pile(current_user, now, TILE_CAP),
                  take_in=TAKE_IN.pile(current_user, now),
                  service_box=home_box(current_user),
                  plans_missing=missing_by_season(current_user, today),
                  plans_waiting=waiting_review(current_user, now),
                  plans_waiting_count=TO_REVIEW.pile(current_user, now).count,
                  stock_box=head_office_box(current_user, utcnow()),
                  cases_box=cases_box(current_user, now),
                  deliveries_box=deliveries_box(current_user, now))


def _rules_share() -> dict:
    """The share of claims the rules decided (from a snapshot: a quarter's claims), as of when."""
    figures, as_of = snapshots.work_figures(utcnow())
    return {"share": figures["rules_share"], "as_of": as_of}


@bp.route("/home/technical")
@requires(access.can_open_technical_home)
def technical():
    """The technical department's page: models and their periods, fault codes."""
    now = utcnow()
    figures, as_of = snapshots.work_figures(now)
    models = db.session.execute(sa.select(
        ProductModel.id, ProductModel.code, ProductModel.name, ProductModel.category,
        ProductModel.whole_months, ProductModel.main_parts_months, ProductModel.wear_parts_months,
        ProductModel.running_in_hours).order_by(ProductModel.code)).all()
    faults = db.session.execute(
        sa.select(FaultCode.code, FaultCode.description).order_by(FaultCode.code)).all()
    return render("home/technical.html", models=models, fault_codes=faults,
                  queue=queues.review_queue(figures["review"]), share=figures["rules_share"],
                  as_of=as_of, cases_box=cases_box(current_user, now),
                  service_box=home_box(current_user), alerts_box=open_alerts_box())


@bp.route("/home/finance")
@requires(access.can_open_finance_home)
def finance():
    """Finance's page: the work waiting (audits, notices), the rates and bands claims are
    costed with."""
    now = utcnow()
    figures, as_of = snapshots.work_figures(now)
    dealers = named(LabourRate, sa.func.count(), Dealer.grade == LabourRate.grade, "dealers")
    rates = db.session.execute(sa.select(LabourRate.grade, LabourRate.hourly_rate, dealers)
                               .order_by(LabourRate.grade)).all()
    bands = db.session.execute(sa.select(TravelBand.min_km, TravelBand.max_km, TravelBand.fee)
                               .order_by(TravelBand.min_km)).all()
    return render("home/finance.html", rates=rates, bands=bands,
                  policy=PolicySettings.current(), work=finance_work(figures["finance"], now),
                  settlements=SETTLE.pile(current_user, now), as_of=as_of)


@bp.route("/home/admin")
@requires(access.can_open_admin_home)
def admin():
    """The administrator's page: what the portal holds and the latest changes."""
    counts = db.session.execute(sa.select(*(
        sa.select(sa.func.count(key)).scalar_subquery().label(name) for name, key in (
            ("users", User.id), ("dealers", Dealer.id), ("models", ProductModel.id),
            ("parts", Part.id))))).one()._asdict()
    latest = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action != "sign_in")
        .order_by(AuditEntry.id.desc()).limit(15)
    ).all()
    now = utcnow()
    return render("home/admin.html", counts=counts, latest=latest, alerts_box=open_alerts_box(),
                  **_rules_share(), service_box=home_box(current_user),
                  stock_box=head_office_box(current_user, now),
                  deliveries_box=deliveries_box(current_user, now))
