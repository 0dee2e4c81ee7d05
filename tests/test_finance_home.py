"""Finance's and the sales rep's home pages show what waits for them."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import LabourRate, TravelBand
from portal.claims.models import FinanceStage
from portal.core.db import utcnow
from portal.dealers.models import Dealer, DealerGrade
from portal.extensions import db
from portal.finance import lifecycle
from portal.finance.work import claim_queues, finance_work, rep_work
from tests import factories
from tests.builders import approved_claim, make_notice


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


def counted_now() -> dict:
    """``finance_work`` with the claims counted now rather than read from the snapshot."""
    now = utcnow()
    return finance_work(claim_queues(now), now)


def test_finance_work_counts_what_waits(world):
    empty = counted_now()
    forwarded = approved_claim(world.dealer_a)
    forwarded.finance_stage, forwarded.forwarded_at = FinanceStage.FORWARDED, utcnow()
    waiting = make_notice(world.dealer_a, claims=1)
    disputed = make_notice(world.dealer_b, claims=1)
    approved_claim(world.dealer_b)  # cost approved after the notices: in no notice
    lifecycle.dispute_notice(disputed, "金额不符", actor=factories.make_user(
        Role.DEALER_STAFF, dealer=world.dealer_b))
    db.session.flush()
    work = counted_now()
    assert work["audit"][0] == empty["audit"][0] + 1
    assert work["audit"][1] is not None
    assert work["unnoticed"][0] == empty["unnoticed"][0] + 1
    assert work["issued"][0] == empty["issued"][0] + 1 and waiting.status.value == "issued"
    assert work["disputed"][0] == empty["disputed"][0] + 1


def test_the_finance_home_page_links_the_queues(client, login, world):
    approved_claim(world.dealer_a)
    login(world.users[Role.FINANCE])
    page = client.get("/home/finance").get_data(as_text=True)
    assert "/finance/claims?queue=audit" in page and "/finance/notices/generate" in page
    assert "/finance/notices?queue=notices_disputed&amp;status=disputed" in page


def test_the_finance_home_page_counts_the_dealers_of_each_rated_grade(client, login, world):
    for grade, rate in ((DealerGrade.A, "60.00"), (DealerGrade.D, "40.00")):
        if db.session.get(LabourRate, grade) is None:
            db.session.add(LabourRate(grade=grade, hourly_rate=Decimal(rate)))
    db.session.add(TravelBand(min_km=500, max_km=None, fee=Decimal("150.00")))
    db.session.commit()
    login(world.users[Role.FINANCE])
    page = client.get("/home/finance").get_data(as_text=True)
    rates = db.session.scalars(sa.select(LabourRate)).all()
    assert rates
    for rate in rates:
        dealers = db.session.scalar(sa.select(sa.func.count()).where(Dealer.grade == rate.grade))
        assert f'¥{rate.hourly_rate:,.2f}</td><td class="num">{dealers}</td>' in page
    assert "¥150.00" in page  # the travel bands, as plain rows too


def test_rep_work_counts_ready_claims_of_its_own_dealers(world):
    rep = world.users[Role.SALES_REP]
    before = rep_work(rep, utcnow())
    mine = factories.make_claim(factories.make_unit(dealer=world.dealer_a), status="approved")
    assert world.dealer_a.sales_rep_id == rep.id
    assert rep_work(rep, utcnow())["ready"] == before["ready"] + 1
    mine.finance_stage = FinanceStage.FORWARDED
    db.session.flush()
    assert rep_work(rep, utcnow())["ready"] == before["ready"]


def _forward(claim):
    claim.finance_stage, claim.forwarded_at = FinanceStage.FORWARDED, utcnow()
    db.session.flush()


def test_claim_queues_and_rules_share_come_from_a_snapshot_as_of_its_time(app, client, login,
                                                                         world):
    """The finance page's claim counts, the technical queue and the rules' share (technical,
    admin) are read from the work snapshot, the same figures as counted now, until it is
    refreshed; notices stay live."""
    from portal.analytics import snapshots
    from portal.claims.queues import review_counts, review_queue, rules_share

    _forward(approved_claim(world.dealer_a))
    snapshots.refresh_work(utcnow())
    figures, _as_of = snapshots.work_figures(utcnow())
    assert finance_work(figures["finance"], utcnow()) == counted_now()
    assert figures["rules_share"] == rules_share(utcnow())
    assert review_queue(figures["review"]) == review_queue(review_counts(utcnow()))
    audit = counted_now()["audit"][0]

    _forward(approved_claim(world.dealer_b))  # after the snapshot
    make_notice(world.dealer_a, claims=1)
    login(world.users[Role.FINANCE])
    page = client.get("/home/finance").get_data(as_text=True)
    assert 'class="muted as-of"' in page
    work = finance_work(snapshots.work_figures(utcnow())[0]["finance"], utcnow())
    assert work["audit"][0] == audit and work["issued"][0] == counted_now()["issued"][0]
    snapshots.refresh_work(utcnow())
    assert snapshots.work_figures(utcnow())[0]["finance"]["audit"][0] == audit + 1
    for role, url in ((Role.TECHNICAL, "/home/technical"), (Role.ADMIN, "/home/admin")):
        login(world.users[role])
        page = client.get(url).get_data(as_text=True)
        assert 'id="rules-share"' in page and 'class="muted as-of"' in page
    assert "rules-share" not in page.split("<title>")[1].split("</title>")[0]


def test_approved_case_settlements_in_no_notice_are_counted_with_their_total(world, client,
                                                                             login):
    from datetime import date
    from decimal import Decimal

    from portal.finance.notices import issue_notice
    from tests.case_builders import discount_standard, settled_case

    discount_standard()
    before = counted_now()["unnoticed_cases"]
    settled_case(world, day=date(2026, 10, 12))
    settled_case(world, day=date(2026, 10, 9), dealer=world.dealer_b)
    count, total, since = counted_now()["unnoticed_cases"]
    assert count == before[0] + 2 and total > before[1] and since == date(2026, 10, 9)
    issue_notice(world.dealer_b.id, date(2026, 10, 1), date(2026, 10, 31),
                 actor=world.users[Role.FINANCE], with_pdf=False)
    after = counted_now()["unnoticed_cases"]
    assert after[0] == before[0] + 1 and after[2] == date(2026, 10, 12)
    assert isinstance(after[1], Decimal)
    db.session.commit()
    login(world.users[Role.FINANCE])
    client.post("/language", data={"lang": "en"})
    page = client.get("/home/finance").get_data(as_text=True)
    assert "Case settlements approved, in no notice yet" in page


def test_the_reps_claims_to_forward_are_counted_as_they_become_ready(client, login, world):
    """The rep forwards a claim the moment it is decided: the page counts now, not from a
    snapshot made before (a refresh in between changes nothing)."""
    from portal.analytics import snapshots

    rep = world.users[Role.SALES_REP]
    login(rep)
    factories.make_claim(factories.make_unit(dealer=world.dealer_a), status="approved")
    snapshots.refresh_work(utcnow())
    before = rep_work(rep, utcnow())
    factories.make_claim(factories.make_unit(dealer=world.dealer_a), status="approved")
    db.session.commit()
    after = rep_work(rep, utcnow())
    assert after["ready"] + after["not_ready"] == before["ready"] + before["not_ready"] + 1
    client.post("/language", data={"lang": "en"})
    page = client.get("/home/rep").get_data(as_text=True)
    assert after["ready"] == before["ready"] + 1
    assert f"{after['ready']} ready to forward" in page and "queue=forward&amp;ready=1" in page
