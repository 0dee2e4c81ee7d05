"""Receipt of return shipments: labels scanned, parts marked, the shipment reconciled."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.returns import receipt
from portal.returns.models import OwedStatus, Receipt, ShipmentStatus
from portal.returns.queues import RECEIVE
from tests import factories

TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def english():
    """The services' messages are matched in English here."""
    with force_locale("en"):
        yield


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture
def clerk(world):
    return world.users[Role.CLERK]


@pytest.fixture
def parts(world):
    return factories.make_owed_parts(world.dealer_a, 3)


@pytest.fixture
def shipment(world, parts):
    return factories.make_return_shipment(parts)


def mark(line, state, clerk, note="", **kwargs):
    return receipt.mark(line, state, actor=clerk, now=utcnow(), today=TODAY, note=note, **kwargs)


def refused(action, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- reading a label


def test_a_label_is_read_whatever_the_scanner_adds(parts):
    owed = parts[0]
    text = owed.qr_text
    assert receipt.parse_label(text) == (owed.id, owed.claim.number, owed.line.position)
    for variant in (f"{text}\r\n", f"  {text.lower()}\n", text.replace(":", "："),
                    f"{text}\r"):
        assert receipt.parse_label(variant) == (owed.id, owed.claim.number, 1)


@pytest.mark.parametrize("text", ["", "   \r\n", "hello", "SBOP:12", "SBOP:x:WX1:1",
                                  "https://example.com/SBOP:1:WX1:1", "SBOP:1:WX1:1:9"])
def test_anything_else_is_not_a_label(text):
    error = refused(receipt.parse_label, text)
    assert error.field == "code"


def test_a_scan_finds_the_line_in_its_shipment(shipment, parts):
    line = receipt.find_by_scan(parts[1].qr_text + "\r\n", shipment)
    assert line.shipment_id == shipment.id and line.owed_part_id == parts[1].id
    assert receipt.find_by_scan(parts[1].qr_text) == line  # without a shipment: its latest


def test_an_unknown_part_is_refused(shipment, parts):
    error = refused(receipt.find_by_scan, f"SBOP:{parts[-1].id + 999}:WX1:1", shipment)
    assert "No old part has the number" in error.message


def test_a_label_whose_claim_does_not_match_is_refused(shipment, parts):
    owed = parts[0]
    forged = f"SBOP:{owed.id}:WX19990000001:{owed.line.position}"
    error = refused(receipt.find_by_scan, forged, shipment)
    assert "does not match" in error.message and owed.claim.number in error.message
    wrong_line = f"SBOP:{owed.id}:{owed.claim.number}:{owed.line.position + 5}"
    assert "does not match" in refused(receipt.find_by_scan, wrong_line, shipment).message


def test_a_part_of_another_shipment_names_that_shipment(world, shipment):
    other_parts = factories.make_owed_parts(world.dealer_a, 1)
    other = factories.make_return_shipment(other_parts)
    error = refused(receipt.find_by_scan, other_parts[0].qr_text, shipment)
    assert other.number in error.message and other_parts[0].unit.serial in error.message


def test_a_part_not_shipped_yet_is_refused(world, shipment):
    unshipped = factories.make_owed_parts(world.dealer_a, 1)[0]
    error = refused(receipt.find_by_scan, unshipped.qr_text, shipment)
    assert "not in any shipment" in error.message


# ---------------------------------------------------------------- marking


def test_marking_moves_the_part_and_the_shipment(shipment, clerk):
    line = shipment.lines[0]
    assert mark(line, Receipt.RECEIVED, clerk) is True
    owed = line.owed_part
    assert (owed.status, owed.received_on, owed.damaged) == (OwedStatus.RECEIVED, TODAY, False)
    assert shipment.status == ShipmentStatus.RECEIVING
    assert line.received_by_id == clerk.id and line.received_at is not None
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "receive")).all()
    assert {(e.entity_type, e.from_state, e.to_state) for e in entries} == {
        ("owed_parts", "shipped", "received"), ("return_shipments", "shipped", "receiving")}


def test_marking_again_changes_it_until_reconciled(shipment, clerk):
    line = shipment.lines[0]
    mark(line, Receipt.MISSING, clerk)
    assert (line.owed_part.status, line.owed_part.received_on) == (OwedStatus.MISSING, None)
    mark(line, Receipt.RECEIVED, clerk, was=Receipt.MISSING)
    assert line.owed_part.status == OwedStatus.RECEIVED
    mark(line, Receipt.DAMAGED, clerk, note="壳体裂开", was=Receipt.RECEIVED)
    owed = line.owed_part
    assert (owed.status, owed.damaged, owed.received_on) == (OwedStatus.RECEIVED, True, TODAY)
    assert line.note == "壳体裂开"


def test_damaged_needs_a_note(shipment, clerk):
    error = refused(mark, shipment.lines[0], Receipt.DAMAGED, clerk, note="  ")
    assert error.field == "note"
    assert shipment.lines[0].receipt == Receipt.PENDING


def test_a_double_click_changes_nothing_and_a_stale_page_is_refused(shipment, clerk):
    line = shipment.lines[0]
    mark(line, Receipt.MISSING, clerk, was=Receipt.PENDING)
    count = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    assert mark(line, Receipt.MISSING, clerk, was=Receipt.PENDING) is False
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == count
    error = refused(mark, line, Receipt.RECEIVED, clerk, was=Receipt.PENDING)
    assert "Someone else" in error.message and line.receipt == Receipt.MISSING


def test_only_the_clerk_or_an_administrator_receives(world, shipment):
    for role in (Role.DEALER_ADMIN, Role.SALES_REP, Role.TECHNICAL):
        refused(mark, shipment.lines[0], Receipt.RECEIVED, world.users[role])
    mark(shipment.lines[0], Receipt.RECEIVED, world.users[Role.ADMIN])


def test_a_scan_receives_and_a_second_scan_changes_nothing(shipment, clerk, parts):
    result = receipt.receive_scan(shipment, parts[2].qr_text.lower() + "\r\n", actor=clerk,
                                  now=utcnow(), today=TODAY)
    assert result.changed and parts[2].status == OwedStatus.RECEIVED
    again = receipt.receive_scan(shipment, parts[2].qr_text, actor=clerk, now=utcnow(),
                                 today=TODAY)
    assert not again.changed and again.line == result.line


# ---------------------------------------------------------------- reconciling


def test_reconciliation_with_a_missing_and_a_damaged_part(shipment, clerk, parts):
    received, missing, damaged = shipment.lines
    mark(received, Receipt.RECEIVED, clerk)
    mark(missing, Receipt.MISSING, clerk)
    mark(damaged, Receipt.DAMAGED, clerk, note="运输中压坏")
    tally = receipt.reconcile(shipment, actor=clerk, now=utcnow(), version=shipment.version)
    assert (tally[Receipt.RECEIVED], tally[Receipt.MISSING], tally[Receipt.DAMAGED]) == (1, 1, 1)
    assert shipment.status == ShipmentStatus.RECONCILED and shipment.reconciled_by_id == clerk.id
    assert [(p.status, p.received_on, p.damaged) for p in parts] == [
        (OwedStatus.RECEIVED, TODAY, False), (OwedStatus.MISSING, None, False),
        (OwedStatus.RECEIVED, TODAY, True)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "reconcile")).one()
    assert (entry.from_state, entry.to_state) == ("receiving", "reconciled")
    assert entry.changes == {"received": [None, 1], "missing": [None, 1], "damaged": [None, 1]}


def test_reconciliation_is_refused_while_parts_are_unchecked(shipment, clerk):
    mark(shipment.lines[0], Receipt.RECEIVED, clerk)
    error = refused(receipt.reconcile, shipment, actor=clerk, now=utcnow())
    assert "2 part(s) are not checked yet" in error.message
    assert shipment.status == ShipmentStatus.RECEIVING
    assert receipt.mark_unchecked_missing(shipment, actor=clerk, now=utcnow(), today=TODAY) == 2
    assert receipt.reconcile(shipment, actor=clerk, now=utcnow())[Receipt.MISSING] == 2


def test_a_stale_reconcile_is_refused(shipment, clerk):
    for line in shipment.lines:
        mark(line, Receipt.RECEIVED, clerk)
    error = refused(receipt.reconcile, shipment, actor=clerk, now=utcnow(),
                    version=shipment.version - 1)
    assert "Someone else changed" in error.message


def test_nothing_changes_after_reconciliation(shipment, clerk, parts):
    for line in shipment.lines:
        mark(line, Receipt.RECEIVED, clerk)
    receipt.reconcile(shipment, actor=clerk, now=utcnow())
    assert "reconciled" in refused(mark, shipment.lines[0], Receipt.MISSING, clerk).message
    refused(receipt.receive_scan, shipment, parts[0].qr_text, actor=clerk, now=utcnow(),
            today=TODAY)
    refused(receipt.mark_unchecked_missing, shipment, actor=clerk, now=utcnow(), today=TODAY)
    refused(receipt.reconcile, shipment, actor=clerk, now=utcnow())
    assert all(p.status == OwedStatus.RECEIVED for p in parts)


def test_a_missing_part_can_come_in_a_later_shipment(world, shipment, clerk, parts):
    for line, state in zip(shipment.lines, (Receipt.RECEIVED, Receipt.RECEIVED, Receipt.MISSING),
                           strict=True):
        mark(line, state, clerk)
    receipt.reconcile(shipment, actor=clerk, now=utcnow())
    later = factories.make_return_shipment([parts[2]])
    line = receipt.find_by_scan(parts[2].qr_text)  # the open shipment, not the reconciled one
    assert line.shipment_id == later.id
    receipt.receive_scan(later, parts[2].qr_text, actor=clerk, now=utcnow(),
                         today=TODAY + timedelta(days=5))
    assert (parts[2].status, parts[2].received_on) == (OwedStatus.RECEIVED,
                                                       TODAY + timedelta(days=5))


def test_the_clerk_sees_what_waits(world, shipment):
    factories.make_return_shipment(factories.make_owed_parts(world.dealer_b, 1),
                                   shipped_on=date(2026, 1, 5), waybill="ZT777")
    clerk, now = world.users[Role.CLERK], utcnow()
    waiting = RECEIVE.pile(clerk, now)
    assert (waiting.count, waiting.oldest) == (2, date(2026, 1, 5))
    to_receive = RECEIVE.select(clerk, now)
    assert db.session.scalars(receipt.searched(to_receive, "zt7")).one().dealer_id == \
        world.dealer_b.id
    assert db.session.scalars(receipt.searched(to_receive, world.dealer_a.code)).one() == shipment


# ---------------------------------------------------------------- pages


HX = {"HX-Request": "true"}


def test_the_receiving_page_scans_by_htmx(client, login, clerk, shipment, parts):
    login(clerk)
    page = client.get(f"/returns/receiving/{shipment.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="code"' in html and "autofocus" in html
    assert "js/scan.js" in html and "vendor/jsQR-1.4.0.js" in html and "<script>" not in html
    answer = client.post(f"/returns/receiving/{shipment.id}/scan",
                         data={"code": parts[0].qr_text + "\r\n"}, headers=HX)
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in fragment
    assert 'id="receipt-panel"' in fragment and "Received:" in fragment
    for text in (parts[0].claim.number, parts[0].part.part_number, parts[0].unit.serial):
        assert text in fragment
    assert parts[0].status == OwedStatus.RECEIVED
    bad = client.post(f"/returns/receiving/{shipment.id}/scan", data={"code": "SBOP:1:X:1:2"},
                      headers=HX)
    assert bad.status_code == 422 and "not an old-part label" in bad.get_data(as_text=True)


def test_the_list_buttons_and_the_reconcile(client, login, clerk, shipment, parts):
    login(clerk)
    first, second, third = shipment.lines
    url = "/returns/receiving/lines/{}"
    assert client.post(url.format(first.id), data={"receipt": "received", "was": "pending"},
                       headers=HX).status_code == 200
    no_note = client.post(url.format(second.id), data={"receipt": "damaged", "note": ""},
                          headers=HX)
    assert no_note.status_code == 422 and "Describe the damage" in no_note.get_data(True)
    client.post(url.format(second.id), data={"receipt": "damaged", "note": "裂"}, headers=HX)
    early = client.post(f"/returns/receiving/{shipment.id}/reconcile",
                        data={"version": shipment.version}, headers=HX)
    assert early.status_code == 422 and "not checked yet" in early.get_data(True)
    client.post(url.format(third.id), data={"receipt": "missing"}, headers=HX)
    done = client.post(f"/returns/receiving/{shipment.id}/reconcile",
                       data={"version": shipment.version}, headers=HX)
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/returns/receiving"
    assert shipment.status == ShipmentStatus.RECONCILED
    assert [p.status for p in parts] == [OwedStatus.RECEIVED, OwedStatus.RECEIVED,
                                         OwedStatus.MISSING]
    page = client.get(f"/returns/receiving/{shipment.id}").get_data(as_text=True)
    assert 'name="code"' not in page and "scan.js" not in page


def test_the_incoming_list_and_the_clerk_home(client, login, clerk, shipment):
    login(clerk)
    listing = client.get("/returns/receiving?q=" + shipment.number[:6])
    assert shipment.number in listing.get_data(as_text=True)
    rows = client.get("/returns/receiving?q=nothing-like-it", headers=HX).get_data(as_text=True)
    assert shipment.number not in rows and "<html" not in rows
    home = client.get("/home/clerk").get_data(as_text=True)
    assert "/returns/receiving" in home and "shipments to receive" in home


def test_the_incoming_list_counts_each_shipments_parts_and_those_checked(
        client, login, clerk, shipment):
    shipment.lines[0].receipt = Receipt.RECEIVED
    shipment.lines[1].receipt = Receipt.MISSING
    db.session.commit()
    login(clerk)
    rows = client.get("/returns/receiving", headers=HX).get_data(as_text=True)
    row = re.search(rf"<tr>\s*<td[^>]*><a [^>]*>{shipment.number}</a>.*?</tr>", rows, re.S)[0]
    parts = len(shipment.lines)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == [str(parts), "2"]
    assert receipt.line_tallies([shipment.id]) == {shipment.id: (parts, 2)}
    assert receipt.line_tallies([]) == {}


@pytest.mark.parametrize("role", [Role.DEALER_ADMIN, Role.DEALER_STAFF, Role.SALES_REP,
                                  Role.TECHNICAL, Role.FINANCE])
def test_only_the_clerk_and_admin_reach_the_receiving_pages(client, login, world, shipment,
                                                            parts, role):
    login(world.users[role])
    assert client.get(f"/returns/receiving/{shipment.id}").status_code == 403
    assert client.post(f"/returns/receiving/{shipment.id}/scan",
                       data={"code": parts[0].qr_text}).status_code == 403
    assert client.post(f"/returns/receiving/lines/{shipment.lines[0].id}",
                       data={"receipt": "received"}).status_code == 403
    assert parts[0].status == OwedStatus.SHIPPED


def test_the_dealer_sees_the_discrepancies_of_its_own_shipments(client, login, world, clerk,
                                                                shipment):
    mark(shipment.lines[0], Receipt.MISSING, clerk)
    mark(shipment.lines[1], Receipt.DAMAGED, clerk, note="压坏了")
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/returns/shipments/{shipment.id}/receipt").get_data(as_text=True)
    assert "receipt-missing" in page and "receipt-damaged" in page and "压坏了" in page
    login(world.dealer_b_admin)
    assert client.get(f"/returns/shipments/{shipment.id}/receipt").status_code == 404
    login(world.rep_b)
    assert client.get(f"/returns/shipments/{shipment.id}/receipt").status_code == 404
    login(world.users[Role.SALES_REP])
    assert client.get(f"/returns/shipments/{shipment.id}/receipt").status_code == 200


def test_receipt_pages_do_not_grow_with_parts(client, login, world, clerk, db):
    from tests.helpers import QueryCounter

    login(clerk)
    shipment = factories.make_return_shipment(factories.make_owed_parts(world.dealer_a, 1))
    db.session.commit()
    urls = ["/returns/receiving", f"/returns/receiving/{shipment.id}",
            f"/returns/shipments/{shipment.id}/receipt"]

    def queries():
        counts = {}
        for url in urls:
            with QueryCounter(db.engine) as counter:
                assert client.get(url, headers=HX).status_code == 200
            counts[url] = counter.count
        return counts

    queries()  # the first requests of a session warm up
    few = queries()
    more = factories.make_owed_parts(world.dealer_a, 4)
    for owed in more:
        shipment.lines.append(receipt.ShipmentLine(owed_part=owed))
        owed.status = OwedStatus.SHIPPED
    factories.make_return_shipment(factories.make_owed_parts(world.dealer_b, 2))
    db.session.commit()
    assert queries() == few


SHIPMENT_STATS = """
ix_return_shipments_status_shipped 158773 52925 474
ix_return_shipments_dealer_id_desc 158773 159 1
ix_return_shipments_open_shipped 5801 645 1
sqlite_autoindex_return_shipments_1 158773 1
"""


def test_the_receiving_list_walks_the_open_shipments_in_order(db, world, shipment):
    """The shipments to receive, oldest first, are read from their partial index in its order
    and the walk stops at the page: not every shipment on its way or being received found and
    sorted (5,801 at scale 1.0, a temporary B-tree on SQLite, a sort on PostgreSQL)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan asked for is SQLite's")
    clerk = world.users[Role.CLERK]
    page = RECEIVE.ordered(clerk, utcnow()).limit(26)
    compiled = page.compile(db.engine)
    savepoint = db.session.begin_nested()  # the statistics go with it
    run = db.session.connection().exec_driver_sql
    run("ANALYZE sqlite_schema")  # makes sure sqlite_stat1 exists
    run("DELETE FROM sqlite_stat1 WHERE tbl = 'return_shipments'")
    for line in SHIPMENT_STATS.strip().splitlines():  # as on the bench data set, scale 1.0
        run("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('return_shipments', ?, ?)",
            tuple(line.split(" ", 1)))
    run("ANALYZE sqlite_schema")  # loads them
    plan = " | ".join(row[-1] for row in run(f"EXPLAIN QUERY PLAN {compiled}",
                                              tuple(compiled.params.values())))
    savepoint.rollback()
    run("ANALYZE sqlite_schema")  # and the test database's own again
    assert "ix_return_shipments_open_shipped" in plan and "TEMP B-TREE" not in plan, plan
    assert db.session.scalars(page).all() == [shipment]
