"""Early warning on production batches: the tests' arithmetic, the counts, the check, the pages.

(``tests/test_early_warning_simulation.py`` tries the method on made-up fields.)"""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings
from portal.core.audit import AuditEntry
from portal.core.db import SHANGHAI
from portal.core.errors import DomainError
from portal.extensions import db
from portal.quality import counting, simulation, stats, warning
from portal.quality.models import AlertRun, AlertStatus, BatchAlert, CloseReason
from tests import factories

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai
AS_OF = date(2026, 6, 1)
SOLD = AS_OF - timedelta(days=180)


@pytest.mark.parametrize(("n", "lam", "expected"), [
    (7, 1.2, 0.00025111246258770560),
    (1, 0.5, 0.39346934028736657640),
    (3, 0.1, 0.00015465307026467165),
    (150, 100.0, 0.0000018842104660386700),
    (100, 100.0, 0.51329879827914866486),
    (30, 2.0, 5.8553186093785770e-25),
])
def test_poisson_tail_known_values(n, lam, expected):
    assert stats.poisson_tail(n, lam) == pytest.approx(expected, rel=1e-9)


def test_poisson_tail_edges():
    assert stats.poisson_tail(0, 0.0) == 1.0
    assert stats.poisson_tail(0, 5.0) == 1.0
    assert stats.poisson_tail(1, 0.0) == 0.0  # nothing expected, something seen
    assert stats.poisson_tail(1000, 1000.0) == pytest.approx(0.5042052441803, rel=1e-9)
    assert 0.0 <= stats.poisson_tail(5, 5000.0) <= 1.0  # e^-5000 would underflow


def _sum_of_binomials_tail(observed, groups):
    """The same tail by brute force: the whole distribution of the sum, in exact fractions."""
    from fractions import Fraction
    from math import comb

    dist = [Fraction(1)]
    for n, share in groups:
        share = Fraction(share)
        pmf = [comb(n, k) * share**k * (1 - share) ** (n - k) for k in range(n + 1)]
        out = [Fraction(0)] * (len(dist) + n)
        for i, a in enumerate(dist):
            for j, b in enumerate(pmf):
                out[i + j] += a * b
        dist = out
    return float(sum(dist[observed:]))


@pytest.mark.parametrize(("observed", "groups"), [
    (8, [(12, "0.2")]), (3, [(3, "0.1")]), (1, [(5, "0.01")]), (2, [(1, "0.5")]),
    (5, [(10, "0.1"), (4, "0.5"), (0, "0.3")]), (30, [(40, "0.3"), (50, "0.2")]),
    (12, [(30, "0.05"), (25, "0.1"), (9, "0.9"), (60, "0.02")]),
])
def test_excess_p_is_the_exact_tail_of_a_sum_of_binomials(observed, groups):
    from fractions import Fraction

    exact = _sum_of_binomials_tail(observed, groups)
    got = stats.excess_p(observed, [(n, float(Fraction(s))) for n, s in groups])
    assert got == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_excess_p_edges_and_large_counts():
    assert stats.excess_p(0, [(5, 0.5)]) == 1.0
    assert stats.excess_p(1, []) == 0.0  # nothing to fail, one failure: impossible by chance
    assert stats.excess_p(3, [(0, 0.5), (4, 0.0)]) == 0.0
    # Binomial(5000, 1/2) reaching 2,600: the normal tail at z = 2.81 with continuity.
    assert stats.excess_p(2600, [(5000, 0.5)]) == pytest.approx(0.00244, rel=0.02)
    assert stats.excess_p(20, [(10**6, 1e-6)]) < 1e-15  # (1 - share)^n would underflow


def test_cutoff_is_benjamini_hochberg():
    # m = 4, q = 5 %: the sorted p-values 0.001 ≤ 0.0125, 0.004 ≤ 0.025, 0.03 > 0.0375? no:
    # 0.03 ≤ 0.0375, so three are discoveries and the cut-off is 0.05 × 3 / 4.
    assert stats.cutoff([0.001, 0.2, 0.03, 0.004], 0.05) == pytest.approx(0.0375)
    assert stats.cutoff([0.5, 0.2], 0.05) == pytest.approx(0.025)  # none: q / m
    limit, hits = stats.flagged([stats.BatchFigures(1, "A", 5, 10, 100, 1.0, 0.001),
                                 stats.BatchFigures(1, "B", 2, 10, 100, 0.1, 0.0001)],
                                0.05, 3)
    assert limit == pytest.approx(0.05) and hits == {(1, "A")}  # B has too few failures


def test_age_bands():
    assert [stats.band_label(b) for b in range(len(stats.BANDS))] == [
        "0–30", "31–90", "91–180", "181–365", "366–730", "731+"]
    assert stats.band_days(1) == [1, 0, 0, 0, 0, 0]
    assert stats.band_days(800) == [31, 60, 90, 185, 365, 69]
    assert [stats.band_of(age) for age in (-3, 0, 30, 31, 365, 366, 2000)] == [0, 0, 0, 1, 3, 4, 5]
    assert stats.half_year(date(2026, 6, 30)) == 4052 < stats.half_year(date(2026, 7, 1))


class Fleet:
    """One tractor model, a key part it fits, and batches of sold units."""

    def __init__(self, world):
        self.world = world
        self.model = factories.make_model()
        self.part = factories.make_part(models=[self.model], key_part=True)
        self.units: dict[str, list] = {}

    def batch(self, name, count, *, sold=SOLD, dealer=None, card=True):
        units = [factories.make_unit(model=self.model, dealer=dealer or self.world.dealer_a,
                                     batch=name) for _ in range(count)]
        if card:
            for unit in units:
                factories.make_card(unit, sale_date=sold)
        self.units.setdefault(name, []).extend(units)
        return units

    def fail(self, name, count, *, status="approved", decision="approved", day=None):
        for unit in self.units[name][:count]:
            factories.make_claim(unit, status=status, failure_date=day or AS_OF - timedelta(20),
                                 lines=[{"kind": "part", "amount": "99.50", "part": self.part,
                                         "quantity": 1, "unit_price": "99.50",
                                         "decision": decision}])


@pytest.fixture
def fleet(world):
    """Five batches of 20 units sold 180 days ago (181 days in service, the sale day counted:
    3,620 unit-days each); one failure in each of four batches (noise) and 8 in B05 (the
    planted bad batch), all 160 days after the sale."""
    fleet = Fleet(world)
    for n in range(1, 6):
        fleet.batch(f"B0{n}", 20, dealer=world.dealer_a if n % 2 else world.dealer_b)
        fleet.fail(f"B0{n}", 8 if n == 5 else 1)
    return fleet


def _figures(part):
    return {f.batch: f for f in warning.batch_figures(AS_OF, [part.id])}


def test_counting_units_and_their_days_in_service(world):
    fleet = Fleet(world)
    fleet.batch("X1", 2, sold=AS_OF - timedelta(days=10))
    fleet.batch("X1", 1, sold=AS_OF - timedelta(days=5))
    fleet.batch("X1", 1, sold=AS_OF + timedelta(days=3))  # sold after the day: not yet
    fleet.batch("X1", 2, card=False)  # in dealer stock
    void = fleet.batch("X1", 1, sold=AS_OF - timedelta(days=50))[0]
    void.card.status = "void"
    factories.make_unit(model=factories.make_model(), batch="X1", dealer=world.dealer_a)
    db.session.flush()
    counts = counting.count(AS_OF, [fleet.part.id])
    key = (fleet.part.id, "X1")
    half = stats.half_year(AS_OF)
    assert dict(counts.units) == {key: 3}
    assert dict(counts.days) == {(*key, fleet.model.id, half, 0): 2 * 11 + 6}
    assert dict(counts.reached) == {(*key, 0): 3}


def test_counting_failures_by_age(world):
    fleet = Fleet(world)
    fleet.batch("X1", 7)
    fleet.fail("X1", 1)
    factories.make_claim(fleet.units["X1"][1], status="submitted", failure_date=AS_OF, lines=[
        {"kind": "part", "amount": "199", "part": fleet.part, "quantity": 2, "unit_price": "99.5"}])
    fleet.units["X1"] = fleet.units["X1"][2:]
    fleet.fail("X1", 1, status="draft")
    fleet.units["X1"] = fleet.units["X1"][1:]
    fleet.fail("X1", 1, status="rejected")
    fleet.units["X1"] = fleet.units["X1"][1:]
    fleet.fail("X1", 1, decision="rejected", status="partly_approved")
    fleet.units["X1"] = fleet.units["X1"][1:]
    fleet.fail("X1", 1, day=AS_OF + timedelta(days=1))  # after the day
    fleet.units["X1"] = fleet.units["X1"][1:]
    fleet.fail("X1", 1, day=SOLD - timedelta(days=3))  # before the sale: counted at age 0
    counts = counting.count(AS_OF, [fleet.part.id])
    half = stats.half_year(SOLD)
    key = (fleet.part.id, "X1", fleet.model.id, half)
    # 160 days after the sale (band 91–180), and the submitted one's two on the last day (180).
    assert dict(counts.failed) == {(*key, 2): 3, (*key, 0): 1}


def test_a_batch_is_compared_with_the_other_batches_at_the_same_age(fleet):
    figures = _figures(fleet.part)
    b5 = figures["B05"]
    assert (b5.failures, b5.units, b5.unit_days) == (8, 20, 3620)
    # At 91–180 days the other four batches failed 4 times in 4 × 20 × 90 unit-days; the
    # batch's 1,800 unit-days there expect 1. They have 4 times the batch's time at each age:
    # too few for "sold in the same half-year" (10 times), enough for "same model" (3 times).
    assert b5.expected == pytest.approx(1.0)
    assert [(b.band, b.unit_days, b.failures, b.level) for b in b5.bands] == [
        (0, 620, 0, "model"), (1, 1200, 0, "model"), (2, 1800, 8, "model")]
    # Given the 12 failures at that age, each falls in B05 with its share of the time, 1/5.
    assert b5.p_value == pytest.approx(stats.excess_p(8, [(12, 0.2)]))
    assert b5.p_value == pytest.approx(0.00058124288)
    assert figures["B01"].expected == pytest.approx(11 / 7200 * 1800)


def test_young_batch_is_compared_at_its_own_ages(fleet):
    """A batch sold a month ago, failing at the others' rate in their first month, is not
    flagged: it is compared with the others' first month, not with their whole life."""
    for n in range(1, 5):  # in their first month the old batches failed 6 times each
        for unit in fleet.units[f"B0{n}"][1:7]:
            factories.make_claim(unit, status="approved", failure_date=SOLD + timedelta(days=9),
                                 lines=[{"kind": "part", "amount": "99.50", "part": fleet.part,
                                         "quantity": 1, "unit_price": "99.50"}])
    fleet.batch("YOUNG", 20, sold=AS_OF - timedelta(days=30))
    fleet.fail("YOUNG", 6, day=AS_OF - timedelta(days=10))
    young = _figures(fleet.part)["YOUNG"]
    # The five old batches' first month: 24 failures in 3,100 unit-days.
    assert young.failures == 6 and young.expected == pytest.approx(24 / 3100 * 620)
    assert young.p_value > 0.3
    # The method before: one rate per unit-day over the whole life flagged it.
    old = simulation.old_method_alerts(counting.count(AS_OF, [fleet.part.id]))
    assert (fleet.part.id, "YOUNG") in old
    warning.check(now=NOW)
    assert "YOUNG" not in db.session.scalars(sa.select(BatchAlert.batch)).all()


def test_no_baseline_no_test(world):
    fleet = Fleet(world)
    fleet.batch("ONLY", 5)
    fleet.fail("ONLY", 5)
    assert warning.batch_figures(AS_OF, [fleet.part.id]) == []


def test_check_fires_on_the_planted_batch_only(fleet):
    run = warning.check(now=NOW)
    alerts = db.session.scalars(sa.select(BatchAlert)).all()
    assert [(a.part_id, a.batch, a.status) for a in alerts] == [
        (fleet.part.id, "B05", AlertStatus.OPEN)]
    alert = alerts[0]
    assert (alert.failures, alert.units, alert.unit_days) == (8, 20, 3620)
    assert alert.expected == Decimal("1.0000") and alert.p_value < Decimal("0.001")
    assert [b["failures"] for b in alert.bands] == [0, 0, 8]
    assert (run.pairs_checked, run.alerts_raised, run.alerts_updated) == (5, 1, 0)
    # B05's p ≈ 0.00058 is the smallest of five; Benjamini–Hochberg at 5 % lets it through
    # (≤ 0.05 × 1 / 5) and nothing else, so the cut-off is 0.01.
    assert run.p_cutoff == Decimal("0.01") and run.false_alert_rate == Decimal("0.05")
    assert run.min_failures == 3 and alert.checked_run is run
    assert run.scheduled and run.started_by is None and alert.run is run
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.entity_type.in_(("batch_alerts", "alert_runs")))).all()
    assert sorted(actions) == ["raise_alert", "run_alert_check"]


def test_not_a_key_part_not_checked(fleet):
    fleet.part.key_part = False
    assert warning.check(now=NOW).pairs_checked == 0


def test_one_failure_on_tiny_exposure_stays_silent(fleet):
    fleet.batch("TINY", 1, sold=AS_OF - timedelta(days=1))
    fleet.fail("TINY", 1)
    tiny = _figures(fleet.part)["TINY"]
    assert tiny.p_value < 0.001  # among the discoveries, but a single failure must not alarm
    warning.check(now=NOW)
    assert db.session.scalars(sa.select(BatchAlert.batch)).all() == ["B05"]


def test_policy_sets_min_failures_and_false_alert_rate(fleet):
    policy = PolicySettings.current()
    policy.alert_min_failures, policy.alert_false_rate = 9, Decimal("0.05")
    db.session.add(policy)
    assert warning.check(now=NOW).alerts_raised == 0
    policy.alert_min_failures = 3
    policy.alert_false_rate = Decimal("0.001")  # B05 would need p ≤ 0.001 / 5
    assert warning.check(now=NOW).alerts_raised == 0
    policy.alert_false_rate = Decimal("0.01")  # ≤ 0.002
    assert warning.check(now=NOW).alerts_raised == 1


def test_a_second_run_refreshes_without_duplicates(fleet):
    warning.check(now=NOW)
    fleet.fail("B05", 10)  # two more units of the batch fail (the first 8 fail again too)
    run = warning.check(now=NOW + timedelta(days=1))
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    assert (run.alerts_raised, run.alerts_updated) == (0, 1)
    assert alert.failures == 18 and alert.checked_at == NOW + timedelta(days=1)
    assert alert.raised_at == NOW


def test_closed_alert_comes_back_only_when_failures_grow(fleet):
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    user = fleet.world.users[Role.TECHNICAL]
    warning.close(alert, "Supplier told; batch recalled.", actor=user, now=NOW)
    assert warning.check(now=NOW).alerts_raised == 0
    fleet.fail("B05", 9)
    assert warning.check(now=NOW).alerts_raised == 1
    statuses = db.session.scalars(sa.select(BatchAlert.status).order_by(BatchAlert.id)).all()
    assert statuses == [AlertStatus.CLOSED, AlertStatus.OPEN]


def test_acknowledge_and_close_need_notes(fleet):
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    user = fleet.world.users[Role.TECHNICAL]
    with pytest.raises(DomainError) as error:
        warning.acknowledge(alert, "  ", actor=user, now=NOW)
    assert error.value.field == "note" and alert.status == AlertStatus.OPEN
    warning.acknowledge(alert, "Casting supplier asked for its records.", actor=user, now=NOW)
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == user
    with pytest.raises(DomainError):
        warning.acknowledge(alert, "again", actor=user, now=NOW)
    with pytest.raises(DomainError):
        warning.close(alert, "", actor=user, now=NOW)
    warning.close(alert, "Housings replaced on every unit.", actor=user, now=NOW)
    assert alert.status == AlertStatus.CLOSED and alert.close_note.startswith("Housings")
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "batch_alerts").order_by(AuditEntry.id)).all()
    assert [(e.action, e.from_state, e.to_state) for e in entries] == [
        ("raise_alert", None, "open"), ("acknowledge", "open", "acknowledged"),
        ("close", "acknowledged", "closed")]


def test_units_at_risk_by_dealer(fleet):
    world = fleet.world
    fleet.batch("B05", 2, card=False, dealer=world.dealer_b)  # in dealer B's stock
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    groups = warning.units_at_risk(alert)
    assert [(g.dealer.code, len(g.sold), len(g.unsold)) for g in groups] == [("DA-01", 20, 0),
                                                                             ("DB-01", 0, 2)]
    from portal.units.scope import visible_units

    rep_b = warning.units_at_risk(alert, visible_units(world.rep_b))
    assert [g.dealer.code for g in rep_b] == ["DB-01"]
    assert [g.dealer.code for g in warning.units_at_risk(
        alert, visible_units(world.users[Role.SALES_REP]))] == ["DA-01"]


@pytest.fixture
def raised(fleet):
    warning.check(now=NOW)
    return db.session.scalars(sa.select(BatchAlert)).one()


def test_pages_for_head_office(client, login, fleet, raised):
    login(fleet.world.users[Role.TECHNICAL])
    page = client.get("/quality/alerts").get_data(as_text=True)
    assert f"/quality/alerts/{raised.id}" in page and "B05" in page
    assert f"{raised.part.part_number} {raised.part.name}" in page  # a row names its part
    page = client.get(f"/quality/alerts/{raised.id}").get_data(as_text=True)
    assert "<svg" in page and "3,620" in page
    assert page.count("/claims/") >= 8
    sheet = client.get(f"/quality/alerts/{raised.id}/units.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.values)
    assert len(rows) == 1 + 20


def test_the_home_pages_box_counts_the_open_alerts_and_names_the_newest(client, login, fleet,
                                                                        raised, monkeypatch):
    assert warning.open_alerts_box()["open"] == 1
    monkeypatch.setattr(warning, "TILE_CAP", 0)  # capped as the other tiles: the cap and a plus
    assert (warning.open_alerts_box()["open"], warning.open_alerts_box()["more"]) == (0, True)
    login(fleet.world.users[Role.TECHNICAL])
    assert '/quality/alerts?status=open">0+</a>' in client.get("/home/technical").get_data(
        as_text=True)
    monkeypatch.undo()
    page = client.get("/home/technical").get_data(as_text=True)
    box = page[page.index('id="batch-alerts"'):]
    assert f"/quality/alerts/{raised.id}" in box and raised.batch in box
    assert raised.part.part_number in box and raised.part.name in box
    warning.acknowledge(raised, "已通知供应商", actor=fleet.world.users[Role.TECHNICAL], now=NOW)
    assert warning.open_alerts_box() == {"open": 0, "more": False, "newest": None}


def test_dealers_get_404(client, login, fleet, raised):
    login(fleet.world.users[Role.DEALER_ADMIN])
    assert client.get("/quality/alerts").status_code == 404
    assert client.get(f"/quality/alerts/{raised.id}").status_code == 404
    assert client.get(f"/quality/alerts/{raised.id}/units.xlsx").status_code == 404


def test_rep_sees_only_its_dealers_units(client, login, fleet, raised):
    login(fleet.world.rep_b)  # B05 was sold by dealer A
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/quality/alerts/{raised.id}").get_data(as_text=True)
    assert fleet.units["B05"][0].serial not in page
    assert "None you can see." in page or "/claims/" not in page
    rows = list(load_workbook(io.BytesIO(client.get(
        f"/quality/alerts/{raised.id}/units.xlsx").data)).active.values)
    assert len(rows) == 1
    assert client.post(f"/quality/alerts/{raised.id}/close",
                       data={"note": "x"}).status_code == 403


def test_acknowledge_and_close_by_form(client, login, fleet, raised):
    login(fleet.world.users[Role.TECHNICAL])
    response = client.post(f"/quality/alerts/{raised.id}/acknowledge", data={"note": " "})
    assert response.status_code == 422 and raised.status == AlertStatus.OPEN
    response = client.post(f"/quality/alerts/{raised.id}/acknowledge",
                           data={"note": "Asked the foundry."})
    assert response.status_code == 303
    response = client.post(f"/quality/alerts/{raised.id}/close", data={"note": "Done."})
    assert response.status_code == 303
    assert db.session.get(BatchAlert, raised.id).status == AlertStatus.CLOSED


def test_run_the_check_from_the_page(client, login, fleet):
    login(fleet.world.users[Role.ADMIN])
    response = client.post("/quality/check", follow_redirects=True)
    assert response.status_code == 200
    run = db.session.scalars(sa.select(AlertRun)).one()
    assert run.started_by == fleet.world.users[Role.ADMIN] and not run.scheduled
    assert run.alerts_raised == 1


def test_cli_check(runner, fleet):
    result = runner.invoke(args=["alerts", "check"])
    assert result.exit_code == 0, result.output
    assert "1 alerts raised" in result.output
    assert f"raised: {fleet.part.part_number} batch B05" in result.output


def test_policy_form_checks_the_alert_settings(client, login, world):
    login(world.users[Role.ADMIN])
    form = client.get("/catalog/policy/edit").get_data(as_text=True)
    data = {name: value for name, value in _inputs(form).items() if name != "auto_approve"}
    assert data["alert_false_rate"] == "0.05000"
    for bad in ({"alert_false_rate": "0"}, {"alert_false_rate": "0.25"},
                {"alert_min_failures": "0"}):
        response = client.post("/catalog/policy/edit", data={**data, **bad})
        assert response.status_code == 422, bad
    response = client.post("/catalog/policy/edit", data={
        **data, "alert_false_rate": "0.1", "alert_min_failures": "4"})
    assert response.status_code == 303
    assert warning.thresholds() == (0.1, 4)


def _inputs(html):
    import re

    return dict(re.findall(r'<input[^>]*name="([a-z_0-9]+)"[^>]*value="([^"]*)"', html))


def test_key_part_on_the_part_form_and_list(client, login, world):
    model = factories.make_model()
    part = factories.make_part(models=[model])
    other = factories.make_part(models=[model])
    login(world.users[Role.ADMIN])
    form = client.get(f"/catalog/parts/{part.id}/edit").get_data(as_text=True)
    assert 'name="key_part"' in form
    data = {**_inputs(form), "kind": "main", "model_ids": [model.id], "key_part": "y",
            "return_required": "y", "is_active": "y"}
    data.pop("watched", None)
    assert client.post(f"/catalog/parts/{part.id}/edit", data=data).status_code == 303
    assert db.session.get(type(part), part.id).key_part
    listed = client.get("/catalog/parts?key=1").get_data(as_text=True)
    assert part.part_number in listed and other.part_number not in listed


def test_risk_counts_count_the_units_at_risk(fleet):
    from portal.units.scope import visible_units

    world = fleet.world
    fleet.batch("B05", 2, card=False, dealer=world.dealer_b)
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    for stmt in (None, visible_units(world.rep_b), visible_units(world.users[Role.SALES_REP])):
        groups = warning.units_at_risk(alert, stmt)
        page = warning.risk_counts(alert, stmt)
        assert [(c.dealer.code, c.sold, c.unsold) for c in page.rows] == [
            (g.dealer.code, len(g.sold), len(g.unsold)) for g in groups]
        assert (page.dealers, page.sold, page.unsold, page.next_cursor) == (
            len(groups), sum(len(g.sold) for g in groups), sum(len(g.unsold) for g in groups),
            None)
    first = warning.risk_counts(alert, size=1)  # a page of one dealer, then the next
    assert [c.dealer.code for c in first.rows] == ["DA-01"] and first.dealers == 2
    assert (first.sold, first.unsold) == (20, 2)  # the totals are of every dealer
    second = warning.risk_counts(alert, size=1, after=first.next_cursor)
    assert [(c.dealer.code, c.sold, c.unsold) for c in second.rows] == [("DB-01", 0, 2)]
    assert second.next_cursor is None


def test_the_alert_page_shows_some_dealers_and_the_others_on_asking(client, login, fleet,
                                                                     monkeypatch):
    from portal.quality import views

    fleet.batch("B05", 2, card=False, dealer=fleet.world.dealer_b)
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    monkeypatch.setattr(views, "DEALERS_SHOWN", 1)
    login(fleet.world.users[Role.TECHNICAL])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/quality/alerts/{alert.id}").get_data(as_text=True)
    section = page.split('id="units-at-risk"')[1].split("</section>")[0]
    assert "2 dealers hold units of the batch: 20 in the field, 2 in stock." in section
    assert "DA-01" in section and "DB-01" not in section and 'id="more-row"' in section
    more = section.split('id="more-row"')[1].split('hx-get="')[1].split('"')[0]
    rows = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in rows and "DB-01" in rows and "more-row" not in rows
    whole = client.get(more).get_data(as_text=True)  # without JavaScript: a page of its own
    assert "<html" in whole and "DB-01" in whole


def test_the_check_keeps_its_figures_for_the_alert_page(fleet):
    run = warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    as_of = run.started_at.astimezone(SHANGHAI).date()

    def rounded(figures):
        return sorted((f.batch, f.failures, f.units, f.unit_days, round(f.expected, 4),
                       round(f.p_value, 12)) for f in figures)

    assert rounded(warning.last_checked(alert.part_id)) == rounded(
        warning.batch_figures(as_of, [alert.part_id]))
    assert warning.last_checked(-1) is None
    warning.check(now=NOW)  # replaced, not added to
    assert len(warning.last_checked(alert.part_id)) == 5


def test_the_page_opens_a_dealers_units_in_place(client, login, fleet, raised):
    login(fleet.world.users[Role.TECHNICAL])
    page = client.get(f"/quality/alerts/{raised.id}").get_data(as_text=True)
    dealer = fleet.world.dealer_a
    url = f"/quality/alerts/{raised.id}/units?dealer={dealer.id}"
    assert url in page and "<li>" not in page.split('id="units-at-risk"')[1].split("</section>")[0]
    units = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in units and units.count("<li>") == 20
    assert fleet.units["B05"][0].serial in client.get(url).get_data(as_text=True)
    login(fleet.world.rep_b)  # B05 was sold by dealer A
    assert fleet.units["B05"][0].serial not in client.get(url).get_data(as_text=True)


def test_only_technical_and_admin_act_on_alerts(fleet):
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    for role in (Role.CLERK, Role.SALES_REP, Role.FINANCE):
        with pytest.raises(DomainError):
            warning.acknowledge(alert, "I will look.", actor=fleet.world.users[role], now=NOW)
    assert alert.status == AlertStatus.OPEN and alert.acknowledged_by is None
    warning.acknowledge(alert, "Looking into it.", actor=fleet.world.users[Role.ADMIN], now=NOW)
    assert alert.status == AlertStatus.ACKNOWLEDGED


def _others_fail_as_often(fleet):
    for n in range(1, 5):  # the other batches catch up: B05 no longer stands out
        fleet.fail(f"B0{n}", 8)


def test_the_check_closes_an_open_alert_whose_batch_no_longer_stands_out(fleet):
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    _others_fail_as_often(fleet)
    later = NOW + timedelta(days=1)
    run = warning.check(now=later)
    assert (run.alerts_raised, run.alerts_updated, run.alerts_closed) == (0, 0, 1)
    assert alert.status == AlertStatus.CLOSED
    assert alert.close_reason == CloseReason.NO_LONGER_STANDS_OUT
    assert alert.closed_by is None and alert.closed_at == later and alert.close_note == ""
    assert alert.checked_run is run and alert.p_value > run.p_cutoff  # the figures it closed on
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "batch_alerts").order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.from_state, entry.to_state) == (
        "close", None, "open", "closed")
    assert entry.changes == {"close_reason": [None, "no_longer_stands_out"]}
    assert db.session.scalar(sa.select(sa.func.count(BatchAlert.id))) == 1  # kept, not deleted
    assert warning.check(now=later).alerts_raised == 0  # nor raised again on the same evidence


def test_an_acknowledged_alert_stays_with_its_owner(fleet):
    warning.check(now=NOW)
    alert = db.session.scalars(sa.select(BatchAlert)).one()
    warning.acknowledge(alert, "Foundry asked.", actor=fleet.world.users[Role.TECHNICAL],
                        now=NOW)
    _others_fail_as_often(fleet)
    run = warning.check(now=NOW + timedelta(days=1))
    assert (run.alerts_updated, run.alerts_closed) == (1, 0)
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.p_value > run.p_cutoff


def test_the_page_explains_the_alert_in_chinese_and_english(client, login, fleet, raised):
    login(fleet.world.users[Role.TECHNICAL])
    page = client.get(f"/quality/alerts/{raised.id}").get_data(as_text=True)
    assert "售出天数" in page and "91–180" in page and "同一机型" in page
    assert "5 个（零部件，批次）组合" in page and "误报的比例预计不超过 5%" in page
    assert "故障 8 次" in page and "预期 1.0 次" in page
    _others_fail_as_often(fleet)
    warning.check(now=NOW + timedelta(days=1))
    page = client.get(f"/quality/alerts/{raised.id}").get_data(as_text=True)
    assert "由检查自动关闭" in page and "不再明显高于" in page
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/quality/alerts/{raised.id}").get_data(as_text=True)
    assert "by the check" in page and "no longer finds this batch standing out" in page
    assert "Days since sale" in page and "same model" in page


def test_an_alerts_failures_find_each_claims_lines_of_the_part_in_the_index(app):
    """The failures behind an alert (an EXISTS per claim of the batch) find the claim's lines
    of the part in ix_claim_lines_claim_part, not by reading every line row of each of the
    batch's claims (a batch's units had 543 claims and 1,373 lines on the bench data)."""
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("INDEXED BY is SQLite's")
    alert = BatchAlert(part_id=1, batch="B-1")
    compiled = warning.claims_behind(alert).compile(
        db.session.get_bind(), compile_kwargs={"render_postcompile": True})
    sql = str(compiled).replace("FROM claim_lines",
                                "FROM claim_lines INDEXED BY ix_claim_lines_claim_part", 1)
    params = tuple(compiled.params[name] for name in compiled.positiontup)
    plan = " ".join(str(row) for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + sql, params))
    assert "INDEX ix_claim_lines_claim_part (claim_id=? AND part_id=? AND kind=?)" in plan, plan
