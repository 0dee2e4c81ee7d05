"""The buyer's entitlements as the 2010 规定 states them: a new main part or system (第二十九条),
an exchange (第二十八条, 第三十条), a refund (第三十条, no machine of the same model); the daily
command; the API and the pages that show them."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import FaultCode, FaultSeverity, ModelCategory, Season
from portal.claims import entitlements, services
from portal.claims.models import FlagKind, FlagRule, LineKind, UnitFlag
from portal.core.errors import DomainError
from portal.service.entitlements import refund_for_no_same_model, resolve_flag
from portal.workflow import claims as workflow
from tests import builders, factories
from tests.builders import make_season, sign

TODAY = date(2025, 12, 31)  # every story below happened before it
SALE = date(2025, 2, 1)
SPRING = (date(2025, 3, 10), date(2025, 6, 15))  # first season's window: 10 March – 9 April

ready_claim = partial(builders.ready_claim, today=TODAY)
open_claim = partial(builders.open_claim, today=TODAY)


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def dealer(world):
    return world.users[Role.DEALER_STAFF]


def workshop(world, sale=SALE):
    """Dealer A's sold unit and tables; its parts stay with the dealer (no old part is owed,
    so months of repairs never hold the dealer's claims)."""
    shop = factories.workshop(world.dealer_a, sale_date=sale)
    shop.main_part.return_required = shop.wear_part.return_required = False
    return shop


@pytest.fixture
def shop(world):
    return workshop(world)


def serious(shop):
    shop.fault.severity = FaultSeverity.SERIOUS
    return shop


def repair(shop, dealer, failure: date, *, part=None, n=1):
    """A warranty repair of the shop's fault, failed on ``failure``, filed two days later."""
    claim = open_claim(shop, dealer, failure=failure, hours=str(100 * n))
    services.add_line(claim, LineKind.PART, {"part_id": (part or shop.main_part).id,
                                             "quantity": 1}, actor=dealer)
    sign(claim, dealer)
    workflow.submit(claim, actor=dealer, today=failure + timedelta(days=3))
    return claim


def flags_of(unit):
    return sa.select(UnitFlag).where(UnitFlag.unit_id == unit.id).order_by(UnitFlag.id)


def raised(db, unit):
    return [(f.kind, f.rule) for f in db.session.scalars(flags_of(unit))]


# ---------------------------------------------------------------- 第二十九条: a new main part


def test_the_third_serious_failure_raises_a_replacement_the_second_does_not(shop, dealer, db):
    serious(shop)
    repair(shop, dealer, date(2025, 5, 2), n=1)
    repair(shop, dealer, date(2025, 6, 20), n=2)
    assert raised(db, shop.unit) == []
    third = repair(shop, dealer, date(2025, 8, 1), n=3)
    flag = db.session.scalars(flags_of(shop.unit)).one()
    assert (flag.kind, flag.rule) == (FlagKind.REPLACE_PART, FlagRule.SERIOUS_REPEAT)
    assert (flag.fault_code_id, flag.part_id, flag.claim_id) == (
        shop.fault.id, shop.main_part.id, third.id)
    assert flag.raised_on == date(2025, 8, 4)  # the day the third repair was filed
    assert "failed 3 times: 2025-05-02, 2025-06-20, 2025-08-01" in flag.detail
    repair(shop, dealer, date(2025, 9, 1), n=4)  # the replacement not yet done: one more repair
    assert raised(db, shop.unit) == [(FlagKind.REPLACE_PART, FlagRule.SERIOUS_REPEAT)]


def test_the_same_problem_is_the_same_fault_not_the_same_part(shop, dealer, db):
    serious(shop)
    other = FaultCode(code="F-OTHER", description="转向沉重", severity=FaultSeverity.SERIOUS)
    db.session.add(other)
    db.session.flush()
    repair(shop, dealer, date(2025, 5, 2), n=1)
    repair(shop, dealer, date(2025, 6, 20), n=2)
    third = open_claim(shop, dealer, failure=date(2025, 8, 1), hours="300")
    services.update_claim(third, {"fault_code_id": other.id}, actor=dealer, today=TODAY)
    services.add_line(third, LineKind.PART, {"part_id": shop.main_part.id, "quantity": 1},
                      actor=dealer)
    sign(third, dealer)
    workflow.submit(third, actor=dealer, today=date(2025, 8, 4))
    assert raised(db, shop.unit) == []  # the same part, but another fault


def test_a_general_problem_repeating_outside_the_first_season_raises_nothing(shop, dealer, db):
    for n, day in enumerate((date(2025, 5, 2), date(2025, 6, 20), date(2025, 8, 1)), 1):
        repair(shop, dealer, day, n=n)
    assert raised(db, shop.unit) == []


@pytest.mark.parametrize(("third", "flagged"), [(date(2025, 4, 9), True),
                                                (date(2025, 4, 10), False)])
def test_first_season_window_edges(shop, dealer, db, third, flagged):
    make_season("2025春耕", *SPRING)
    repair(shop, dealer, date(2025, 3, 12), n=1)
    repair(shop, dealer, date(2025, 3, 25), n=2)
    repair(shop, dealer, third, n=3)
    expected = [(FlagKind.REPLACE_PART, FlagRule.FIRST_SEASON_REPEAT)] if flagged else []
    assert raised(db, shop.unit) == expected


def test_first_season_general_problem_of_a_wear_part_raises_nothing(shop, dealer, db):
    make_season("2025春耕", *SPRING)
    for n, day in enumerate((date(2025, 3, 12), date(2025, 3, 20), date(2025, 3, 28)), 1):
        repair(shop, dealer, day, part=shop.wear_part, n=n)
    assert raised(db, shop.unit) == []


def test_the_first_season_is_the_first_covering_the_unit_after_purchase():
    autumn = Season(name="秋", start_on=date(2024, 9, 15), end_on=date(2024, 11, 15),
                             categories=["tractor_large"], provinces=[])
    combines = Season(name="麦收", start_on=date(2025, 2, 20),
                               end_on=date(2025, 3, 1), categories=["combine"], provinces=[])
    elsewhere = Season(name="南方", start_on=date(2025, 2, 25),
                                end_on=date(2025, 5, 1), categories=["tractor_large"],
                                provinces=["广东省"])
    spring = Season(name="春", start_on=date(2025, 3, 10), end_on=date(2025, 6, 15),
                             categories=["tractor_large"], provinces=["山东省"])
    seasons = [spring, elsewhere, combines, autumn]
    window = entitlements.first_season_window(date(2025, 2, 1), seasons,
                                              ModelCategory.TRACTOR_LARGE, "山东省")
    assert window == (date(2025, 3, 10), date(2025, 4, 9))
    # Bought in the middle of a season: that season is the first one.
    assert entitlements.first_season_window(date(2025, 4, 1), seasons,
                                            ModelCategory.TRACTOR_LARGE, "山东省")[0] == (
        date(2025, 3, 10))
    assert entitlements.first_season_window(date(2025, 7, 1), seasons,
                                            ModelCategory.TRACTOR_LARGE, "山东省") is None


def test_replacement_due_counts_two_repairs_before():
    days = [date(2025, 3, 12), date(2025, 3, 20), date(2025, 3, 28)]
    window = (date(2025, 3, 10), date(2025, 4, 9))
    due = entitlements.replacement_due
    assert due(FaultSeverity.SERIOUS, days[:2], None, False) is None
    assert due(FaultSeverity.SERIOUS, days, None, True) == FlagRule.SERIOUS_REPEAT
    assert due(FaultSeverity.GENERAL, days, window, False) == FlagRule.FIRST_SEASON_REPEAT
    assert due(FaultSeverity.GENERAL, days, window, True) is None
    assert due(FaultSeverity.GENERAL, days, None, False) is None
    assert due(FaultSeverity.GENERAL, [date(2025, 3, 9), *days[1:]], window, False) is None


# ---------------------------------------------------------------- 第三十条: exchange, refund


def test_back_after_the_replacement_raises_an_exchange(shop, dealer, world, db):
    serious(shop)
    for n, day in enumerate((date(2025, 5, 2), date(2025, 6, 20), date(2025, 8, 1)), 1):
        repair(shop, dealer, day, n=n)
    replace = db.session.scalars(flags_of(shop.unit)).one()
    resolve_flag(replace, "已更换转向器总成", actor=world.users[Role.CLERK],
                 now=datetime(2025, 8, 10, 3, tzinfo=UTC))
    repair(shop, dealer, date(2025, 9, 1), n=4)
    assert raised(db, shop.unit) == [(FlagKind.REPLACE_PART, FlagRule.SERIOUS_REPEAT),
                                     (FlagKind.EXCHANGE, FlagRule.AFTER_REPLACEMENT)]
    repair(shop, dealer, date(2025, 10, 1), n=5)  # raised once
    assert len(raised(db, shop.unit)) == 2


def test_back_on_the_machine_given_in_exchange_raises_a_refund(shop, dealer, world, db):
    first = repair(shop, dealer, date(2025, 5, 2))
    exchange = UnitFlag(unit_id=shop.unit.id, kind=FlagKind.EXCHANGE,
                        rule=FlagRule.REPAIR_OVERDUE, claim_id=first.id,
                        fault_code_id=shop.fault.id, raised_on=date(2025, 6, 20))
    db.session.add(exchange)
    new = workshop(world)
    new.unit.model = shop.unit.model
    db.session.flush()
    with pytest.raises(DomainError):
        resolve_flag(exchange, "换机", actor=world.users[Role.CLERK],
                     now=datetime(2025, 7, 1, tzinfo=UTC), replacement_unit=shop.unit)
    resolve_flag(exchange, "已换新机", actor=world.users[Role.CLERK],
                 now=datetime(2025, 7, 1, tzinfo=UTC), replacement_unit=new.unit)
    repair(replace(shop, unit=new.unit, fault=new.fault), dealer, date(2025, 8, 1))
    assert raised(db, new.unit) == []  # another fault: a repair
    repair(replace(shop, unit=new.unit), dealer, date(2025, 9, 1), n=2)
    assert raised(db, new.unit) == [(FlagKind.REFUND, FlagRule.AFTER_EXCHANGE)]


def test_no_machine_of_the_same_model_turns_an_exchange_into_a_refund(shop, dealer, world, db):
    claim = repair(shop, dealer, date(2025, 5, 2))
    exchange = entitlements.raise_flag(claim, entitlements.Raise(
        FlagKind.EXCHANGE, FlagRule.REPAIR_OVERDUE, "31 working days"), today=date(2025, 6, 1))
    refund = refund_for_no_same_model(exchange, "该型号已停产", actor=world.users[Role.CLERK],
                                      today=date(2025, 6, 3),
                                      now=datetime(2025, 6, 3, 2, tzinfo=UTC))
    assert exchange.resolution == "该型号已停产" and exchange.resolved_at
    assert (refund.kind, refund.rule, refund.raised_on) == (
        FlagKind.REFUND, FlagRule.NO_SAME_MODEL, date(2025, 6, 3))
    assert refund.fault_code_id == shop.fault.id and "该型号已停产" in refund.detail
    with pytest.raises(DomainError):
        refund_for_no_same_model(refund, "x", actor=world.users[Role.CLERK],
                                 today=date(2025, 6, 3), now=datetime(2025, 6, 3, tzinfo=UTC))


# ---------------------------------------------------------------- 第二十八条: 30 working days


def _open_repair(world, dealer):
    """Handed in on Friday 2025-02-21, still in the workshop: with the Qingming holiday
    (4–6 April) the 30th working day after it is Monday 7 April."""
    shop = workshop(world, date(2025, 1, 10))
    claim = services.create_claim(shop.unit, {
        "failure_date": date(2025, 2, 20), "handed_in_on": date(2025, 2, 21),
        "hour_meter": Decimal("120.0"), "fault_code_id": shop.fault.id,
        "description": "变速箱漏油"}, actor=dealer,
        today=date(2025, 2, 21))
    return shop, claim


def test_an_open_repair_is_flagged_on_the_day_its_30_working_days_pass(world, dealer, db):
    shop, claim = _open_repair(world, dealer)
    assert entitlements.raise_overdue_repairs(date(2025, 4, 7)) == []
    flags = entitlements.raise_overdue_repairs(date(2025, 4, 8))
    assert [(f.kind, f.rule, f.raised_on, f.claim_id) for f in flags] == [
        (FlagKind.EXCHANGE, FlagRule.REPAIR_OVERDUE, date(2025, 4, 8), claim.id)]
    assert "31 working days" in flags[0].detail
    assert entitlements.raise_overdue_repairs(date(2025, 4, 8)) == []  # idempotent
    assert entitlements.raise_overdue_repairs(date(2025, 4, 20)) == []
    # Finished and filed later: the entitlement stands, and is not raised twice.
    services.update_claim(claim, {"handed_in_on": date(2025, 2, 21),
                                  "completed_on": date(2025, 4, 25)}, actor=dealer,
                          today=date(2025, 4, 25))
    services.add_line(claim, LineKind.PART, {"part_id": shop.main_part.id, "quantity": 1},
                      actor=dealer)
    sign(claim, dealer)
    workflow.submit(claim, actor=dealer, today=date(2025, 4, 26))
    assert raised(db, shop.unit) == [(FlagKind.EXCHANGE, FlagRule.REPAIR_OVERDUE)]


def test_the_daily_command_is_idempotent(world, dealer, db, runner):
    shop, _claim = _open_repair(world, dealer)
    db.session.commit()
    result = runner.invoke(args=["entitlements", "raise", "--today", "2025-04-08"])
    assert result.exit_code == 0, result.output
    assert "2025-04-08: 1 exchange entitlements raised" in result.output
    assert shop.unit.serial in result.output
    again = runner.invoke(args=["entitlements", "raise", "--today", "2025-04-08"])
    assert "0 exchange entitlements raised" in again.output
    bad = runner.invoke(args=["entitlements", "raise", "--today", "2025-13-01"])
    assert bad.exit_code != 0 and "2026-12-07" in bad.output


def test_a_repair_finished_in_time_is_not_overdue(world, dealer, db):
    shop, claim = _open_repair(world, dealer)
    services.update_claim(claim, {"handed_in_on": date(2025, 2, 21),
                                  "completed_on": date(2025, 3, 20)}, actor=dealer,
                          today=date(2025, 3, 20))
    assert entitlements.raise_overdue_repairs(date(2025, 5, 1)) == []


# ---------------------------------------------------------------- the API and the pages


def test_put_fault_code_creates_updates_and_refuses(api, db):
    created = api("PUT", "/fault-codes/E77", json={"description": "缸盖裂纹",
                                                  "severity": "serious"})
    assert created.status_code == 201
    assert created.json == {"code": "E77", "description": "缸盖裂纹", "severity": "serious",
                            "watched": False, "is_active": True}
    updated = api("PUT", "/fault-codes/E77", json={"description": "缸盖裂纹漏水",
                                                  "severity": "general"})
    assert updated.status_code == 200 and updated.json["severity"] == "general"
    fault = db.session.scalar(sa.select(FaultCode).where(FaultCode.code == "E77"))
    assert (fault.description, fault.severity) == ("缸盖裂纹漏水", FaultSeverity.GENERAL)
    for body, field in (({"description": "x", "severity": "grave"}, "severity"),
                        ({"description": " ", "severity": "serious"}, "description"),
                        ({"severity": "serious"}, "description")):
        response = api("PUT", "/fault-codes/E77", json=body)
        assert response.status_code == 422 and response.json["field"] == field, body
    assert api("PUT", "/fault-codes/E77", role=Role.DEALER_STAFF,
               json={"description": "x", "severity": "serious"}).status_code == 403


def test_get_entitlements_within_scope(api, world, dealer, db):
    shop = serious(workshop(world))
    for n, day in enumerate((date(2025, 5, 2), date(2025, 6, 20), date(2025, 8, 1)), 1):
        repair(shop, dealer, day, n=n)
    db.session.commit()
    response = api("GET", f"/units/{shop.unit.serial}/entitlements", role=Role.DEALER_STAFF)
    assert response.status_code == 200
    (one,) = response.json
    assert {k: one[k] for k in ("kind", "fault_code", "raised_on", "status", "rule")} == {
        "kind": "replace_part", "fault_code": shop.fault.code, "raised_on": "2025-08-04",
        "status": "open", "rule": "serious_repeat"}
    assert "failed 3 times" in one["reason"] and isinstance(one["id"], int)
    assert api("GET", f"/units/{shop.unit.serial}/entitlements",
               role="dealer_b").status_code == 404
    assert api("GET", f"/units/{shop.unit.serial}/entitlements", role=Role.CLERK).json


def test_flag_list_and_unit_page_show_kind_rule_and_refund(client, login, world, dealer, db):
    shop = workshop(world)
    claim = repair(shop, dealer, date(2025, 5, 2))
    exchange = entitlements.raise_flag(claim, entitlements.Raise(
        FlagKind.EXCHANGE, FlagRule.REPAIR_OVERDUE, "31 working days"), today=date(2025, 6, 1))
    db.session.commit()
    login(world.users[Role.CLERK])
    client.post("/language", data={"lang": "en"})
    body = client.get("/followup/flags").get_data(as_text=True)
    assert "Not repaired within 30 working days of hand-in" in body
    assert "2025-06-01" in body and shop.fault.code in body
    page = client.get(f"/units/{shop.unit.id}").get_data(as_text=True)
    assert f"/followup/flags/{exchange.id}/refund" in page
    response = client.post(f"/followup/flags/{exchange.id}/refund",
                           data={"note": "无同型号产品", "back": "unit"})
    assert response.status_code == 303
    kinds = [f.kind for f in db.session.scalars(flags_of(shop.unit))]
    assert kinds == [FlagKind.EXCHANGE, FlagKind.REFUND]
    page = client.get(f"/units/{shop.unit.id}").get_data(as_text=True)
    assert "无同型号产品" in page
