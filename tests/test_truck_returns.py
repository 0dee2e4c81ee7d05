"""Old parts sent back with the dealer's returning delivery truck are on time by the day they
left, not the day the clerk scanned them; by courier, by the day they arrived."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from portal.accounts.roles import WHOLE_VIEW, Role
from portal.returns import receipt, shipments
from portal.returns.access import return_waivable
from portal.returns.compliance import compliance
from portal.returns.models import OwedStatus, Receipt
from portal.returns.owed import write_off_block
from portal.returns.queues import OVERDUE
from tests import factories

DUE = date(2026, 12, 31)
LEFT = date(2026, 12, 30)
SCANNED = date(2027, 1, 4)  # the clerk gets to the box after New Year
NOW = datetime(2027, 1, 4, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    """The services' messages are matched in English here."""
    with force_locale("en"):
        yield


@pytest.fixture
def parts(world):
    owed = factories.make_owed_parts(world.dealer_a, 2)
    for part in owed:
        part.due_on = DUE
    return owed


def ship(world, parts, method, left=LEFT):
    return shipments.create_shipment(
        world.dealer_a, [p.id for p in parts], method=method,
        waybill="SF1234567890" if method == "courier" else "", shipped_on=left,
        actor=world.users[Role.DEALER_STAFF], today=SCANNED)


def scan(world, shipment, state=Receipt.RECEIVED):
    for line in shipment.lines:
        receipt.mark(line, state, actor=world.users[Role.CLERK], now=NOW, today=SCANNED)


def figures(world):
    return compliance([world.dealer_a.id], SCANNED)[world.dealer_a.id]


def test_a_truck_part_scanned_late_is_on_time_a_courier_part_is_not(world, parts, db):
    truck, courier = parts
    scan(world, ship(world, [truck], "truck"))
    scan(world, ship(world, [courier], "courier"))
    assert (truck.received_on, truck.truck_left_on, truck.returned_on) == (SCANNED, LEFT, LEFT)
    assert truck.days_late == 0 and courier.days_late == 4
    result = figures(world)
    assert (result.on_time, result.late, result.overdue, result.days_late_total) == (1, 1, 0, 4)
    assert not return_waivable(truck) and return_waivable(courier)
    assert "after its return date" not in (write_off_block(truck, SCANNED) or "")
    assert "after its return date" in write_off_block(courier, SCANNED)


def test_a_truck_that_left_after_the_due_date_is_late_by_the_day_it_left(world, parts, db):
    truck = parts[0]
    scan(world, ship(world, [truck], "truck", left=date(2027, 1, 2)))
    assert truck.days_late == 2
    assert figures(world).days_late_total == 2
    assert "truck on 2027-01-02, after its return date" in write_off_block(truck, SCANNED)


def test_a_part_on_the_truck_is_returned_before_the_clerk_scans_it(world, parts, db):
    truck, courier = parts
    ship(world, [truck], "truck")
    ship(world, [courier], "courier")
    assert truck.status == OwedStatus.SHIPPED and truck.received_on is None
    result = figures(world)
    assert (result.on_time, result.overdue) == (1, 1)  # the courier's part is still out
    assert db.session.scalars(OVERDUE.ordered(WHOLE_VIEW, NOW)).all() == [courier]
    assert "left on the returning delivery truck" in write_off_block(truck, SCANNED)
    assert "had not arrived" in write_off_block(courier, SCANNED)


def test_a_part_missing_from_the_truck_did_not_leave_on_it(world, parts, db):
    truck = parts[0]
    shipment = ship(world, [truck], "truck")
    scan(world, shipment, Receipt.MISSING)
    assert truck.truck_left_on is None and truck.returned_on is None
    assert figures(world).overdue == 2  # with the part never shipped
    receipt.receive_scan(shipment, truck.qr_text, actor=world.users[Role.CLERK], now=NOW,
                         today=SCANNED)  # there after all
    assert truck.returned_on == LEFT
    assert (figures(world).on_time, figures(world).overdue) == (1, 1)


def test_a_cancelled_truck_shipment_returns_nothing(world, parts, db):
    truck = parts[0]
    shipment = ship(world, [truck], "truck")
    shipments.cancel_shipment(shipment, actor=world.users[Role.DEALER_STAFF], reason="没装车")
    assert truck.status == OwedStatus.OWED and truck.truck_left_on is None
    assert figures(world).overdue == 2


def test_the_part_page_says_when_it_left(world, parts, client, login, db):
    truck = parts[0]
    scan(world, ship(world, [truck], "truck"))
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/returns/parts/{truck.id}").get_data(as_text=True)
    assert "2026-12-30" in page
