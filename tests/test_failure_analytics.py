"""Failure analytics on a hand-built set: rates, time to failure, Pareto, cost, drill-down."""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.analytics import failure_views
from portal.analytics import failures as fa
from portal.analytics.filters import NO_CODE, Filters, parse_filters
from portal.catalog.models import FaultCode
from portal.claims.models import Claim
from portal.core.options import options
from portal.extensions import db as _db
from portal.returns.models import OwedPart
from tests import factories
from tests.helpers import QueryCounter

D = Decimal


@dataclass
class Data:
    m1: object
    m2: object
    p1: object
    p2: object
    f1: object
    f2: object
    claims: dict


def _units(model, dealer, batch, sale, n, prefix):
    units = []
    for i in range(n):
        unit = factories.make_unit(serial=f"{prefix}{i}", model=model, dealer=dealer, batch=batch)
        factories.make_card(unit, sale_date=sale)
        units.append(unit)
    return units


def _part(part, qty, decision="pending", approved=None, **extra):
    return {"kind": "part", "part_id": part.id, "quantity": qty, "unit_price": D("100.00"),
            "amount": D("100.00") * qty, "decision": decision, "approved_amount": approved,
            **extra}


def _labour(amount, decision="pending"):
    return {"kind": "labour", "amount": D(amount), "decision": decision,
            "approved_amount": D(amount) if decision == "approved" else None}


@pytest.fixture
def data(world):
    """Dealer A (山东) sold 4 M1 of batch B1 in Jan 2025 and 2 M1 of B2 in Feb; dealer B (河南)
    sold 5 M2 of B1 in Feb. Five failures, a draft, a rejected claim, a void card."""
    m1, m2 = factories.make_model(code="AM1"), factories.make_model(code="AM2")
    p1 = factories.make_part("AP1", models=[m1, m2])
    p2 = factories.make_part("AP2", models=[m2])
    f1, f2 = FaultCode(code="AF1", description="漏油"), FaultCode(code="AF2", description="异响")
    _db.session.add_all([f1, f2])
    a1 = _units(m1, world.dealer_a, "B1", date(2025, 1, 10), 4, "A1-")
    a2 = _units(m1, world.dealer_a, "B2", date(2025, 2, 10), 2, "A2-")
    b1 = _units(m2, world.dealer_b, "B1", date(2025, 2, 20), 5, "B1-")
    void = factories.make_unit(serial="VOID", model=m1, dealer=world.dealer_a, batch="B1")
    factories.make_card(void, status="void", sale_date=date(2025, 1, 10))
    factories.make_unit(serial="UNSOLD", model=m1, dealer=world.dealer_a, batch="B1")
    _db.session.flush()
    claims = {
        "c1": factories.make_claim(a1[0], status="submitted", failure_date=date(2025, 1, 20),
                                   fault_code_id=f1.id, lines=[_part(p1, 2)]),
        "c2": factories.make_claim(a1[1], status="approved", failure_date=date(2025, 3, 11),
                                   fault_code_id=f1.id, total_approved=D("300.00"), lines=[
                                       _part(p1, 1, "approved", D("200.00")),
                                       _labour("100.00", "approved")]),
        "c3": factories.make_claim(a2[0], status="partly_approved", fault_code_id=f2.id,
                                   failure_date=date(2025, 6, 10), total_approved=D("50.00"),
                                   finance_stage="approved", total_finance=D("40.00"), lines=[
                                       _part(p1, 1, "rejected", D("0.00")),
                                       _labour("50.00", "approved")]),
        "c4": factories.make_claim(b1[0], status="under_review", failure_date=date(2025, 4, 21),
                                   fault_code_id=f1.id, lines=[_part(p2, 1)]),
        "c5": factories.make_claim(b1[1], status="approved", failure_date=date(2025, 2, 25),
                                   total_approved=D("100.10"), lines=[
                                       _part(p2, 1, "reduced", D("80.10")),
                                       _labour("20.00", "approved")]),
        "draft": factories.make_claim(b1[2], status="draft", failure_date=date(2025, 3, 1),
                                      fault_code_id=f1.id, lines=[_part(p2, 1)]),
        "rejected": factories.make_claim(b1[3], status="rejected", fault_code_id=f2.id,
                                         failure_date=date(2025, 3, 1), lines=[_part(p2, 1)]),
    }
    _owed(claims["c2"], f1, "quality_fault")
    _owed(claims["c5"], None, "misuse")
    _owed(claims["c1"], None, None)
    _db.session.flush()
    return Data(m1, m2, p1, p2, f1, f2, claims)


def _owed(claim, cause, verdict):
    line = next(li for li in claim.lines if li.kind == "part")
    _db.session.add(OwedPart(claim_id=claim.id, claim_line_id=line.id, dealer_id=claim.dealer_id,
                             part_id=line.part_id, unit_id=claim.unit_id, quantity=line.quantity,
                             due_on=date(2025, 6, 30), verdict=verdict,
                             cause_code_id=cause.id if cause else None))


def _table(dimension, filters=None, user=None):
    table = fa.rate_by(dimension, filters or Filters(), user)
    return {r.key: (r.units, r.failures, r.per_100, r.cost, r.cost_per_unit) for r in table.rows}


def test_failures_per_100_units_by_model(data):
    assert _table("model") == {
        str(data.m1.id): (6, 3, D("50.00"), D("340.00"), D("56.67")),  # finance's 40 for c3
        str(data.m2.id): (5, 2, D("40.00"), D("100.10"), D("20.02")),  # no draft, no rejected
    }
    total = fa.rate_by("model", Filters()).total
    assert (total.units, total.failures, total.per_100, total.cost) == (11, 5, D("45.45"),
                                                                      D("440.10"))


def test_failures_per_100_units_by_batch_month_and_province(data):
    assert _table("batch") == {"B1": (9, 4, D("44.44"), D("400.10"), D("44.46")),
                               "B2": (2, 1, D("50.00"), D("40.00"), D("20.00"))}
    assert _table("sale_month") == {"2025-01": (4, 2, D("50.00"), D("300.00"), D("75.00")),
                                    "2025-02": (7, 3, D("42.86"), D("140.10"), D("20.01"))}
    assert [r.key for r in fa.rate_by("sale_month", Filters()).rows] == ["2025-01", "2025-02"]
    assert _table("province") == {"山东省": (6, 3, D("50.00"), D("340.00"), D("56.67")),
                                  "河南省": (5, 2, D("40.00"), D("100.10"), D("20.02"))}


def test_part_rates_count_quantities_of_lines_not_rejected(data):
    # P1 fits both models (11 units): c1 ×2 pending + c2 ×1; c3's P1 line was rejected.
    assert _table("part") == {str(data.p1.id): (11, 3, D("27.27"), D("200.00"), D("18.18")),
                              str(data.p2.id): (5, 2, D("40.00"), D("80.10"), D("16.02"))}
    approved = Filters(approved_only=True)
    assert _table("part", approved)[str(data.p1.id)][:3] == (11, 1, D("9.09"))
    assert _table("model", approved)[str(data.m1.id)][:3] == (6, 2, D("33.33"))


def test_filters_narrow_units_and_failures(data):
    assert _table("model", Filters(sale_from=date(2025, 2, 1), sale_to=date(2025, 2, 1))) == {
        str(data.m1.id): (2, 1, D("50.00"), D("40.00"), D("20.00")),
        str(data.m2.id): (5, 2, D("40.00"), D("100.10"), D("20.02"))}
    failed = Filters(failed_from=date(2025, 3, 1), failed_to=date(2025, 5, 31))
    assert {k: v[:2] for k, v in _table("model", failed).items()} == {
        str(data.m1.id): (6, 1), str(data.m2.id): (5, 1)}


def test_median_quartiles_and_histogram(data):
    summary = fa.time_to_failure(Filters())  # days: 10, 60, 120, 60, 5
    assert summary.count == 5 and summary.median == D("60.0")
    assert summary.quartiles == (D("10.0"), D("60.0"), D("60.0"))
    assert [(b.first, b.last, b.count) for b in summary.buckets] == [
        (0, 30, 2), (31, 90, 2), (91, 180, 1), (181, 365, 0), (366, 730, 0), (731, None, 0)]
    even = fa.time_to_failure(Filters(model_id=data.m2.id))  # 60 and 5
    assert even.count == 2 and even.median == D("32.5")  # the mean of the two middle values


def test_summary_of_no_failures_and_of_failures_before_the_sale():
    assert fa.summarise_days([]).median is None
    summary = fa.summarise_days([-3, 4, 400, 1000])
    assert summary.median == D("202.0")
    assert [b.count for b in summary.buckets] == [1, 1, 0, 0, 0, 1, 1]
    assert summary.buckets[0].last == -1


def test_pareto_by_fault_code_orders_and_accumulates(data):
    rows = fa.pareto(Filters(), by="fault_code")
    assert [(r.key, r.count, r.share, r.cumulative, r.vital) for r in rows] == [
        (str(data.f1.id), 3, D("60.00"), D("60.00"), True),
        (str(data.f2.id), 1, D("20.00"), D("80.00"), True),
        (NO_CODE, 1, D("20.00"), D("100.00"), False)]


def test_pareto_by_verdict_cause_counts_judged_parts(data):
    rows = fa.pareto(Filters(), by="verdict_cause")
    assert [(r.key, r.count) for r in rows] == [("misuse:", 1),
                                               (f"quality_fault:{data.f1.id}", 1)]


def _behind(filters, user=None):
    return {c.number for c in _db.session.scalars(fa.claims_behind(filters, user))}


def test_drill_down_lists_exactly_the_claims_behind_a_number(data):
    c = {k: v.number for k, v in data.claims.items()}
    assert _behind(Filters()) == {c["c1"], c["c2"], c["c3"], c["c4"], c["c5"]}
    assert _behind(Filters(model_id=data.m1.id)) == {c["c1"], c["c2"], c["c3"]}
    assert _behind(Filters(part_id=data.p1.id)) == {c["c1"], c["c2"]}
    assert _behind(Filters(sale_from=date(2025, 2, 1), sale_to=date(2025, 2, 1))) == {
        c["c3"], c["c4"], c["c5"]}
    assert _behind(Filters(batch="B2")) == {c["c3"]}
    assert _behind(Filters(province="河南省")) == {c["c4"], c["c5"]}
    assert _behind(Filters(fault_code=NO_CODE)) == {c["c5"]}
    assert _behind(Filters(cause=f"quality_fault:{data.f1.id}")) == {c["c2"]}
    assert _behind(Filters(days_from=0, days_to=30)) == {c["c1"], c["c5"]}


def test_rep_and_dealer_see_only_their_dealers_numbers(data, world):
    for user in (world.users[Role.SALES_REP], world.users[Role.DEALER_STAFF]):
        assert _table("model", user=user) == {
            str(data.m1.id): (6, 3, D("50.00"), D("340.00"), D("56.67"))}
        assert _behind(Filters(), user) == {data.claims[k].number for k in ("c1", "c2", "c3")}
    assert set(_table("model", user=world.rep_b)) == {str(data.m2.id)}


def test_parse_filters_reads_the_query_string_and_round_trips(data):
    filters, errors = parse_filters({"sale_from": "2025-01", "sale_to": "2025-02",
                                     "model_id": str(data.m1.id), "approved_only": "1",
                                     "province": "火星", "cause": "bogus:1", "days_from": "0"})
    assert errors == []
    assert (filters.sale_from, filters.sale_to, filters.province, filters.cause) == (
        date(2025, 1, 1), date(2025, 2, 1), "", "")
    assert parse_filters(filters.args())[0] == filters
    assert parse_filters({"sale_from": "2025-13", "failed_to": "x"})[1]


def test_overview_page_draws_charts_and_links_the_drill_down(client, login, world, data):
    login(world.users[Role.TECHNICAL])
    response = client.get("/analytics/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<svg") == 9 and "<title id=" in html and "<script>" not in html
    assert f"/analytics/claims?model_id={data.m1.id}" in html
    assert "/analytics/model.xlsx" in html
    response = client.get(f"/analytics/claims?model_id={data.m1.id}")
    html = response.get_data(as_text=True)
    for key in ("c1", "c2", "c3"):
        assert data.claims[key].number in html
    for key in ("c4", "c5", "draft", "rejected"):
        assert data.claims[key].number not in html


def test_drill_down_is_scoped_for_a_dealer(client, login, world, data):
    login(world.dealer_b_admin)
    html = client.get("/analytics/claims").get_data(as_text=True)
    assert data.claims["c4"].number in html and data.claims["c1"].number not in html
    html = client.get("/analytics/").get_data(as_text=True)
    assert "AM1" not in html.split("rate-model")[1].split("</section>")[0]


def test_excel_holds_the_table_behind_the_chart(client, login, world, data):
    login(world.users[Role.CLERK])
    response = client.get("/analytics/model.xlsx?province=山东省")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[0][1:] == [6, 3, 50, 340, 56.67] and rows[0][0].startswith("AM1")
    assert rows[-1][1:3] == [6, 3]
    response = client.get("/analytics/fault_code.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [3, 1, 1]
    days = load_workbook(io.BytesIO(client.get("/analytics/time_to_failure.xlsx").data)).active
    assert ["Median (days)" in str(r[0]) or "中位" in str(r[0])
            for r in days.iter_rows(values_only=True)].count(True) == 1
    assert client.get("/analytics/nothing.xlsx").status_code == 404


def _more(world, data, n):
    for i in range(n):
        unit = factories.make_unit(model=data.m2, dealer=world.dealer_b, batch=f"X{i}")
        factories.make_card(unit, sale_date=date(2025, 3, 1 + i))
        factories.make_claim(unit, status="submitted", failure_date=date(2025, 5, 1),
                             fault_code_id=data.f2.id, lines=[_part(data.p2, 1)])
    _db.session.commit()


def test_query_counts_do_not_grow_with_rows(client, login, world, data, db):
    login(world.users[Role.TECHNICAL])
    urls = ["/analytics/", "/analytics/claims", "/analytics/batch.xlsx"]

    def count(url):
        with QueryCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        return counter.count

    _more(world, data, 2)
    count("/analytics/")
    few = {url: count(url) for url in urls}
    _more(world, data, 10)
    assert {url: count(url) for url in urls} == few


def test_draft_and_rejected_claims_are_not_behind_any_number(data):
    numbers = _behind(Filters())
    assert data.claims["draft"].number not in numbers
    assert data.claims["rejected"].number not in numbers
    assert _db.session.get(Claim, data.claims["draft"].id) is not None


def test_chart_bars_scale_to_the_largest_and_labels_fit():
    from portal.analytics.charts import Bar, bar_chart, fit

    chart = bar_chart("t", "d", [Bar("甲" * 30, D("50.00"), "50"), Bar("B", D("25.00"), "25")])
    assert [b.width for b in chart.bars] == [chart.bar_space, chart.bar_space / 2]
    assert chart.bars[0].short.endswith("…") and len(chart.bars[0].short) < 13
    assert fit("B2411") == "B2411"


def test_overview_shows_the_first_rows_and_the_rest_on_asking(client, login, world, data,
                                                              monkeypatch):
    monkeypatch.setattr(failure_views, "TOP_ROWS", 1)
    login(world.users[Role.TECHNICAL])
    html = client.get("/analytics/").get_data(as_text=True)
    section = html.split('id="rate-model"')[1].split("</section>")[0]
    assert section.count("<tr><td") == 1 and "/analytics/model/rows" in section
    assert "AM1" in section and "AM2" in section  # the chart draws both; the table lists one

    whole = client.get("/analytics/model/rows", headers={"HX-Request": "true"})
    rows = whole.get_data(as_text=True)
    assert "<html" not in rows and rows.count("<tr><td") == 2
    assert f"/analytics/claims?model_id={data.m2.id}" in rows
    page = client.get("/analytics/model/rows?province=山东省").get_data(as_text=True)
    assert "<html" in page and "AM1" in page and "AM2" not in page.split("<table")[1]
    assert "/analytics/claims?" in client.get("/analytics/fault_code/rows").get_data(as_text=True)
    assert client.get("/analytics/nothing/rows").status_code == 404


def test_linker_builds_the_links_url_for_builds(app):
    filters = Filters(sale_from=date(2025, 1, 1), province="山东省", approved_only=True,
                      days_from=0)
    with app.test_request_context():
        link = failure_views.linker(filters)
        for dimension, key in (("model", "3"), ("sale_month", "2025-02"), ("batch", "B 1/2&x"),
                               ("fault_code", NO_CODE), ("verdict_cause", "misuse:4"),
                               ("province", "河南省")):
            group = failure_views._group(dimension, key)
            assert link(dimension, key) == url_for("analytics.failure_claims",
                                                   **filters.narrowed(**group).args())
        assert failure_views.linker(Filters())("batch", "B1") == "/analytics/claims?batch=B1"


def test_options_escape_and_select():
    html = options([(1, "A <b>"), (2, "B")], 2)
    assert html == ('<option value="1">A &lt;b&gt;</option>'
                    '<option value="2" selected>B</option>')
    assert options([(1, "A\n<b>"), (2, "B")], None) == (
        '<option value="1">A\n&lt;b&gt;</option><option value="2">B</option>')
    assert options([], None) == ""


def _filter_form(html: str) -> str:
    return html.split('<form class="toolbar"')[1].split("</form>")[0]


def test_pickers_offer_only_the_chosen_and_the_matches(client, login, world, data):
    login(world.users[Role.TECHNICAL])
    html = client.get("/analytics/").get_data(as_text=True)
    form = _filter_form(html)
    assert 'name="part_q"' in form and 'name="dealer_q"' in form
    assert 'hx-get="/dealers/choices?purpose=selling"' in form  # the dealers' one endpoint
    assert "AP1" not in form and "DA-01" not in form  # no list of every part and dealer
    chosen = client.get(f"/analytics/?part_id={data.p1.id}&dealer_id={world.dealer_a.id}")
    assert chosen.status_code == 200  # the part table under a part filter was a 500
    assert {k: v[1] for k, v in _table("part", Filters(part_id=data.p1.id)).items()} == {
        str(data.p1.id): 3}
    form = _filter_form(chosen.get_data(as_text=True))
    assert f'<option value="{data.p1.id}" selected>AP1 ' in form
    assert f'<option value="{world.dealer_a.id}" selected>DA-01 甲经销商' in form


def test_the_words_typed_choose_a_single_match_without_javascript(client, login, world, data):
    login(world.users[Role.TECHNICAL])
    typed = client.get("/analytics/claims?part_q=ap2&dealer_q=乙").get_data(as_text=True)
    assert data.claims["c4"].number in typed and data.claims["c1"].number not in typed
    several = client.get("/analytics/?part_q=AP").get_data(as_text=True)
    form = _filter_form(several)
    assert "AP1" in form and "AP2" in form and "selected" not in form.split("part_id")[1]
    assert 'role="status"' in form
    none = client.get("/analytics/?dealer_q=nobody").get_data(as_text=True)
    assert "nobody" in _filter_form(none)


def test_picker_answers_htmx_with_its_select_scoped_to_the_user(client, login, world, data):
    login(world.users[Role.SALES_REP])  # dealer A's rep
    answer = client.get("/dealers/choices?purpose=selling&dealer_q=D",
                        headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html and 'name="dealer_id"' in html
    assert "DA-01" in html and "DB-01" not in html
    foreign = client.get(f"/analytics/claims?dealer_id={world.dealer_b.id}")
    assert data.claims["c1"].number in foreign.get_data(as_text=True)  # not B's: ignored
    parts = client.get("/analytics/choices/parts?part_q=AP2", headers={"HX-Request": "true"})
    assert f'<option value="{data.p2.id}" selected>' in parts.get_data(as_text=True)
    login(world.dealer_b_admin)
    assert 'name="dealer_q"' not in client.get("/analytics/").get_data(as_text=True)
    assert client.get("/dealers/choices?purpose=selling&dealer_q=D").status_code == 404
