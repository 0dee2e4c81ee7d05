"""Stock returns (库存产品返厂): the freight rules, the request's preconditions, head office's
decision and the fee rules, receipt (the unit leaves stock, a restoration charge is posted),
the pages and their scoping."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.finance.models import LedgerEntry, LedgerKind
from portal.stock import rules, services
from portal.stock.models import FreightPayer, StockReturn, StockReturnReason, StockReturnStatus
from tests import factories

R = StockReturnReason
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(app):
    """Messages are asserted in their source text."""
    with force_locale("en"):
        yield


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.mark.parametrize("reason, payer, labour", [
    (R.DEFECTIVE, FreightPayer.MAKER, False),
    (R.DISMANTLED, FreightPayer.DEALER, True),
    (R.UNSELLABLE, FreightPayer.DEALER, False),
])
def test_the_three_freight_rules(reason, payer, labour):
    assert rules.freight_payer(reason) == payer
    assert rules.restoration_charged(reason) is labour
    assert rules.outcome(reason.value).explanation


def _staff(world):
    return world.users[Role.DEALER_STAFF]


def _request(world, reason=R.DEFECTIVE, unit=None, now=NOW):
    unit = unit or factories.make_unit(dealer=world.dealer_a)
    return services.request_return(unit, reason, "外观完好，发动机无法启动", actor=_staff(world),
                                   now=now)


def test_request_sets_number_rules_and_audit(world, db):
    ret = _request(world, R.DISMANTLED)
    assert ret.number == "FC-2026-0001" and ret.status == StockReturnStatus.REQUESTED
    assert ret.dealer_id == world.dealer_a.id
    assert ret.freight_payer == FreightPayer.DEALER and ret.restoration_charged
    assert _request(world).number == "FC-2026-0002"
    # The Shanghai year: 31 Dec 17:00 UTC is already 1 Jan in Shanghai.
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert _request(world, now=new_year).number == "FC-2027-0001"
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "stock_returns", AuditEntry.entity_id == str(ret.id)))
    assert entry.action == "request_return" and entry.to_state == "requested"
    assert entry.changes["freight_payer"] == [None, "dealer"]


def test_a_sold_unit_cannot_be_returned(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    factories.make_card(unit)
    with pytest.raises(DomainError, match="sold"):
        _request(world, unit=unit)


def test_a_void_card_does_not_make_it_sold(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    factories.make_card(unit, status="void")
    assert _request(world, unit=unit).status == StockReturnStatus.REQUESTED


def test_another_dealers_unit_is_refused(world):
    unit = factories.make_unit(dealer=world.dealer_b)
    with pytest.raises(DomainError, match="not in your stock"):
        _request(world, unit=unit)
    with pytest.raises(DomainError):
        services.request_return(factories.make_unit(dealer=world.dealer_a), R.DEFECTIVE, "x",
                                actor=world.users[Role.CLERK])


def test_one_open_return_per_unit(world):
    first = _request(world)
    with pytest.raises(DomainError, match=first.number):
        _request(world, unit=first.unit)
    services.cancel_return(first, "", actor=_staff(world), version=first.version)
    assert _request(world, unit=first.unit).status == StockReturnStatus.REQUESTED


def test_description_and_reason_are_required(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    with pytest.raises(DomainError) as error:
        services.request_return(unit, R.DEFECTIVE, "  ", actor=_staff(world), now=NOW)
    assert error.value.field == "description"
    with pytest.raises(DomainError) as error:
        services.request_return(unit, "broken", "坏了", actor=_staff(world), now=NOW)
    assert error.value.field == "reason"


def _approve(world, ret, fee=None, note=""):
    services.approve_return(ret, note, fee, actor=world.users[Role.CLERK], version=ret.version)


@pytest.mark.parametrize("fee, message", [
    (None, "restoration labour"), ("", "restoration labour"), ("0", "more than 0"),
    ("-5", "more than 0"), ("12.345", "two decimal places"), ("abc", "yuan"),
    ("1e12", "too large"), ("NaN", "yuan"),
])
def test_a_dismantled_unit_needs_a_fee(world, fee, message):
    ret = _request(world, R.DISMANTLED)
    with pytest.raises(DomainError, match=message) as error:
        _approve(world, ret, fee)
    assert error.value.field == "restoration_fee"


def test_other_reasons_take_no_fee(world):
    ret = _request(world, R.UNSELLABLE)
    with pytest.raises(DomainError, match="leave the fee empty") as error:
        _approve(world, ret, "100")
    assert error.value.field == "restoration_fee"
    _approve(world, ret, "", note="同意返厂")
    assert ret.status == StockReturnStatus.APPROVED and ret.restoration_fee is None
    assert ret.decision_note == "同意返厂" and ret.decided_by_id == world.users[Role.CLERK].id


def test_approve_checks_state_and_version(world):
    ret = _request(world, R.DISMANTLED)
    with pytest.raises(DomainError, match="Someone else"):
        services.approve_return(ret, "", "850", actor=world.users[Role.CLERK], version=99)
    _approve(world, ret, "850.5")
    assert ret.restoration_fee == Decimal("850.50")
    with pytest.raises(DomainError, match="Only a requested"):
        _approve(world, ret, "850")


def test_refuse_needs_a_reason(world):
    ret = _request(world)
    clerk = world.users[Role.CLERK]
    with pytest.raises(DomainError) as error:
        services.refuse_return(ret, " ", actor=clerk, version=ret.version)
    assert error.value.field == "note"
    services.refuse_return(ret, "外观完好，可以正常销售", actor=clerk, version=ret.version)
    assert ret.status == StockReturnStatus.REFUSED
    with pytest.raises(DomainError):
        services.cancel_return(ret, actor=_staff(world), version=ret.version)


def test_only_the_dealer_cancels_and_only_while_requested(world):
    ret = _request(world)
    with pytest.raises(DomainError):
        services.cancel_return(ret, actor=world.dealer_b_admin, version=ret.version)
    services.cancel_return(ret, "客户又要了", actor=_staff(world), version=ret.version)
    assert ret.status == StockReturnStatus.CANCELLED


def _charges(db, ret):
    return db.session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.kind == LedgerKind.CHARGE, LedgerEntry.reference == ret.number)).all()


def test_receiving_a_dismantled_unit_posts_one_charge(world, db):
    ret = _request(world, R.DISMANTLED)
    unit = ret.unit
    _approve(world, ret, "850")
    clerk = world.users[Role.CLERK]
    with pytest.raises(DomainError, match="Someone else"):
        services.receive_return(ret, "", actor=clerk, version=1)
    entry = services.receive_return(ret, "已到厂", actor=clerk, version=ret.version,
                                    now=datetime(2026, 11, 21, 17, 0, tzinfo=UTC))
    assert ret.status == StockReturnStatus.RECEIVED and ret.ledger_entry_id == entry.id
    [charge] = _charges(db, ret)
    assert charge.amount == Decimal("850.00") and charge.dealer_id == world.dealer_a.id
    assert charge.source == "stock" and charge.entry_date.isoformat() == "2026-11-22"
    assert unit.serial in charge.memo
    assert unit.dealer_id is None and unit.shipped_on is None
    assert unit.delivery_note_no == "" and unit.delivery_confirmed is False
    with pytest.raises(DomainError, match="Only an approved"):
        services.receive_return(ret, "", actor=clerk, version=ret.version)
    assert len(_charges(db, ret)) == 1


@pytest.mark.parametrize("reason", [R.DEFECTIVE, R.UNSELLABLE])
def test_receiving_other_reasons_posts_nothing(world, db, reason):
    ret = _request(world, reason)
    _approve(world, ret)
    assert services.receive_return(ret, "", actor=world.users[Role.CLERK],
                                   version=ret.version) is None
    assert _charges(db, ret) == [] and ret.ledger_entry_id is None
    assert ret.unit.dealer_id is None


def test_a_unit_sold_meanwhile_cannot_be_received(world):
    ret = _request(world)
    _approve(world, ret)
    factories.make_card(ret.unit)
    with pytest.raises(DomainError, match="no longer"):
        services.receive_return(ret, "", actor=world.users[Role.CLERK], version=ret.version)


# --- pages -----------------------------------------------------------------------------------

def test_a_dealer_requests_a_return_from_the_unit_page(client, login, world, db):
    unit = factories.make_unit(dealer=world.dealer_a)
    db.session.commit()
    login(_staff(world))
    page = client.get(f"/units/{unit.id}").get_data(as_text=True)
    assert f"/stock/new?unit={unit.id}" in page
    form = client.get(f"/stock/new?unit={unit.id}").get_data(as_text=True)
    assert "The maker" in form and "restoration labour charged" in form
    response = client.post(f"/stock/new?unit={unit.id}", data={"unit": unit.id,
                                                                "reason": "defective",
                                                                "description": ""})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(StockReturn.id))) == 0
    response = client.post(f"/stock/new?unit={unit.id}", data={
        "unit": unit.id, "reason": "dismantled", "description": "展示时拆下了液压泵"})
    assert response.status_code == 303
    ret = db.session.scalar(sa.select(StockReturn))
    assert response.headers["Location"] == f"/stock/{ret.id}"
    assert ret.restoration_charged and ret.requested_by_id == _staff(world).id
    page = client.get(f"/units/{unit.id}").get_data(as_text=True)
    assert ret.number in page and f"/stock/new?unit={unit.id}" not in page


def test_the_clerk_decides_and_receives_on_the_page(client, login, world, db):
    ret = _request(world, R.DISMANTLED)
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/stock/{ret.id}").get_data(as_text=True)
    assert "restoration_fee" in page and "approve-restoration_fee" in page
    response = client.post(f"/stock/{ret.id}/approve", data={
        "approve-version": ret.version, "approve-restoration_fee": "", "approve-note": ""})
    assert response.status_code == 422
    assert "more than 0" in response.get_data(as_text=True)
    response = client.post(f"/stock/{ret.id}/approve", data={
        "approve-version": ret.version, "approve-restoration_fee": "600", "approve-note": "ok"})
    assert response.status_code == 303
    db.session.refresh(ret)
    response = client.post(f"/stock/{ret.id}/receive", data={
        "receive-version": ret.version, "receive-note": "到厂"})
    assert response.status_code == 303
    db.session.refresh(ret)
    assert ret.status == StockReturnStatus.RECEIVED and ret.ledger_entry.amount == 600
    page = client.get(f"/stock/{ret.id}").get_data(as_text=True)
    assert "¥600.00" in page


def test_a_dealer_cancels_on_the_page(client, login, world, db):
    ret = _request(world)
    db.session.commit()
    login(_staff(world))
    response = client.post(f"/stock/{ret.id}/cancel", data={
        "cancel-version": ret.version, "cancel-note": ""})
    assert response.status_code == 303
    db.session.refresh(ret)
    assert ret.status == StockReturnStatus.CANCELLED


def test_lists_and_pages_are_scoped(client, login, world, db):
    mine = _request(world)
    theirs = services.request_return(factories.make_unit(dealer=world.dealer_b), R.UNSELLABLE,
                                     "库存积压", actor=world.dealer_b_admin, now=NOW)
    db.session.commit()
    login(_staff(world))
    listing = client.get("/stock/").get_data(as_text=True)
    assert mine.number in listing and theirs.number not in listing
    assert client.get(f"/stock/{theirs.id}").status_code == 404
    assert client.post(f"/stock/{theirs.id}/cancel", data={"cancel-version": 1}
                       ).status_code == 404
    foreign = factories.make_unit(dealer=world.dealer_b)
    db.session.commit()
    assert client.get(f"/stock/new?unit={foreign.id}").status_code == 404
    login(world.users[Role.SALES_REP])
    assert client.get(f"/stock/{theirs.id}").status_code == 404
    login(world.users[Role.TECHNICAL])
    listing = client.get("/stock/?status=requested").get_data(as_text=True)
    assert mine.number in listing and theirs.number in listing
    fragment = client.get("/stock/?status=refused", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert mine.number not in fragment.get_data(as_text=True)


def test_home_pages_show_the_waiting_returns(client, login, world, db):
    ret = _request(world)
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get("/home/clerk").get_data(as_text=True)
    assert "/stock/?queue=stock_requested&amp;status=requested" in page
    login(_staff(world))
    home = client.get("/home/dealer").get_data(as_text=True)
    assert f'href="/stock/{ret.id}">{ret.number}</a> · {ret.unit.serial} · ' in home


def test_lists_load_in_a_fixed_number_of_queries(client, login, world, db):
    from portal.catalog.models import Season, SeasonKind
    from tests.helpers import count_queries

    for name, start, end in (("春", (2025, 3, 1), (2025, 6, 1)),
                             ("秋", (2025, 9, 1), (2025, 11, 1))):
        db.session.add(Season(name=name, kind=SeasonKind.OPERATING, start_on=date(*start),
                              end_on=date(*end), categories=["tractor_large"]))

    def add(n):
        for _ in range(n):
            _request(world)
            factories.make_unit(dealer=world.dealer_a, shipped_on=date(2025, 1, 1))
        db.session.commit()

    login(_staff(world))
    urls = ["/stock/", "/stock/deemed-sold", "/home/dealer"]
    add(2)
    count_queries(db, client, "/home/dealer")
    few = {url: count_queries(db, client, url) for url in urls}
    add(6)
    assert {url: count_queries(db, client, url) for url in urls} == few


def test_the_database_keeps_one_open_return_per_unit(world, db):
    """Two requests at once cannot both be stored: the second open return is refused."""
    first = _request(world)
    twin = StockReturn(number="FC-2026-9999", dealer_id=first.dealer_id, unit_id=first.unit_id,
                       reason=R.DEFECTIVE, freight_payer=FreightPayer.MAKER,
                       requested_by_id=first.requested_by_id)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(twin)
        db.session.flush()
    services.cancel_return(first, actor=_staff(world), version=first.version)
    db.session.add(twin)
    db.session.flush()  # a cancelled return does not count


def test_only_head_office_decides_and_receives(world):
    """The service asks the same predicate as the routes: a dealer cannot approve, refuse or
    receive its own return."""
    ret = _request(world)
    for decide in (lambda: services.approve_return(ret, "", actor=_staff(world),
                                                   version=ret.version),
                   lambda: services.refuse_return(ret, "不行", actor=_staff(world),
                                                  version=ret.version),
                   lambda: services.receive_return(ret, "", actor=_staff(world),
                                                   version=ret.version)):
        with pytest.raises(DomainError):
            decide()
    assert ret.status == StockReturnStatus.REQUESTED and ret.decided_by_id is None
