"""Suggested stocking quantities on a known history, the thin-history prior and due dates."""

from datetime import date
from decimal import Decimal

import pytest

from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, PartKind, PolicySettings, SeasonKind
from portal.claims.models import Decision, LineKind
from portal.dealers.models import DealerStatus
from portal.extensions import db
from portal.planning.models import PlanSection
from portal.planning.suggestion import (
    DEFAULT_PRIOR,
    PRIOR_WEIGHT,
    due_on,
    history_seasons,
    required_dealers,
    suggest,
)
from portal.stock.models import FreightPayer, StockReturn, StockReturnReason
from tests.builders import make_season
from tests.factories import (
    make_card,
    make_claim,
    make_dealer,
    make_model,
    make_part,
    make_unit,
    make_user,
)

TODAY = date(2026, 11, 23)
def approved_failure(unit, part, quantity, failure_date, *, status="approved",
                     decision=Decision.APPROVED):
    return make_claim(unit, status=status, failure_date=failure_date, lines=[{
        "kind": LineKind.PART, "part_id": part.id, "quantity": quantity,
        "amount": Decimal("100.00"), "decision": decision}])


@pytest.fixture
def history(app):
    """Two past operating seasons; ten units sold by another dealer in 2025 and one in 2024;
    twelve approved failures of part P1 inside the seasons, and claims that must not count."""
    tractor = make_model(category=ModelCategory.TRACTOR_LARGE, whole_months=24)
    combine = make_model(category=ModelCategory.COMBINE)
    p1 = make_part(models=[tractor], kind=PartKind.MAIN)
    p3 = make_part(models=[tractor], kind=PartKind.MAIN)
    w1 = make_part(models=[tractor], kind=PartKind.WEAR, season_consumption=Decimal("0.5"))
    p_combine = make_part(models=[combine], kind=PartKind.MAIN)
    h1 = make_season("2025 秋季", date(2025, 9, 15), date(2025, 11, 15))
    h2 = make_season("2026 春季", date(2026, 3, 10), date(2026, 6, 15))
    target = make_season("2027 春季", date(2027, 3, 10), date(2027, 6, 15))

    other = make_dealer(province="河南省")
    units = [make_unit(model=tractor, dealer=other) for _ in range(10)]
    for unit in units:
        make_card(unit, sale_date=date(2025, 5, 1))
    # Sold at the start of 2024: its 24 months end before 2026 spring, so only 2025 autumn.
    old = make_unit(model=tractor, dealer=other)
    make_card(old, sale_date=date(2024, 1, 1))
    for n, day in enumerate([date(2025, 9, 15), date(2025, 11, 15), date(2026, 3, 10),
                             date(2026, 6, 15)]):
        approved_failure(units[n], p1, 3, day, status="partly_approved" if n else "approved",
                         decision=Decision.REDUCED if n == 3 else Decision.APPROVED)
    # Not counted: a rejected line, a draft, a failure between the seasons, a submitted claim.
    approved_failure(units[5], p1, 5, date(2025, 10, 1), decision=Decision.REJECTED)
    approved_failure(units[6], p1, 5, date(2025, 10, 1), status="draft")
    approved_failure(units[7], p1, 5, date(2025, 12, 1))
    approved_failure(units[8], p1, 5, date(2026, 4, 1), status="submitted",
                     decision=Decision.PENDING)

    dealer = make_dealer(province="山东省")
    for _ in range(4):
        make_card(make_unit(model=tractor, dealer=dealer), sale_date=date(2026, 7, 1))
    for _ in range(2):
        make_unit(model=tractor, dealer=dealer)  # unsold, in stock
    # Sold in 2024 with 24 months: out of warranty by 2027 spring.
    make_card(make_unit(model=tractor, dealer=dealer), sale_date=date(2024, 1, 1))
    # In stock but on its way back to the factory.
    leaving = make_unit(model=tractor, dealer=dealer)
    db.session.add(StockReturn(number="FC-T-1", dealer_id=dealer.id, unit_id=leaving.id,
                               reason=StockReturnReason.DEFECTIVE,
                               freight_payer=FreightPayer.MAKER,
                               requested_by_id=make_user(Role.DEALER_STAFF, dealer).id))
    db.session.flush()
    return {"dealer": dealer, "target": target, "h1": h1, "h2": h2, "p1": p1, "p3": p3,
            "w1": w1, "p_combine": p_combine, "tractor": tractor, "combine": combine}


def test_suggestion_arithmetic_on_a_known_history(history):
    result = suggest(history["dealer"], history["target"], today=TODAY)
    assert result.working_units == 6
    assert result.units_basis == {"sold": 4, "in_stock": 2,
                                  "by_model": {history["tractor"].code: 6}}
    lines = {line.part.id: line for line in result.lines}
    # Only parts that fit the dealer's working models; warranty section first.
    assert set(lines) == {history["p1"].id, history["p3"].id, history["w1"].id}
    assert [line.section for line in result.lines] == [
        PlanSection.WARRANTY, PlanSection.WARRANTY, PlanSection.WEAR]

    # Exposure: 10 units × 2 seasons + the two units sold in 2024, in 2025 autumn only = 22
    # unit-seasons. P1 failed 4 × 3 = 12 times; P3 never. Main parts pooled: 12 / 44 = 0.2727.
    p1 = lines[history["p1"].id]
    assert p1.basis["exposure"] == 22
    assert p1.basis["failures"] == 12
    assert p1.basis["observed_rate"] == "0.5455"
    assert p1.basis["prior_rate"] == "0.2727"
    assert p1.basis["prior_weight"] == PRIOR_WEIGHT == 200
    # (12 + 200 × 0.2727) / (22 + 200) = 66.54 / 222 = 0.29972… → 0.2997
    assert p1.basis["rate"] == "0.2997"
    # 6 × 0.2997 = 1.7982 → 1.80 → 2
    assert p1.basis["expected"] == "1.80"
    assert p1.suggested_qty == 2
    assert p1.basis["history"] == "thin"
    assert p1.basis["seasons"] == ["2026 春季", "2025 秋季"]
    assert p1.basis["units"] == 6

    p3 = lines[history["p3"].id]
    assert p3.basis["failures"] == 0 and p3.basis["observed_rate"] == "0.0000"
    # 54.54 / 222 = 0.24567… → 0.2457; 6 × 0.2457 = 1.4742 → 1.47 → 1
    assert (p3.basis["rate"], p3.basis["expected"], p3.suggested_qty) == ("0.2457", "1.47", 1)

    w1 = lines[history["w1"].id]
    # No wear part ever failed: prior 0, rate 0; consumption 0.5 × 6 = 3.
    assert (w1.basis["prior_rate"], w1.basis["rate"]) == ("0.0000", "0.0000")
    assert (w1.basis["consumption"], w1.basis["expected"], w1.suggested_qty) == \
        ("0.500", "3.00", 3)


def test_no_history_falls_back_to_the_default_prior(app):
    tractor = make_model(category=ModelCategory.TRACTOR_LARGE)
    part = make_part(models=[tractor], kind=PartKind.MAIN)
    target = make_season("2027 春季", date(2027, 3, 10), date(2027, 6, 15))
    dealer = make_dealer()
    for _ in range(120):
        make_unit(model=tractor, dealer=dealer)
    [line] = suggest(dealer, target, today=TODAY).lines
    assert line.part.id == part.id
    assert line.basis["seasons"] == [] and line.basis["exposure"] == 0
    assert line.basis["observed_rate"] is None
    assert line.basis["rate"] == str(DEFAULT_PRIOR[PartKind.MAIN]) == "0.0100"
    # 120 × 0.01 = 1.20 → 1
    assert (line.basis["expected"], line.suggested_qty) == ("1.20", 1)


def test_a_long_history_outweighs_the_prior(app):
    tractor = make_model(category=ModelCategory.TRACTOR_LARGE, whole_months=36)
    part = make_part(models=[tractor], kind=PartKind.MAIN)
    quiet = make_part(models=[tractor], kind=PartKind.MAIN)
    make_season("2026 春季", date(2026, 3, 10), date(2026, 6, 15))
    target = make_season("2027 春季", date(2027, 3, 10), date(2027, 6, 15))
    dealer = make_dealer()
    units = [make_unit(model=tractor, dealer=dealer) for _ in range(400)]
    for unit in units:
        make_card(unit, sale_date=date(2025, 1, 1))
    approved_failure(units[0], part, 40, date(2026, 4, 1))
    lines = {line.part.id: line for line in suggest(dealer, target, today=TODAY).lines}
    line = lines[part.id]
    # Observed 40 / 400 = 0.1; pooled (40 + 0) / 800 = 0.05;
    # (40 + 200 × 0.05) / (400 + 200) = 50 / 600 = 0.0833
    assert (line.basis["observed_rate"], line.basis["prior_rate"]) == ("0.1000", "0.0500")
    assert line.basis["rate"] == "0.0833" and line.basis["history"] == "ok"
    # 400 working units × 0.0833 = 33.32 → 33
    assert (line.basis["expected"], line.suggested_qty) == ("33.32", 33)
    assert lines[quiet.id].basis["rate"] == "0.0167"  # 10 / 600


def test_history_seasons_are_earlier_over_and_share_a_category(app):
    target = make_season("2027 春季", date(2027, 3, 10), date(2027, 6, 15))
    old = [make_season(f"S{n}", date(2020 + n, 3, 10), date(2020 + n, 6, 15)) for n in range(6)]
    make_season("combines", date(2026, 5, 25), date(2026, 6, 25), categories=["combine"])
    make_season("selling", date(2026, 1, 15), date(2026, 4, 30), kind=SeasonKind.SELLING)
    running = make_season("running", date(2026, 9, 15), date(2026, 11, 23))  # ends today
    found = history_seasons(target, TODAY)
    assert [s.name for s in found] == ["S5", "S4", "S3", "S2"]
    assert running not in found and old[0] not in found


def test_due_date_is_lead_days_before_the_start(app):
    target = make_season("2027 春季", date(2027, 3, 10), date(2027, 6, 15))
    assert due_on(target) == date(2027, 2, 8)  # 30 days by default
    policy = PolicySettings.current()
    policy.plan_lead_days = 45
    db.session.add(policy)
    db.session.flush()
    assert due_on(target) == date(2027, 1, 24)


def test_required_dealers_by_province_category_and_status(app):
    tractor = make_model(category=ModelCategory.TRACTOR_LARGE)
    combine = make_model(category=ModelCategory.COMBINE)
    shandong = make_dealer(province="山东省")
    make_unit(model=tractor, dealer=shandong)
    henan = make_dealer(province="河南省")
    make_unit(model=tractor, dealer=henan)
    combines_only = make_dealer(province="山东省")
    make_unit(model=combine, dealer=combines_only)
    suspended = make_dealer(province="山东省", status=DealerStatus.SUSPENDED)
    make_unit(model=tractor, dealer=suspended)
    no_units = make_dealer(province="山东省")

    everywhere = make_season("2027 春季", date(2027, 3, 10), date(2027, 6, 15))
    assert {d.id for d in required_dealers(everywhere)} >= {shandong.id, henan.id}
    ids = {d.id for d in required_dealers(everywhere)}
    assert not ids & {combines_only.id, suspended.id, no_units.id}

    in_shandong = make_season("鲁", date(2027, 3, 10), date(2027, 6, 15), provinces=["山东省"])
    ids = {d.id for d in required_dealers(in_shandong)}
    assert shandong.id in ids and henan.id not in ids

    optional = make_season("可选", date(2027, 3, 10), date(2027, 6, 15), required=False)
    assert required_dealers(optional) == []
