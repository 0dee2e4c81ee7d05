"""Stocking plans: opened from the suggestion, saved, refreshed, submitted on time or late,
sent back and approved — and who may do which."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, PartKind
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.core.versioning import StaleVersion
from portal.extensions import db
from portal.planning import services
from portal.planning.basis import explain
from portal.planning.models import PlanSection, PlanStatus
from portal.planning.overview import missing_by_season, season_overview
from portal.planning.suggestion import due_on, suggest
from tests.builders import SPRING_2027, line_of, make_season
from tests.factories import make_dealer, make_part, make_unit

# Due on 2027-02-08 (30 days before the start).
START, END = SPRING_2027
DUE = date(2027, 2, 8)
OPENED = datetime(2027, 1, 10, 2, tzinfo=UTC)


def dealer_user(world):
    return world.users[Role.DEALER_STAFF]


def opened(world, setup):
    return services.open_plan(world.dealer_a, setup.season, actor=dealer_user(world),
                              now=OPENED)


def test_open_plan_from_the_suggestion(world, setup):
    plan = opened(world, setup)
    expected = suggest(world.dealer_a, setup.season, today=date(2027, 1, 10))
    assert plan.status == PlanStatus.DRAFT and plan.working_units == 10
    assert [(line.part_id, line.section, line.suggested_qty, line.quantity)
            for line in plan.lines] == [
        (s.part.id, s.section, s.suggested_qty, s.suggested_qty) for s in expected.lines]
    # 10 × (0.01 prior + 0.2) = 2.1 → 2 main parts; 10 × (0.03 + 0.5) = 5.3 → 5 wear parts.
    assert [(line.position, line.section, line.quantity) for line in plan.lines] == [
        (1, PlanSection.WARRANTY, 2), (2, PlanSection.WEAR, 5)]
    assert line_of(plan, setup.main).unit_price == Decimal("100.00")
    assert plan.total_amount == Decimal("262.50")
    assert plan.suggested_at == OPENED
    assert line_of(plan, setup.wear).basis["history"] == "thin"
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "stocking_plans")).one()
    assert (entry.action, entry.to_state) == ("create", "draft")
    assert opened(world, setup).id == plan.id  # opening again finds it


def test_explain_in_plain_words(world, setup):
    line = line_of(opened(world, setup), setup.wear)
    with force_locale("en"):
        text = explain(line.basis, line.suggested_qty, "wear")
        assert text == ("10 working units × (0.03 failures + 0.5 consumed) per unit and season "
                        "= 5.3 → 5; rate: no failure history yet: the default rate of wear "
                        "parts")
        basis = {"units": 42, "failures": 9, "exposure": 290, "rate": "0.0310",
                 "prior_rate": "0.0200", "prior": "pooled", "history": "thin",
                 "consumption": "0.500", "expected": "14.20",
                 "seasons": ["2025 秋季", "2026 春季"]}
        assert explain(basis, 14, "main") == (
            "42 working units × (0.031 failures + 0.5 consumed) per unit and season = 14.2 → "
            "14; rate: 9 failures over 290 unit-seasons in 2025 秋季, 2026 春季; thin history, "
            "pulled towards the 0.02 average of main parts")
        basis.update(consumption="0", exposure=0, failures=0, expected="0.84")
        assert explain(basis, 1, "main") == (
            "42 working units × 0.031 failures per unit and season = 0.84 → 1; rate: no "
            "failure history for this part yet: the 0.02 average of main parts")


def test_open_refuses_seasons_that_do_not_concern_the_dealer(world, setup):
    staff = dealer_user(world)
    optional = make_season("不需计划", START, END, required=False)
    combines = make_season("收获季", START, END, categories=[ModelCategory.COMBINE.value])
    over = make_season("2026 春季", date(2026, 3, 10), date(2026, 6, 15))
    for season in (optional, combines, over):
        with pytest.raises(DomainError):
            services.open_plan(world.dealer_a, season, actor=staff, now=OPENED)
    with pytest.raises(DomainError):  # someone else's dealer
        services.open_plan(world.dealer_b, setup.season, actor=staff, now=OPENED)
    with pytest.raises(DomainError):  # head office does not draft a dealer's plan
        services.open_plan(world.dealer_a, setup.season, actor=world.users[Role.CLERK])


def test_the_seasons_concerning_a_dealer_are_asked_in_one_query(world, setup):
    """``concerning`` keeps exactly the seasons ``concerns`` says ask the dealer for a plan."""
    from portal.planning.suggestion import concerning, concerns

    seasons = [setup.season, make_season("不需计划", START, END, required=False),
               make_season("收获季", START, END, categories=[ModelCategory.COMBINE.value]),
               make_season("山东", START, END, provinces=[world.dealer_a.province]),
               make_season("别省", START, END, provinces=["西藏自治区"])]
    for dealer in (world.dealer_a, world.dealer_b):
        assert concerning(seasons, dealer) == [s for s in seasons if concerns(s, dealer)]
    assert concerning(seasons, world.dealer_a) != concerning(seasons, world.dealer_b)
    assert concerning([], world.dealer_a) == []


@pytest.mark.parametrize("bad", ["-1", "abc", "10000", "2.5", "", None])
def test_save_refuses_bad_quantities_and_changes_nothing(world, setup, bad):
    plan = opened(world, setup)
    db.session.flush()
    version = plan.version
    with pytest.raises(DomainError) as refused:
        services.save_plan(plan, {setup.main.id: "7", setup.wear.id: bad}, "备注",
                           actor=dealer_user(world), version=version)
    assert refused.value.field == f"qty-{setup.wear.id}"
    db.session.flush()
    assert (line_of(plan, setup.main).quantity, line_of(plan, setup.wear).quantity) == (2, 5)
    assert plan.note == "" and plan.version == version


def test_save_keeps_quantities_note_and_total(world, setup):
    plan = opened(world, setup)
    db.session.flush()
    services.save_plan(plan, {setup.main.id: "3", setup.wear.id: 0}, "多备一件",
                       actor=dealer_user(world), version=plan.version)
    db.session.flush()
    assert line_of(plan, setup.main).overridden and line_of(plan, setup.wear).overridden
    assert plan.total_amount == Decimal("300.00") and plan.note == "多备一件"
    with pytest.raises(StaleVersion):
        services.save_plan(plan, {}, "x", actor=dealer_user(world), version=plan.version - 1)
    with pytest.raises(DomainError):  # dealer B's staff
        services.save_plan(plan, {}, "x", actor=world.dealer_b_admin, version=plan.version)


def test_refresh_follows_the_suggestion_but_keeps_overrides(world, setup):
    plan = opened(world, setup)
    db.session.flush()
    services.save_plan(plan, {setup.wear.id: "9"}, None, actor=dealer_user(world),
                       version=plan.version)
    setup.main.season_consumption = Decimal("0.5")  # 10 × 0.51 = 5.1 → 5
    setup.wear.season_consumption = Decimal("1.0")  # 10 × 1.03 = 10.3 → 10
    added = make_part("PLAN-A0", models=[setup.model], kind=PartKind.MAIN,
                      price=Decimal("1.00"), season_consumption=Decimal("0.1"))
    db.session.flush()
    services.refresh_suggestions(plan, actor=dealer_user(world), version=plan.version)
    db.session.flush()
    main, wear, new = (line_of(plan, p) for p in (setup.main, setup.wear, added))
    assert (main.suggested_qty, main.quantity) == (5, 5)
    assert (wear.suggested_qty, wear.quantity) == (10, 9)
    assert (new.suggested_qty, new.quantity) == (1, 1)
    ordered = sorted(plan.lines, key=lambda line: line.position)
    assert [line.part.part_number for line in ordered] == ["PLAN-A0", "PLAN-M1", "PLAN-W1"]
    assert [line.position for line in ordered] == [1, 2, 3]
    assert plan.total_amount == Decimal("613.50")
    # A part no longer suggested keeps its line.
    setup.main.is_active = False
    db.session.flush()
    services.refresh_suggestions(plan, actor=dealer_user(world), version=plan.version)
    assert line_of(plan, setup.main).quantity == 5


def _at_shanghai(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - \
        (datetime(2000, 1, 1, 8, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC))


def test_submit_on_the_due_date_is_on_time_the_day_after_late(world, setup):
    assert due_on(setup.season) == DUE
    plan = opened(world, setup)
    services.submit_plan(plan, actor=dealer_user(world), version=plan.version,
                         now=_at_shanghai(DUE, 23))  # 15:00 UTC on the due date
    assert plan.status == PlanStatus.SUBMITTED and not plan.submitted_late
    other = make_dealer(province="山东省")
    make_unit(model=setup.model, dealer=other)
    staff = _dealer_staff(other)
    late = services.open_plan(other, setup.season, actor=staff, now=OPENED)
    services.submit_plan(late, actor=staff, version=late.version,
                         now=_at_shanghai(date(2027, 2, 9), 0))  # 16:00 UTC on the due date
    assert late.submitted_late
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "submit", AuditEntry.entity_id == str(late.id))).one()
    assert (entry.from_state, entry.to_state) == ("draft", "submitted")
    assert "2027-02-08" in entry.reason


def _dealer_staff(dealer):
    from tests.factories import make_user

    return make_user(Role.DEALER_STAFF, dealer=dealer)


def test_an_all_zero_plan_needs_a_note(world, setup):
    plan = opened(world, setup)
    db.session.flush()
    zeros = {setup.main.id: 0, setup.wear.id: 0}
    with pytest.raises(DomainError) as refused:
        services.save_and_submit(plan, zeros, "", actor=dealer_user(world),
                                 version=plan.version)
    assert refused.value.field == "note"
    services.save_and_submit(plan, zeros, "去年库存足够", actor=dealer_user(world),
                             version=plan.version)
    assert plan.status == PlanStatus.SUBMITTED and plan.total_amount == 0


def test_send_back_then_approve_with_reasons(world, setup):
    staff, rep = dealer_user(world), world.users[Role.SALES_REP]
    plan = opened(world, setup)
    first = _at_shanghai(date(2027, 2, 1), 10)
    services.submit_plan(plan, actor=staff, version=plan.version, now=first)
    db.session.flush()
    for outsider in (staff, world.rep_b, world.users[Role.TECHNICAL],
                     world.users[Role.FINANCE]):
        with pytest.raises(DomainError):
            services.return_plan(plan, "改", actor=outsider, version=plan.version)
        with pytest.raises(DomainError):
            services.approve_plan(plan, {}, {}, "", actor=outsider, version=plan.version)
    with pytest.raises(DomainError) as refused:
        services.return_plan(plan, "  ", actor=rep, version=plan.version)
    assert refused.value.field == "reason"
    services.return_plan(plan, "易损件太少", actor=rep, version=plan.version)
    assert plan.status == PlanStatus.DRAFT and plan.returned_reason == "易损件太少"
    db.session.flush()
    # Resubmitted after the due date: the first submission was on time, and stays so.
    services.submit_plan(plan, actor=staff, version=plan.version,
                         now=_at_shanghai(date(2027, 2, 20), 10))
    assert plan.returned_reason == "" and not plan.submitted_late
    assert plan.submitted_at == first
    db.session.flush()
    main, wear = line_of(plan, setup.main), line_of(plan, setup.wear)
    with pytest.raises(DomainError) as refused:
        services.approve_plan(plan, {main.id: "4", wear.id: ""}, {}, "", actor=rep,
                              version=plan.version)
    assert refused.value.field == f"line-{main.id}"
    with pytest.raises(DomainError) as refused:
        services.approve_plan(plan, {wear.id: "x"}, {}, "", actor=rep, version=plan.version)
    assert refused.value.field == f"line-{wear.id}"
    services.approve_plan(plan, {main.id: "4", wear.id: "5"}, {main.id: "新机多"}, "同意",
                          actor=world.users[Role.CLERK], version=plan.version)
    assert plan.status == PlanStatus.APPROVED and plan.review_note == "同意"
    assert (main.approved_qty, main.adjust_reason, main.final_qty) == (4, "新机多", 4)
    assert (wear.approved_qty, wear.final_qty) == (None, 5)  # as asked
    assert plan.approved_amount == Decimal("462.50")
    assert plan.reviewed_by_id == world.users[Role.CLERK].id
    with pytest.raises(services.WrongState):
        services.save_plan(plan, {}, "x", actor=staff, version=plan.version)


def test_overview_lists_missing_plans(world, setup):
    staff = dealer_user(world)
    clerk, rep = world.users[Role.CLERK], world.users[Role.SALES_REP]
    before = season_overview(setup.season, clerk, today=DUE)
    assert [(r.dealer.code, r.state, r.missing) for r in before.rows] == [
        ("DA-01", "none", False), ("DB-01", "none", False)]
    plan = opened(world, setup)
    after = date(2027, 2, 9)
    overview = season_overview(setup.season, clerk, today=after)
    assert [(r.dealer.code, r.state, r.missing) for r in overview.rows] == [
        ("DA-01", "draft", True), ("DB-01", "none", True)]
    services.submit_plan(plan, actor=staff, version=plan.version,
                         now=_at_shanghai(after, 9))
    overview = season_overview(setup.season, clerk, today=after, missing_only=True)
    assert [r.dealer.code for r in overview.rows] == ["DB-01"] and overview.missing == 1
    everyone = season_overview(setup.season, clerk, today=after)
    assert [r.state for r in everyone.rows] == ["late", "none"]
    assert [r.dealer.code for r in season_overview(setup.season, rep, today=after).rows] == [
        "DA-01"]
    # a page at a time by dealer code; the counts are over every dealer asked, not the page
    first = season_overview(setup.season, clerk, today=after, size=1)
    assert [r.dealer.code for r in first.rows] == ["DA-01"] and first.next_after == "DA-01"
    assert (first.total, first.missing) == (2, 1)
    rest = season_overview(setup.season, clerk, today=after, size=1, after=first.next_after)
    assert [r.dealer.code for r in rest.rows] == ["DB-01"] and rest.next_after is None
    assert (rest.total, rest.missing) == (2, 1)
    # The clerk's home counts it from the due date until the season ends.
    assert missing_by_season(clerk, after) == [(setup.season, 1)]
    assert missing_by_season(clerk, DUE) == []
    assert missing_by_season(clerk, date(2027, 6, 16)) == []
