"""Dealer scorecards: each figure on a hand-built month, the score, ranks, trend, grade reviews."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.analytics import snapshots
from portal.analytics.models import GradeReview, Recommendation
from portal.analytics.reviews import record_grade_review
from portal.analytics.scorecards import Period, Ratio, scorecards
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.dealers.models import DealerGrade
from portal.extensions import db
from portal.service.models import Channel, Complaint, ReturnVisit, VisitStatus
from tests import factories
from tests.helpers import QueryCounter

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
TODAY = date(2026, 5, 10)
NOW = datetime(2026, 5, 10, 4, 0, tzinfo=UTC)
SH_MARCH_START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 1 March 00:00 in Shanghai
SH_APRIL_START = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def _card(dealer, sale, **values):
    return factories.make_card(factories.make_unit(dealer=dealer), sale_date=sale, **values)


def _cards(dealer):
    _card(dealer, date(2026, 3, 1))  # first day, on time
    _card(dealer, date(2026, 3, 31), late_days=3)  # last day, late
    _card(dealer, date(2026, 2, 28))  # before the period
    _card(dealer, date(2026, 4, 1))  # after it
    _card(dealer, date(2026, 3, 15), status="draft")  # never filed, deadline long past
    _card(dealer, date(2026, 3, 10), status="void")  # does not count at all


def _requests(dealer):
    hour = timedelta(hours=1)
    factories.make_service_request(dealer, status="arranged", received_at=SH_MARCH_START,
                                   arranged_at=SH_MARCH_START + hour)
    late = SH_APRIL_START - timedelta(minutes=1)
    factories.make_service_request(dealer, status="arranged", received_at=late,
                                   arranged_at=late + 3 * hour)
    factories.make_service_request(dealer, status="arranged",
                                   received_at=SH_MARCH_START - timedelta(minutes=1),
                                   arranged_at=SH_MARCH_START)
    factories.make_service_request(dealer, status="routed",
                                   received_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))


def _owed(dealer, unit):
    claim = factories.make_claim(unit, status="submitted")
    factories.make_owed_part(claim, due_on=date(2026, 3, 1), status="received",
                             received_on=date(2026, 2, 20))
    factories.make_owed_part(claim, due_on=date(2026, 3, 31), status="received",
                             received_on=date(2026, 4, 2))
    factories.make_owed_part(claim, due_on=date(2026, 3, 15))  # still owed: overdue
    factories.make_owed_part(claim, due_on=date(2026, 3, 20), status="waived")
    factories.make_owed_part(claim, due_on=date(2026, 4, 1), status="received",
                             received_on=date(2026, 3, 30))


def _decided(unit, status, at, *decisions):
    lines = [{"kind": "part", "amount": "100.00", "decision": d} for d in decisions]
    return factories.make_claim(unit, status=status, lines=lines, decided_at=at)


def _claims(unit):
    _decided(unit, "approved", datetime(2026, 3, 5, tzinfo=UTC), "approved", "rejected")
    _decided(unit, "rejected", datetime(2026, 3, 20, tzinfo=UTC), "rejected")
    _decided(unit, "approved", SH_APRIL_START + timedelta(hours=1), "approved")
    _decided(unit, "submitted", None, "pending")


def _visit(dealer, unit, due_on, status="done", reached=None, satisfaction=None):
    claim = factories.make_claim(unit, status="approved")
    db.session.add(ReturnVisit(claim_id=claim.id, dealer_id=dealer.id, unit_id=unit.id,
                               due_on=due_on, status=status, reached=reached,
                               satisfaction=satisfaction))


def _visits(dealer, unit):
    _visit(dealer, unit, date(2026, 3, 1), reached=True, satisfaction=5)
    _visit(dealer, unit, date(2026, 3, 31), reached=True, satisfaction=4)
    _visit(dealer, unit, date(2026, 3, 10), reached=False)
    _visit(dealer, unit, date(2026, 3, 12), status=VisitStatus.OPEN)  # not called, overdue
    _visit(dealer, unit, date(2026, 2, 28), reached=True, satisfaction=1)


def _complaint(dealer, at):
    db.session.add(Complaint(number=f"TS-{at:%m%d%H%M}-{dealer.id}", channel=Channel.PHONE,
                             received_at=at, customer_name="钱七", dealer_id=dealer.id,
                             description="维修太慢", registered_by_id=factories._any_user_id()))


def _month(dealer):
    """Dealer's March 2026, with something just outside each edge."""
    _cards(dealer)
    _requests(dealer)
    unit = factories.make_unit(dealer=dealer)
    _owed(dealer, unit)
    _claims(unit)
    _visits(dealer, unit)
    _complaint(dealer, datetime(2026, 3, 5, tzinfo=UTC))
    _complaint(dealer, SH_APRIL_START - timedelta(hours=1))
    _complaint(dealer, SH_APRIL_START + timedelta(minutes=30))  # 1 April in Shanghai
    db.session.flush()


@pytest.fixture
def dealer():
    dealer = factories.make_dealer(grade=DealerGrade.B)
    _month(dealer)
    return dealer


def _card_of(dealer, **kwargs):
    return scorecards(kwargs.pop("period", MARCH), kwargs.pop("today", TODAY), NOW,
                      dealers=[dealer.id], **kwargs)[0]


def test_each_figure_counts_its_period_edges(dealer):
    f = _card_of(dealer).figures
    assert f.cards == Ratio(1, 3) and f.units_sold == 3
    assert f.arrange == Ratio(1, 3)
    assert f.returns == Ratio(1, 3)
    assert f.rejections == Ratio(1, 2) and f.lines == Ratio(2, 3)
    assert f.visits == Ratio(2, 4) and f.satisfaction == Decimal("4.50")
    assert f.complaints == 2 and f.complaints_per_100 == Decimal("66.7")


def test_what_is_still_within_its_deadline_is_not_counted(dealer):
    """A card not filed yet but within 20 days, a request still within 2 h: not judged yet."""
    _card(dealer, date(2026, 3, 30), status="draft")
    factories.make_service_request(dealer, status="routed", received_at=NOW - timedelta(hours=1))
    f = _card_of(dealer, today=date(2026, 4, 5)).figures
    assert f.cards == Ratio(1, 3) and f.units_sold == 4
    month = _card_of(dealer, period=Period(date(2026, 5, 1), date(2026, 5, 31))).figures
    assert month.arrange == Ratio(0, 0)


def test_score_weighs_the_figures_and_subtracts_complaints(dealer):
    # 15/3 + 20/3 + 20/3 + 15 × 0.5 + 15 × 0.5 + 15 × 0.9 = 46.83, less 2 complaints × 2
    assert _card_of(dealer).score == Decimal("42.8")


def test_ranking_best_first_ties_share_unscored_last(dealer):
    best, tied = factories.make_dealer(), factories.make_dealer()
    idle = factories.make_dealer()
    for other in (best, tied):
        _card(other, date(2026, 3, 2))
    cards = scorecards(MARCH, TODAY, NOW, dealers=[dealer.id, best.id, tied.id, idle.id])
    assert [(c.dealer.id, c.rank, c.score) for c in cards] == [
        (best.id, 1, Decimal("100.0")), (tied.id, 1, Decimal("100.0")),
        (dealer.id, 3, Decimal("42.8")), (idle.id, None, None)]


def test_monthly_trend_puts_each_record_in_its_shanghai_month(dealer):
    trend = _card_of(dealer).trend
    assert len(trend) == 12  # June 2025 … May 2026
    february, march, april = trend[8], trend[9], trend[10]
    assert march.cards == Ratio(1, 3) and march.complaints == 2
    assert february.cards == Ratio(1, 1) and february.arrange == Ratio(1, 1)
    assert february.visits == Ratio(1, 1)
    assert april.cards == Ratio(1, 1) and april.complaints == 1
    assert april.rejections == Ratio(0, 1) and april.returns == Ratio(1, 1)


def _review(dealer, actor, recommendation, grade, note="按季度考核"):
    return record_grade_review(dealer, MARCH, recommendation=recommendation,
                               grade_proposed=grade, note=note, actor=actor, today=TODAY,
                               now=NOW)


@pytest.mark.parametrize("recommendation, grade", [
    (Recommendation.REWARD, DealerGrade.B), (Recommendation.REWARD, DealerGrade.C),
    (Recommendation.DOWNGRADE, DealerGrade.A), (Recommendation.DOWNGRADE, DealerGrade.B),
    (Recommendation.KEEP, DealerGrade.C)])
def test_review_direction_must_match_the_grade(dealer, recommendation, grade):
    clerk = factories.make_user(Role.CLERK)
    with pytest.raises(DomainError) as error:
        _review(dealer, clerk, recommendation, grade)
    assert error.value.field == "grade_proposed"


def test_review_needs_a_note_and_a_reviewer(dealer):
    clerk = factories.make_user(Role.CLERK)
    with pytest.raises(DomainError) as error:
        _review(dealer, clerk, Recommendation.KEEP, DealerGrade.B, note="  ")
    assert error.value.field == "note"
    for user in (factories.make_user(Role.SALES_REP), factories.make_user(Role.TECHNICAL),
                 factories.make_user(Role.DEALER_ADMIN, dealer=dealer)):
        with pytest.raises(DomainError):
            _review(dealer, user, Recommendation.KEEP, DealerGrade.B)


def test_review_keeps_a_snapshot_and_is_audited_but_leaves_the_grade(dealer):
    rep = factories.make_user(Role.SALES_REP)
    dealer.sales_rep = rep
    db.session.flush()
    review = _review(dealer, rep, Recommendation.DOWNGRADE, DealerGrade.C)
    assert review.score == Decimal("42.8") and review.grade_before == DealerGrade.B
    assert review.figures["cards_on_time"] == 1 and review.figures["cards_due"] == 3
    assert review.figures["complaints"] == 2
    assert dealer.grade == DealerGrade.B
    entry = db.session.query(AuditEntry).filter_by(entity_type="grade_reviews").one()
    assert (entry.action, entry.from_state, entry.to_state) == ("grade_review", "b", "c")


def test_review_form_shows_the_message_and_records_nothing(client, login, world):
    login(world.users[Role.ADMIN])
    client.post("/language", data={"lang": "en"})
    url = f"/analytics/scorecards/{world.dealer_a.id}/reviews?start=2026-03-01&end=2026-03-31"
    data = {"recommendation": "reward", "grade_proposed": "c", "note": "好",
            "start": "2026-03-01", "end": "2026-03-31"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "above the dealer" in response.get_data(as_text=True)
    assert db.session.query(GradeReview).count() == 0
    response = client.post(url, data={**data, "grade_proposed": "a"})
    assert response.status_code == 303
    review = db.session.query(GradeReview).one()
    assert review.created_by == world.users[Role.ADMIN] and review.period_end == MARCH.end


def test_pages_and_scoping(client, login, world):
    login(world.users[Role.DEALER_STAFF])
    assert client.get(f"/analytics/scorecards/{world.dealer_a.id}").status_code == 200
    assert client.get(f"/analytics/scorecards/{world.dealer_b.id}").status_code == 404
    assert client.get("/analytics/scorecards").status_code == 403
    assert "/analytics/scorecards/" in client.get("/home/dealer").get_data(as_text=True)
    login(world.users[Role.SALES_REP])
    page = client.get("/analytics/scorecards?months=6").get_data(as_text=True)
    assert world.dealer_a.code in page and world.dealer_b.code not in page
    assert client.get(f"/analytics/scorecards/{world.dealer_b.id}").status_code == 404
    assert client.post(f"/analytics/scorecards/{world.dealer_b.id}/reviews",
                       data={"note": "x"}).status_code == 404
    assert client.get("/analytics/grade-reviews").status_code == 200


def test_excel_has_the_ranked_table(client, login, world, dealer):
    login(world.users[Role.ADMIN])
    client.post("/language", data={"lang": "en"})
    response = client.get("/analytics/scorecards.xlsx?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                              values_only=True)}
    row = rows[dealer.code]
    assert row["Rank"] == 1 and row["Score"] == pytest.approx(42.8)
    assert row["Cards filed on time"] == pytest.approx(33.3)
    assert (row["Cards on time"], row["Cards due"]) == (1, 3)
    assert (row["Claims rejected"], row["Claims decided"]) == (1, 2)
    assert row["Average satisfaction (1–5)"] == pytest.approx(4.5)
    assert row["Complaints"] == 2 and row["Units sold"] == 3


def test_scorecard_queries_do_not_grow_with_dealers(client, login, world):
    login(world.users[Role.ADMIN])

    def count(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        return counter.count

    def add(n):
        for _ in range(n):
            other = factories.make_dealer()
            _card(other, date(2026, 3, 2))
            factories.make_service_request(other, status="routed",
                                           received_at=datetime(2026, 3, 3, tzinfo=UTC))
        db.session.commit()

    urls = ["/analytics/scorecards", f"/analytics/scorecards/{world.dealer_a.id}",
            "/analytics/scorecards.xlsx"]
    add(2)
    count("/home/admin")
    snapshots.refresh_all(shanghai_today(), utcnow())  # as cron does
    few = [count(url) for url in urls]
    add(10)
    snapshots.refresh_all(shanghai_today(), utcnow())
    assert [count(url) for url in urls] == few


def test_cells_say_their_counts_in_the_readers_language(app):
    from flask_babel import force_locale

    from portal.analytics.scorecard_cells import FIGURES, cells, value
    from portal.analytics.scorecards import Figures

    figures = Figures(cards_on_time=9, cards_due=10, claims_rejected=1, claims_decided=4,
                      lines_rejected=2, lines_decided=9, satisfaction_total=9,
                      satisfaction_count=2, complaints=1, units_sold=50)
    with app.test_request_context():
        with force_locale("en"):
            english = cells(figures)
        with force_locale("zh_Hans_CN"):
            chinese = cells(figures)
    assert [c.title for c in english][:4] == [
        "9 of 10", "nothing to count in the period", "nothing to count in the period",
        "1 of 4 claims rejected; 2 of 9 lines rejected"]
    assert english[6].title == "2.0 per 100 units sold (50 sold)"
    assert [c.text for c in chinese] == [c.text for c in english]
    assert chinese[0].title != english[0].title and "9" in chinese[0].title
    assert [value(figures, key) for key, _l, _t in FIGURES] == [c.value for c in english]


def test_a_rows_badge_cells_show_each_cell_as_the_table_did(app):
    """``badge_cells`` (the table rows' cells as one string) shows every cell: its text, its
    counts as the title, escaped, its tone as the badge's class."""
    from markupsafe import escape

    from portal.analytics.scorecard_cells import badge_cells, cells
    from portal.analytics.scorecards import Figures

    figures = Figures(cards_on_time=9, cards_due=10, claims_rejected=1, claims_decided=4,
                      lines_rejected=2, lines_decided=9, complaints=1, units_sold=50)
    with app.test_request_context():
        shown = cells(figures)
        html = str(badge_cells(shown))
    assert html.count("<td ") == len(shown) == 7
    for c in shown:
        assert (f'<span class="badge {c.tone}" title="{escape(c.title)}">{escape(c.text)}</span>'
                in html)
