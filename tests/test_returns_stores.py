"""The old-part stores, supplier recovery and each dealer's return compliance."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.cases.recovery import recovery
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.extensions import db
from portal.returns.compliance import compliance
from portal.returns.models import (
    Destination,
    OwedPart,
    OwedStatus,
    StoreItem,
    StoreState,
    Verdict,
)
from portal.returns.owed import record_verdict
from portal.returns.stores import move_item
from portal.workflow import claims as workflow
from tests import builders, factories
from tests.builders import owed_of, receive
from tests.helpers import QueryCounter, count_queries

TODAY = shanghai_today()
submitted_claim = partial(builders.submitted_claim, today=TODAY)


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a)


@pytest.fixture
def dealer(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def tech(world):
    return world.users[Role.TECHNICAL]


@pytest.fixture
def clerk(world):
    return world.users[Role.CLERK]


def owed_rows(unit, part, specs):
    """Owed parts as stored rows, one claim line each: specs are dicts of OwedPart columns."""
    claim = factories.make_claim(unit, status="submitted", lines=[
        {"kind": "part", "amount": "10.00", "part": part, "quantity": 1, "unit_price": "10.00"}
        for _ in specs])
    rows = [OwedPart(claim=claim, line=line, dealer_id=unit.dealer_id, part=part, unit=unit,
                     **spec) for line, spec in zip(claim.lines, specs, strict=True)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def stored(shop, store: Destination, n: int = 1) -> list[StoreItem]:
    rows = owed_rows(shop.unit, shop.main_part, [
        {"due_on": TODAY, "status": OwedStatus.RECEIVED, "received_on": TODAY,
         "verdict": Verdict.QUALITY_FAULT, "destination": store} for _ in range(n)])
    items = [StoreItem(owed_part=o, store=store, entered_on=TODAY - timedelta(days=i))
             for i, o in enumerate(rows)]
    db.session.add_all(items)
    db.session.flush()
    return items


# ---------------------------------------------------------------- stores


@pytest.mark.parametrize(("store", "to", "note"), [
    (Destination.REUSABLE, StoreState.REUSED, "用于WX20260000123维修"),
    (Destination.REUSABLE, StoreState.SCRAPPED, ""),
    (Destination.SCRAP, StoreState.SCRAPPED, ""),
    (Destination.SUPPLIER, StoreState.DISPATCHED, "SF1234567890"),
])
def test_allowed_store_moves_are_recorded(shop, clerk, store, to, note):
    from portal.core.audit import history

    (item,) = stored(shop, store)
    move_item(item, to, note, actor=clerk, today=TODAY)
    assert (item.state, item.out_on, item.out_by_id, item.out_note) == (to, TODAY, clerk.id,
                                                                         note)
    (entry,) = history(item)
    assert (entry.action, entry.from_state, entry.to_state) == ("store_move", "in_store",
                                                                to.value)


@pytest.mark.parametrize(("store", "to"), [
    (Destination.SCRAP, StoreState.REUSED),
    (Destination.SCRAP, StoreState.DISPATCHED),
    (Destination.SUPPLIER, StoreState.SCRAPPED),
    (Destination.SUPPLIER, StoreState.REUSED),
    (Destination.REUSABLE, StoreState.DISPATCHED),
    (Destination.REUSABLE, StoreState.IN_STORE),
])
def test_other_store_moves_are_refused(shop, clerk, store, to):
    (item,) = stored(shop, store)
    with pytest.raises(DomainError, match="cannot be"):
        move_item(item, to, "note", actor=clerk, today=TODAY)
    assert item.state == StoreState.IN_STORE


def test_a_part_leaves_once_with_its_note_and_only_by_the_clerk(world, shop, clerk):
    reuse, dispatch = stored(shop, Destination.REUSABLE)[0], stored(shop, Destination.SUPPLIER)[0]
    with pytest.raises(DomainError) as refused:
        move_item(reuse, StoreState.REUSED, " ", actor=clerk, today=TODAY)
    assert refused.value.field == "note"
    with pytest.raises(DomainError, match="waybill"):
        move_item(dispatch, StoreState.DISPATCHED, "", actor=clerk, today=TODAY)
    with pytest.raises(DomainError, match="sales clerk"):
        move_item(reuse, StoreState.SCRAPPED, "", actor=world.users[Role.TECHNICAL],
                  today=TODAY)
    move_item(reuse, StoreState.SCRAPPED, "", actor=world.users[Role.ADMIN], today=TODAY)
    with pytest.raises(DomainError, match="already left"):
        move_item(reuse, StoreState.SCRAPPED, "", actor=clerk, today=TODAY)


def test_the_store_pages(client, login, world, shop, clerk):
    reuse = stored(shop, Destination.REUSABLE, 2)
    scrap = stored(shop, Destination.SCRAP)[0]
    db.session.commit()
    login(world.users[Role.TECHNICAL])
    page = client.get("/returns/stores/reusable").get_data(as_text=True)
    assert page.count(f"/returns/parts/{reuse[0].owed_part_id}") == 1
    assert "/move" not in page  # technical reads only
    assert client.post(f"/returns/stores/items/{reuse[0].id}/move",
                       data={"to": "reused", "note": "x"}).status_code == 403
    assert client.get("/returns/stores/elsewhere").status_code == 404
    login(clerk)
    refused = client.post(f"/returns/stores/items/{scrap.id}/move",
                          data={"to": "reused", "note": "x", "version": scrap.version})
    assert refused.status_code == 422
    refused = client.post(f"/returns/stores/items/{reuse[0].id}/move",
                          data={"to": "reused", "note": "", "version": reuse[0].version})
    assert refused.status_code == 422
    assert "Say which repair the part went into." in refused.get_data(as_text=True)
    done = client.post(f"/returns/stores/items/{reuse[0].id}/move",
                       data={"to": "reused", "note": "WX2026-88", "version": reuse[0].version})
    assert done.status_code == 303
    in_store = client.get("/returns/stores/reusable").get_data(as_text=True)
    assert f"store-item-{reuse[0].id}" not in in_store
    assert f"store-item-{reuse[1].id}" in in_store
    everything = client.get("/returns/stores/reusable?state=all").get_data(as_text=True)
    assert "WX2026-88" in everything
    login(world.users[Role.DEALER_ADMIN])
    assert client.get("/returns/stores/reusable").status_code == 403


# ---------------------------------------------------------------- supplier recovery


@pytest.fixture
def recoverable(shop, dealer, tech):
    """Four claims: two suppliers' quality faults (one claim with two), and one misuse."""
    shop.main_part.supplier = "潍柴动力"
    claims = [submitted_claim(shop, dealer),
              submitted_claim(shop, dealer, parts=[shop.main_part, shop.wear_part]),
              submitted_claim(shop, dealer),
              submitted_claim(shop, dealer)]
    for claim in claims[:3]:
        workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                        actor=tech)
    reduced = claims[3]
    workflow.decide(reduced, {line.id: (
        {"decision": "reduced", "amount": Decimal("60.00"), "note": "工时偏多"}
        if line.kind == "labour" else {"decision": "approved"}) for line in reduced.lines},
        actor=tech)
    verdicts = [(claims[0], 1, Verdict.QUALITY_FAULT), (claims[1], 1, Verdict.QUALITY_FAULT),
                (claims[1], 2, Verdict.QUALITY_FAULT), (claims[2], 1, Verdict.MISUSE),
                (claims[3], 1, Verdict.QUALITY_FAULT)]
    for claim, position, verdict in verdicts:
        record_verdict(receive(owed_of(claim, position)), verdict, actor=tech, today=TODAY,
                       cause="断裂", destination=Destination.SUPPLIER)
    owed_of(claims[3]).verdict_at = datetime(2025, 1, 9, 16, 30, tzinfo=UTC)  # 10 Jan, 00:30
    db.session.flush()
    return claims


def test_recovery_amounts_per_supplier_in_decimal(recoverable):
    weichai, nobody = recovery()
    assert weichai.supplier == "潍柴动力" and nobody.supplier == ""
    assert [(r.document, r.part_cost, r.labour, r.amount) for r in weichai.rows] == [
        (recoverable[3].number, Decimal("1200.00"), Decimal("60.00"), Decimal("1260.00")),
        (recoverable[0].number, Decimal("1200.00"), Decimal("125.00"), Decimal("1325.00")),
        (recoverable[1].number, Decimal("1200.00"), Decimal("125.00"), Decimal("1325.00"))]
    assert (weichai.part_cost, weichai.labour, weichai.amount) == (
        Decimal("3600.00"), Decimal("310.00"), Decimal("3910.00"))
    # The second faulty part of a claim does not recover its labour again.
    assert [(r.part_cost, r.labour, r.amount) for r in nobody.rows] == [
        (Decimal("35.50"), Decimal("0.00"), Decimal("35.50"))]
    assert all(isinstance(v, Decimal) for r in weichai.rows for v in (r.part_cost, r.labour))


def test_recovery_date_range_uses_shanghai_dates(recoverable):
    (only,) = recovery(date(2025, 1, 10), date(2025, 1, 10))
    assert [r.document for r in only.rows] == [recoverable[3].number]
    assert recovery(date(2025, 1, 1), date(2025, 1, 9)) == []
    assert sum(len(g.rows) for g in recovery(date(2025, 1, 11), None)) == 3


def test_recovery_page_and_excel(client, login, world, recoverable):
    db.session.commit()
    login(world.users[Role.FINANCE])
    page = client.get("/returns/recovery").get_data(as_text=True)
    assert "潍柴动力" in page and "3,910.00" in page and "¥3,945.50" in page
    response = client.get("/returns/recovery.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    first = rows[0]
    assert (first[0], first[1], first[3]) == ("潍柴动力", recoverable[3].number,
                                              recoverable[3].lines[0].part.part_number)
    assert first[7:] == (1200, 60, 1260)
    assert sheet.cell(2, 10).data_type == "n" and sheet.cell(2, 10).number_format == "0.00"
    assert rows[3][0] == "(no supplier recorded)" and rows[3][9] == 35.5
    filtered = client.get("/returns/recovery.xlsx?start=2025-01-10&end=2025-01-10")
    assert load_workbook(io.BytesIO(filtered.data)).active.max_row == 2
    for role in (Role.CLERK, Role.DEALER_ADMIN, Role.SALES_REP):
        login(world.users[role])
        assert client.get("/returns/recovery").status_code == 403
        assert client.get("/returns/recovery.xlsx").status_code == 403


def test_recovery_takes_a_fixed_number_of_queries(db, recoverable):
    with QueryCounter(db.engine) as counter:
        recovery()
    assert counter.count <= 3


# ---------------------------------------------------------------- compliance


def test_compliance_figures_on_a_known_set(world, shop):
    today = date(2026, 3, 1)
    year_end, mid_year, next_mid = date(2025, 12, 31), date(2025, 6, 30), date(2026, 6, 30)
    got = OwedStatus.RECEIVED
    owed_rows(shop.unit, shop.main_part, [
        {"due_on": year_end, "status": got, "received_on": date(2025, 12, 20)},  # on time
        {"due_on": year_end, "status": got, "received_on": year_end},  # on time, on the day
        {"due_on": year_end, "status": got, "received_on": date(2026, 1, 5)},  # 5 days late
        {"due_on": mid_year, "status": got, "received_on": date(2025, 7, 10)},  # 10 days late
        {"due_on": year_end, "status": OwedStatus.MISSING},  # overdue
        {"due_on": year_end, "status": OwedStatus.OWED},  # overdue
        {"due_on": year_end, "status": OwedStatus.WAIVED},  # waived
        {"due_on": next_mid, "status": OwedStatus.OWED},  # not due yet
        {"due_on": next_mid, "status": got, "received_on": date(2026, 2, 1)},  # early
        {"due_on": year_end, "status": OwedStatus.CANCELLED},  # not owed at all
        {"due_on": today, "status": OwedStatus.SHIPPED},  # due today: not late yet
    ])
    unit_b = factories.make_unit(model=shop.model, dealer=world.dealer_b)
    owed_rows(unit_b, shop.main_part, [
        {"due_on": year_end, "status": got, "received_on": date(2026, 1, 1)}])
    lonely = factories.make_dealer()
    figures = compliance([world.dealer_a.id, world.dealer_b.id, lonely.id], today)
    a = figures[world.dealer_a.id]
    assert (a.due, a.on_time, a.late, a.overdue, a.waived) == (8, 3, 2, 2, 1)
    assert a.average_days_late == Decimal("7.5")
    assert a.on_time_percent == 43  # 3 of the 7 that had to come back
    b = figures[world.dealer_b.id]
    assert (b.due, b.late, b.average_days_late) == (1, 1, Decimal("1.0"))
    assert lonely.id not in figures


def test_stored_compliance_is_compliance_as_of_its_refresh(world, shop):
    """The rep's page reads every dealer's figures from a snapshot: the same as counted, until
    it is refreshed."""
    from portal.analytics import snapshots
    from portal.core.db import shanghai_today, utcnow

    today = shanghai_today()
    owed_rows(shop.unit, shop.main_part, [
        {"due_on": date(2025, 6, 30), "status": OwedStatus.MISSING},
        {"due_on": date(2025, 6, 30), "status": OwedStatus.RECEIVED,
         "received_on": date(2025, 7, 3)}])
    lonely = factories.make_dealer()
    ids = [world.dealer_a.id, world.dealer_b.id, lonely.id]
    snapshots.refresh_compliance(today, utcnow())
    stored, as_of = snapshots.stored_compliance(ids, utcnow())
    assert stored == compliance(ids, today) and world.dealer_a.id in stored and as_of
    owed_rows(shop.unit, shop.main_part, [
        {"due_on": date(2025, 6, 30), "status": OwedStatus.MISSING}])
    assert snapshots.stored_compliance(ids, utcnow())[0] == stored  # as of then
    snapshots.refresh_compliance(today, utcnow())
    assert snapshots.stored_compliance(ids, utcnow())[0] == compliance(ids, today) != stored


def test_compliance_is_shown_to_the_dealer_its_rep_and_head_office(client, login, world, shop):
    owed_rows(shop.unit, shop.main_part, [
        {"due_on": date(2025, 6, 30), "status": OwedStatus.MISSING},
        {"due_on": date(2025, 6, 30), "status": OwedStatus.RECEIVED,
         "received_on": date(2025, 7, 3)}])
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    home = client.get("/home/dealer").get_data(as_text=True)
    assert 'id="returns-compliance"' in home and "3.0" in home
    login(world.users[Role.SALES_REP])
    rep = client.get("/home/rep").get_data(as_text=True)
    assert 'id="returns-compliance"' in rep and world.dealer_a.code in rep
    assert 'class="muted as-of"' in rep.split('id="returns-compliance"')[1]
    login(world.users[Role.ADMIN])
    detail = client.get(f"/dealers/{world.dealer_a.id}").get_data(as_text=True)
    assert 'id="returns-compliance"' in detail and "3.0" in detail  # as the rep's home counts
    assert 'class="muted as-of"' in detail.split('id="returns-compliance"')[1]


def test_store_and_queue_pages_take_a_fixed_number_of_queries(client, login, world, shop, db):

    login(world.users[Role.TECHNICAL])

    def add(n):
        stored(shop, Destination.SCRAP, n)
        owed_rows(shop.unit, shop.main_part, [
            {"due_on": TODAY, "status": OwedStatus.RECEIVED, "received_on": TODAY}
            for _ in range(n)])
        db.session.commit()

    add(2)
    count_queries(db, client, "/home/technical")
    urls = ("/returns/stores/scrap", "/returns/verdicts")
    few = [count_queries(db, client, url) for url in urls]
    add(10)
    many = [count_queries(db, client, url) for url in urls]
    assert many == few


def test_the_dealers_box_reads_the_snapshot_once_made(client, login, world, shop):
    """Before the first refresh the dealer's box counts for this request; then it shows the
    stored counts, as of when, however the parts changed since."""
    from portal.analytics import snapshots
    from portal.core.db import utcnow

    owed_rows(shop.unit, shop.main_part, [
        {"due_on": date(2025, 6, 30), "status": OwedStatus.MISSING}])
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])

    def box():
        page = client.get("/home/dealer").get_data(as_text=True)
        return page.split('id="returns-compliance"')[1].split("</section>")[0]

    assert '<span class="badge bad">1</span>' in box()
    snapshots.refresh_compliance(shanghai_today(), utcnow())
    owed_rows(shop.unit, shop.main_part, [
        {"due_on": date(2025, 6, 30), "status": OwedStatus.MISSING}])
    db.session.commit()
    stored = box()
    assert '<span class="badge bad">1</span>' in stored and 'class="muted as-of"' in stored
    snapshots.refresh_compliance(shanghai_today(), utcnow())
    db.session.commit()
    assert '<span class="badge bad">2</span>' in box()
