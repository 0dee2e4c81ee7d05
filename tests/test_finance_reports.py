"""Warranty cost reports: grouping arithmetic on a known set, filters, scope, the Excel export."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.finance.reports import Filters, cost_report
from tests import factories
from tests.helpers import QueryCounter

D = Decimal


def claim(unit, stage, on, **costs):
    """A claim finance dealt with on ``on``; costs by line kind as finance accepted them."""
    lines = [{"kind": kind, "amount": amount, "finance_amount": amount}
             for kind, amount in costs.items()]
    return factories.make_claim(unit, status="approved", finance_stage=stage, finance_on=on,
                                lines=lines)


@pytest.fixture
def costs(world):
    tractor, combine = factories.make_model(code="TR-1"), factories.make_model(code="CB-1")
    a_tractor = factories.make_unit(model=tractor, dealer=world.dealer_a)
    a_combine = factories.make_unit(model=combine, dealer=world.dealer_a)
    b_tractor = factories.make_unit(model=tractor, dealer=world.dealer_b)
    claim(a_tractor, "approved", date(2026, 1, 5), part="100.00", labour="50.00")
    claim(a_tractor, "written_off", date(2026, 1, 31), part="10.00", travel="80.00")
    claim(a_combine, "approved", date(2026, 2, 1), labour="25.50", other="4.50")
    claim(b_tractor, "written_off", date(2026, 2, 14), part="200.00", labour="20.00")
    # Not counted: finance has not approved these.
    claim(a_tractor, "forwarded", date(2026, 1, 7), part="999.00")
    claim(b_tractor, "rejected", date(2026, 2, 7), part="999.00")
    # A line finance cut to nothing counts as nothing; a line with no finance amount too.
    factories.make_claim(a_combine, status="approved", finance_stage="approved",
                         finance_on=date(2026, 2, 2), lines=[
                             {"kind": "part", "amount": "60.00", "finance_amount": "0.00"},
                             {"kind": "travel", "amount": "30.00"}])
    return tractor, combine


def table(report):
    return [(r.keys, [str(c) for c in r.costs], str(r.total), r.claims) for r in report.rows]


def test_by_month_sums_each_cost_type(world, costs):
    report = cost_report(["month"], Filters())
    assert table(report) == [
        (["2026-01"], ["110.00", "50.00", "80.00", "0.00"], "240.00", 2),
        (["2026-02"], ["200.00", "45.50", "0.00", "4.50"], "250.00", 3)]
    assert [str(c) for c in report.costs] == ["310.00", "95.50", "80.00", "4.50"]
    assert report.total == D("490.00") and report.claims == 5


def test_by_dealer_then_model_and_filters(world, costs):
    tractor, _combine = costs
    report = cost_report(["dealer", "model"], Filters())
    assert [(r.keys[0].split()[0], r.keys[1].split()[0], str(r.total)) for r in report.rows] == [
        ("DA-01", "CB-1", "30.00"), ("DA-01", "TR-1", "240.00"), ("DB-01", "TR-1", "220.00")]
    by_model = cost_report(["model"], Filters(start=date(2026, 1, 31), end=date(2026, 2, 13)))
    assert [(r.keys[0].split()[0], str(r.total)) for r in by_model.rows] == [
        ("CB-1", "30.00"), ("TR-1", "90.00")]
    only_b = cost_report(["month"], Filters(dealer_id=world.dealer_b.id))
    assert table(only_b) == [(["2026-02"], ["200.00", "20.00", "0.00", "0.00"], "220.00", 1)]
    henan = cost_report(["dealer"], Filters(province="河南省", model_id=tractor.id))
    assert [str(r.total) for r in henan.rows] == ["220.00"]


def test_a_rep_sees_the_costs_of_its_dealers_only(world, costs):
    report = cost_report(["dealer"], Filters(), world.users[Role.SALES_REP])
    assert [r.keys[0].split()[0] for r in report.rows] == ["DA-01"]
    assert report.total == D("270.00")


def test_page_and_excel_show_the_same_table(client, login, world, costs):
    login(world.users[Role.FINANCE])
    page = client.get("/finance/reports?by=month")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "2026-01" in body and "490.00" in body
    export = client.get("/finance/reports.xlsx?by=dealer&then=month")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[:2] for r in rows[:-1]] == [[f"{world.dealer_a.code} {world.dealer_a.name}",
                                           "2026-01"],
                                          [f"{world.dealer_a.code} {world.dealer_a.name}",
                                           "2026-02"],
                                          [f"{world.dealer_b.code} {world.dealer_b.name}",
                                           "2026-02"]]
    assert rows[0][2:] == [110, 50, 80, 0, 240, 2]
    assert rows[-1][2:] == [310, 95.5, 80, 4.5, 490, 5]
    cell = sheet.cell(2, 3)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    assert client.get("/finance/reports?start=bad&by=nonsense").status_code == 200
    login(world.users[Role.DEALER_ADMIN])
    assert client.get("/finance/reports").status_code == 403


def test_the_report_is_one_query_whatever_the_rows(client, login, world, costs, db):
    tractor, _combine = costs
    login(world.users[Role.FINANCE])
    client.get("/finance/reports")

    def count():
        with QueryCounter(db.engine) as counter:
            assert client.get("/finance/reports?by=dealer&then=model").status_code == 200
        return counter.count

    few = count()
    for n in range(6):
        dealer = factories.make_dealer()
        claim(factories.make_unit(model=tractor, dealer=dealer), "approved",
              date(2026, 3, n + 1), part="1.00")
    db.session.commit()
    assert count() == few


def test_whole_months_from_the_totals_and_part_months_from_the_claims(world, costs):
    report = cost_report(["month"], Filters(start=date(2026, 1, 1), end=date(2026, 2, 10)))
    assert table(report) == [
        (["2026-01"], ["110.00", "50.00", "80.00", "0.00"], "240.00", 2),
        (["2026-02"], ["0.00", "25.50", "0.00", "4.50"], "30.00", 2)]


def test_totals_kept_in_step_equal_totals_rebuilt(world, costs):
    from portal.finance import cost_totals
    from portal.finance.models import MonthCost
    from portal.finance.reports import _totals_table

    shapes = [(["month", "dealer"], Filters()), (["model"], Filters()),
              (["dealer"], Filters(province="河南省")), (["month"], Filters())]
    kept = [table(cost_report(by, f)) for by, f in shapes]
    assert _totals_table(["month"], Filters(), world.users[Role.FINANCE]) is MonthCost
    by_dealer = cost_report(["month", "dealer"], Filters())
    assert {r.keys[0]: r.total for r in cost_report(["month"], Filters()).rows} == {
        month: sum((r.total for r in by_dealer.rows if r.keys[0] == month), D("0"))
        for month in {r.keys[0] for r in by_dealer.rows}}
    cost_totals.rebuild()
    assert [table(cost_report(by, f)) for by, f in shapes] == kept


def test_a_reopened_audit_and_a_unit_moved_to_another_model_move_the_totals(world, costs):
    from portal.finance.audit import reopen_audit
    from portal.finance.cost_totals import save_unit

    tractor, combine = costs
    unit = factories.make_unit(model=tractor, dealer=world.dealer_b)
    late = claim(unit, "approved", date(2026, 3, 3), part="70.00")
    assert cost_report(["month"], Filters()).total == D("560.00")
    save_unit(unit, {"model_id": combine.id}, actor=world.users[Role.ADMIN],
              today=date(2026, 3, 4))
    by_model = cost_report(["model"], Filters(start=date(2026, 3, 1)))
    assert [(r.keys[0].split()[0], str(r.total)) for r in by_model.rows] == [("CB-1", "70.00")]
    reopen_audit(late, "wrong amount", actor=world.users[Role.FINANCE])
    assert cost_report(["model"], Filters(start=date(2026, 3, 1))).rows == []
    assert cost_report(["month"], Filters()).total == D("490.00")
