"""Delivery notes: what head office may put on one, numbering, the units' mirror fields, the
dealer's confirmation and the rep's chase list."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import PolicySettings
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.deliveries import services
from portal.deliveries.models import DeliveryNote, DeliveryStatus
from portal.deliveries.queues import home_box
from portal.deliveries.scope import visible_notes
from portal.extensions import db
from portal.planning.models import PlanStatus
from tests import factories
from tests.builders import spring_plan

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def english(app):
    """Messages are asserted in their source text."""
    with force_locale("en"):
        yield


def _stock_unit(**values):
    return factories.make_unit(dealer=None, shipped_on=None, **values)


def _note(world, dealer=None, *, units=(), parts=(), actor=None, **values):
    return services.create_note(dealer or world.dealer_a, values.pop("shipped_on", TODAY),
                                units=list(units), parts=list(parts),
                                actor=actor or world.users[Role.CLERK],
                                now=values.pop("now", NOW), **values)


def _refused(field, call):
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.field == field, error.value.message
    return error.value.message


def test_create_ships_units_and_parts_and_numbers_by_year(world):
    units = [_stock_unit(), _stock_unit()]
    part = factories.make_part(price=Decimal("12.30"))
    other = factories.make_part(price=Decimal("5.00"))
    note = _note(world, units=units, parts=[(part, 3, None), (other, 2, Decimal("4.5"))],
                 carrier="鲁A12345")
    assert note.number == "FH-2026-00001"
    assert note.status == DeliveryStatus.SHIPPED and note.created_at == NOW
    assert [(line.position, line.quantity, line.unit_price) for line in note.lines] == [
        (1, 1, None), (2, 1, None), (3, 3, Decimal("12.30")), (4, 2, Decimal("4.50"))]
    assert services.total(note) == Decimal("45.90")
    for unit in units:
        assert (unit.dealer_id, unit.shipped_on, unit.delivery_note_no,
                unit.delivery_confirmed) == (world.dealer_a.id, TODAY, note.number, False)
    assert _note(world, units=[_stock_unit()]).number == "FH-2026-00002"
    entries = db.session.query(AuditEntry).filter_by(entity_type="delivery_notes").all()
    assert [(e.action, e.to_state) for e in entries] == [("create", "shipped")] * 2
    assert db.session.query(AuditEntry).filter_by(entity_type="units",
                                                  action="deliver").count() == 3


def test_numbers_follow_the_shanghai_year_and_keep_a_typed_number(world):
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2027 in Shanghai
    assert _note(world, units=[_stock_unit()], now=new_year).number == "FH-2027-00001"
    assert _note(world, units=[_stock_unit()], number=" FH-2026-00041 ").number == "FH-2026-00041"
    assert _note(world, units=[_stock_unit()], number="纸质单-7").number == "纸质单-7"
    assert _note(world, units=[_stock_unit()]).number == "FH-2026-00042"
    message = _refused("number", lambda: _note(world, units=[_stock_unit()],
                                               number="FH-2026-00041"))
    assert "FH-2026-00041" in message


def test_units_must_be_in_factory_stock_and_on_no_other_note(world):
    unit = _stock_unit()
    first = _note(world, units=[unit])
    message = _refused("serials", lambda: _note(world, world.dealer_b, units=[unit]))
    assert first.number in message
    sold = factories.make_unit(dealer=world.dealer_b)  # shipped before the portal kept notes
    assert world.dealer_b.code in _refused("serials", lambda: _note(world, units=[sold]))
    twice = _stock_unit()
    _refused("serials", lambda: _note(world, units=[twice, twice]))
    assert (twice.dealer_id, twice.delivery_note_no) == (None, "")
    assert db.session.query(DeliveryNote).count() == 1


def test_a_unit_back_in_stock_but_on_an_unconfirmed_note_is_refused(world):
    unit = _stock_unit()
    note = _note(world, units=[unit])
    unit.dealer_id = None  # e.g. taken back while the note was still on its way
    assert note.number in _refused("serials", lambda: _note(world, units=[unit]))


@pytest.mark.parametrize("quantity", [0, -1, 10000, 2.5])
def test_part_quantities_are_1_to_9999(world, quantity):
    part = factories.make_part()
    _refused("parts", lambda: _note(world, parts=[(part, quantity, None)]))


def test_other_bad_notes(world):
    part = factories.make_part()
    _refused("serials", lambda: _note(world))
    _refused("parts", lambda: _note(world, parts=[(part, 1, None), (part, 2, None)]))
    _refused("parts", lambda: _note(world, parts=[(part, 1, Decimal("-1"))]))
    _refused("shipped_on", lambda: _note(world, parts=[(part, 1, None)],
                                         shipped_on=TODAY + timedelta(days=1)))
    _refused("shipped_on", lambda: _note(world, parts=[(part, 1, None)], shipped_on=None))
    for role in (Role.SALES_REP, Role.FINANCE, Role.DEALER_ADMIN):
        _refused(None, lambda r=role: _note(world, parts=[(part, 1, None)],
                                            actor=world.users[r]))
    assert _note(world, parts=[(part, 9999, None)], actor=world.users[Role.ADMIN]).lines


def test_a_note_may_ship_an_approved_plan_of_the_same_dealer(world):
    part, clerk = factories.make_part(), world.users[Role.CLERK]
    approved = spring_plan(world.dealer_a, PlanStatus.APPROVED, part, clerk)
    note = _note(world, parts=[(part, 5, None)], plan=approved)
    assert note.plan_id == approved.id
    _refused("dealer", lambda: _note(world, world.dealer_b, parts=[(part, 5, None)],
                                     plan=approved))
    draft = spring_plan(world.dealer_b, PlanStatus.SUBMITTED, part, clerk)
    _refused(None, lambda: _note(world, world.dealer_b, parts=[(part, 5, None)], plan=draft))


def _confirm(note, user, received=None, remark="", version=None):
    return services.confirm_receipt(note, received or {}, remark, actor=user,
                                    version=note.version if version is None else version,
                                    now=NOW + timedelta(days=2))


def test_confirming_marks_the_units_received(world):
    units = [_stock_unit(), _stock_unit()]
    note = _note(world, units=units, parts=[(factories.make_part(), 4, None)])
    staff = world.users[Role.DEALER_STAFF]
    _confirm(note, staff)
    assert (note.status, note.discrepancy, note.confirmed_by_id) == (
        DeliveryStatus.CONFIRMED, False, staff.id)
    assert note.confirmed_at == NOW + timedelta(days=2)
    assert [line.received_qty for line in note.lines] == [1, 1, 4]
    assert all(u.delivery_confirmed for u in units)
    entry = db.session.query(AuditEntry).filter_by(entity_type="delivery_notes",
                                                   action="confirm").one()
    assert (entry.from_state, entry.to_state, entry.actor_id) == ("shipped", "confirmed",
                                                                  staff.id)
    message = _refused(None, lambda: _confirm(note, staff))
    assert "already" in message


def test_differences_need_a_remark_and_are_kept(world):
    units = [_stock_unit(), _stock_unit()]
    note = _note(world, units=units, parts=[(factories.make_part(), 4, None)])
    missing_unit, part_line = note.lines[1], note.lines[2]
    received = {missing_unit.id: 0, part_line.id: 3}
    _refused("remark", lambda: _confirm(note, world.users[Role.DEALER_ADMIN], received, "  "))
    assert note.status == DeliveryStatus.SHIPPED
    _refused(f"received_{part_line.id}", lambda: _confirm(
        note, world.users[Role.DEALER_ADMIN], {part_line.id: 5}, "多了"))
    _refused(f"received_{part_line.id}", lambda: _confirm(
        note, world.users[Role.DEALER_ADMIN], {part_line.id: -1}, "少了"))
    _confirm(note, world.users[Role.DEALER_ADMIN], received, "一台未到，滤芯少一件")
    assert note.discrepancy and note.remark == "一台未到，滤芯少一件"
    assert [line.received_qty for line in note.lines] == [1, 0, 3]
    assert (units[0].delivery_confirmed, units[1].delivery_confirmed) == (True, False)


def test_only_the_dealers_own_users_confirm(world):
    note = _note(world, units=[_stock_unit()])
    for user in (world.dealer_b_admin, world.users[Role.CLERK], world.users[Role.SALES_REP]):
        _refused(None, lambda u=user: _confirm(note, u))
    assert note.status == DeliveryStatus.SHIPPED
    _refused(None, lambda: _confirm(note, world.users[Role.DEALER_STAFF], version=99))


def test_overdue_is_more_than_the_policy_days_after_shipping(world):
    assert PolicySettings.current().delivery_confirm_days == 7
    part = factories.make_part()
    on_time = _note(world, parts=[(part, 1, None)], shipped_on=TODAY - timedelta(days=7))
    late = _note(world, parts=[(part, 1, None)], shipped_on=TODAY - timedelta(days=8))
    confirmed = _note(world, parts=[(part, 1, None)], shipped_on=TODAY - timedelta(days=30))
    _confirm(confirmed, world.users[Role.DEALER_STAFF])
    elsewhere = _note(world, world.dealer_b, parts=[(part, 1, None)],
                      shipped_on=TODAY - timedelta(days=9))
    rep = world.users[Role.SALES_REP]
    chased = db.session.scalars(services.overdue_notes(visible_notes(rep), TODAY)).all()
    assert chased == [late]
    everyone = db.session.scalars(services.overdue_notes(
        visible_notes(world.users[Role.CLERK]), TODAY)).all()
    assert set(everyone) == {late, elsewhere} and on_time not in everyone
    box = home_box(rep, NOW)
    assert (box["waiting"], box["overdue"], box["oldest"]) == (2, 1, TODAY - timedelta(days=8))
    assert [(n.id, n.number, n.shipped_on) for n in box["notes"]] == [
        (note.id, note.number, note.shipped_on) for note in (late, on_time)]
    policy = PolicySettings.current()
    db.session.add(policy)
    policy.delivery_confirm_days = 6
    assert home_box(rep, NOW)["overdue"] == 2


def test_find_units_names_each_bad_serial(world):
    good = _stock_unit(serial="GOOD0001")
    _note(world, units=[_stock_unit(serial="SHIPPED01")])
    units, problems = services.find_units("good0001, NOPE99\nSHIPPED01  GOOD0001")
    assert units == [good]
    assert len(problems) == 3
    assert "NOPE99" in problems[0] and "SHIPPED01" in problems[1] and "GOOD0001" in problems[2]
