"""Head office's work queues whose rows are claims, or hang off one, are worked oldest first and
found by claim number, serial and dealer (code or name) through one search
(``portal.claims.search``); what the user may not see is never found."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from portal.accounts.roles import Role
from portal.extensions import db
from tests import factories

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def claims(world):
    """Two claims of dealer A (the first handed over earlier) and one of dealer B, each in every
    queue below: waiting for the technical decision, forwarded to finance, its old part
    received and waiting for a verdict."""
    made = []
    for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b)):
        claim = factories.make_claim(
            factories.make_unit(serial=f"SQ{n}-{dealer.code}", dealer=dealer),
            status="submitted", submitted_at=T0 + timedelta(days=n),
            finance_stage="forwarded", forwarded_at=T0 + timedelta(days=n))
        factories.make_owed_part(claim, status="received",
                                 received_on=date(2026, 3, 2) + timedelta(days=n))
        made.append(claim)
    db.session.commit()
    return made


QUEUES = {  # role working it → its page
    Role.TECHNICAL: "/claims/?queue=review&status=review",
    Role.FINANCE: "/finance/claims?queue=audit",
}
OWED = {Role.TECHNICAL: "/returns/verdicts"}


def pages():
    return [*QUEUES.items(), *OWED.items()]


@pytest.mark.parametrize(("role", "url"), pages(), ids=lambda v: str(v))
def test_each_queue_is_oldest_first(client, login, world, claims, role, url):
    login(world.users[role])
    body = client.get(url).get_data(as_text=True)
    assert all(c.number in body for c in claims), url
    assert [body.index(c.number) for c in claims] == sorted(
        body.index(c.number) for c in claims)


@pytest.mark.parametrize(("role", "url"), pages(), ids=lambda v: str(v))
def test_each_queue_finds_by_claim_number_serial_and_dealer(client, login, world, claims,
                                                            role, url):
    login(world.users[role])
    first, second, other = claims
    searches = {first.number: {first}, first.unit.serial[:4]: {first},
                "db-0": {other}, "乙经销": {other}, "DA-01": {first, second},
                "ZZZ": set()}
    for q, found in searches.items():
        searched = f"{url}{'&' if '?' in url else '?'}{urlencode({'q': q})}"
        assert client.get(searched).status_code == 200
        rows = rows_of(client, searched)  # the rows the search box asks for
        assert {c for c in claims if c.number in rows} == found, (url, q)


@pytest.mark.parametrize(("role", "url"), pages(), ids=lambda v: str(v))
def test_a_queue_stays_the_queue_while_its_search_box_is_used(client, login, world, claims,
                                                             role, url):
    """The toolbar sends the queue along with what is typed: a search inside a queue stays
    oldest first instead of falling back to the whole list."""
    login(world.users[role])
    queue = parse_qs(urlsplit(url).query).get("queue")
    body = client.get(url).get_data(as_text=True)
    toolbar = body[body.index('class="toolbar"'):]
    toolbar = toolbar[:toolbar.index("</form>")]
    hidden = re.findall(r'<input type="hidden" name="queue" value="([^"]*)">', toolbar)
    assert hidden == (queue or []), url


def rows_of(client, url: str) -> str:
    return client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_a_dealer_never_finds_another_dealers_claims(client, login, world, claims):
    login(world.users[Role.DEALER_STAFF])
    other = claims[2]
    for q in (other.number, other.unit.serial, "DB-01", "乙经销"):
        assert other.number not in rows_of(client, f"/claims/?{urlencode({'q': q})}")
    rows = rows_of(client, "/claims/?q=DA")
    assert claims[0].number in rows and claims[1].number in rows


def test_a_dealers_search_pages_through_every_claim_it_finds_newest_first(client, login, world,
                                                                          app, monkeypatch):
    """Found by number or by serial (a page of each, merged): every match once, newest first,
    across pages; what matches neither is not shown."""
    by_number = [factories.make_claim(factories.make_unit(dealer=world.dealer_a),
                                      number=f"PGQ-{n:03d}") for n in range(4)]
    by_serial = [factories.make_claim(factories.make_unit(serial=f"PGQ{n:03d}",
                                                          dealer=world.dealer_a))
                 for n in range(3)]
    unmatched = factories.make_claim(factories.make_unit(dealer=world.dealer_a))
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(world.users[Role.DEALER_STAFF])
    shown, url = [], "/claims/?q=PGQ"
    while url:
        rows = rows_of(client, url)
        shown += re.findall(r"PGQ-\d{3}|WX-T-\d{6}", rows)
        after = re.search(r'href="([^"]*after=[^"]*)"', rows)
        url = after[1].replace("&amp;", "&") if after else None
    found = sorted(by_number + by_serial, key=lambda c: c.id, reverse=True)
    assert list(dict.fromkeys(shown)) == [c.number for c in found]
    assert unmatched.number not in shown


def test_a_rep_finds_only_his_own_dealers_claims(client, login, world, claims):
    login(world.rep_b)
    for q in ("甲经销", claims[0].number, "DA-01"):
        rows = rows_of(client, f"/claims/?{urlencode({'q': q})}")
        assert not any(c.number in rows for c in claims), q
    assert claims[2].number in rows_of(client, f"/claims/?{urlencode({'q': '乙经销'})}")


def test_the_search_box_says_what_it_finds(client, login, world, claims):
    login(world.users[Role.TECHNICAL])
    for url in ("/claims/", "/returns/verdicts", "/returns/overdue"):
        body = client.get(url).get_data(as_text=True)
        assert 'name="q"' in body and "单号、出厂编号或经销商" in body, url


def test_every_search_box_shows_its_whole_placeholder(app):
    """A search box is at least 16rem wide (the whole row on a phone, 390 px): 15 px characters
    with the box's padding leave room for 15 Chinese characters."""
    from pathlib import Path

    from flask_babel import gettext

    from portal import ROOT

    boxes = re.compile(r'type="search"[^>]*placeholder="\{\{(.+?)\}\}"')
    texts = re.compile(r'_\(([\'"])(.+?)\1\)')  # each of a conditional placeholder's texts
    found = {t.group(2) for path in Path(ROOT, "templates").rglob("*.html")
             for m in boxes.finditer(path.read_text()) for t in texts.finditer(m.group(1))}
    assert "Claim no., serial or dealer" in found
    css = Path(ROOT, "static/css/portal.css").read_text()
    assert ".toolbar input[type=search] { min-width: 16rem; }" in css
    for text in found:
        assert len(gettext(text)) <= 15, (text, gettext(text))


def assert_worked_and_found(client, url, records):
    """``records``: the first two of dealer A (the first older), the third of dealer B, each
    with ``number`` and ``unit``. The queue lists them oldest first and its search finds each
    by its number, its serial, its dealer's code and a piece of its name."""
    rows = rows_of(client, url)
    assert [rows.index(r.number) for r in records] == sorted(rows.index(r.number)
                                                             for r in records)
    first, second, other = records
    searches = {first.number: {first}, first.unit.serial: {first}, "db-0": {other},
                "乙经销": {other}, "DA-01": {first, second}, "ZZZ": set()}
    for q, found in searches.items():
        rows = rows_of(client, f"{url}&{urlencode({'q': q})}")
        assert {r for r in records if r.number in rows} == found, (url, q)


def test_stock_returns_to_decide_are_oldest_first_and_found(client, login, world):
    from portal.stock.models import FreightPayer, StockReturn, StockReturnReason

    records = []
    for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b)):
        unit = factories.make_unit(serial=f"SR{n}-{dealer.code}", dealer=dealer)
        records.append(StockReturn(
            number=f"FC-Q-{n}", dealer_id=dealer.id, unit=unit, unit_id=unit.id,
            reason=StockReturnReason.DEFECTIVE, freight_payer=FreightPayer.MAKER,
            requested_at=T0 + timedelta(days=n), requested_by_id=world.users[Role.CLERK].id))
    db.session.add_all(records)
    db.session.commit()
    login(world.users[Role.CLERK])
    assert_worked_and_found(client, "/stock/?queue=stock_requested&status=requested", records)
    login(world.users[Role.DEALER_STAFF])
    rows = rows_of(client, f"/stock/?{urlencode({'q': '乙经销'})}")
    assert not any(r.number in rows for r in records)


def test_returned_machines_to_inspect_are_oldest_first_and_found(client, login, world):
    from tests.case_builders import completed_case

    records = [completed_case(world, "refund", date(2026, 10, 5 + n), dealer=dealer)
               for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b))]
    db.session.commit()
    login(world.users[Role.TECHNICAL])
    assert_worked_and_found(
        client, "/cases/?queue=case_machines_to_judge&status=completed", records)
    login(world.dealer_b_admin)
    rows = rows_of(client, f"/cases/?{urlencode({'q': records[0].number})}")
    assert records[0].number not in rows


def test_service_requests_to_arrange_stay_oldest_first_when_searched(client, login, world):
    records = []
    for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b)):
        unit = factories.make_unit(serial=f"SV{n}-{dealer.code}", dealer=dealer)
        records.append(factories.make_service_request(
            dealer, unit=unit, received_at=T0 + timedelta(days=n)))  # due 2 h after
    db.session.commit()
    login(world.users[Role.CLERK])
    assert_worked_and_found(client, "/service/?queue=requests_routed&status=routed", records)
    rows = rows_of(client, "/service/?queue=requests_routed&status=routed&q=DA")
    assert rows.index(records[0].number) < rows.index(records[1].number)  # searched, in order
    login(world.users[Role.DEALER_STAFF])
    assert records[2].number not in rows_of(client, f"/service/?{urlencode({'q': '乙经销'})}")


def test_case_settlements_to_approve_are_oldest_first_and_found(client, login, world):
    from tests.case_builders import completed_case

    records = [completed_case(world, "refund", date(2026, 10, 5 + n), dealer=dealer)
               for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b))]
    db.session.commit()
    login(world.users[Role.FINANCE])
    assert_worked_and_found(client, "/finance/case-settlements?queue=case_settlements", records)
    assert 'name="q"' in client.get("/finance/case-settlements").text
    login(world.dealer_b_admin)  # a dealer never reaches finance's queue
    assert client.get(f"/finance/case-settlements?q={records[2].number}").status_code == 403


def _claims_of_each(world, prefix):
    """A submitted claim of dealer A, another, and one of dealer B, each on its own unit."""
    return [factories.make_claim(
        factories.make_unit(serial=f"{prefix}{n}-{dealer.code}", dealer=dealer),
        status="submitted", submitted_at=T0 + timedelta(days=n))
        for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b))]


def test_return_visits_due_are_oldest_first_and_found(client, login, world):
    from portal.service.models import ReturnVisit

    claims = _claims_of_each(world, "RV")
    db.session.add_all(ReturnVisit(claim_id=c.id, dealer_id=c.dealer_id, unit_id=c.unit_id,
                                   due_on=date(2026, 3, 2) + timedelta(days=n))
                       for n, c in enumerate(claims))
    db.session.commit()
    login(world.users[Role.CLERK])
    assert_worked_and_found(client, "/followup/visits?queue=visits_due&status=open", claims)
    assert "单号、出厂编号或经销商" in client.get("/followup/visits?queue=visits_due").text
    login(world.rep_b)  # sees dealer B's only, however it searches
    for q in (claims[0].number, "甲经销", "DA-01"):
        assert claims[0].number not in rows_of(client, f"/followup/visits?status=open&q={q}")


def test_open_complaints_are_oldest_first_and_found(client, login, world):
    from portal.service.models import Channel, Complaint

    records = []
    for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b)):
        unit = factories.make_unit(serial=f"CP{n}-{dealer.code}", dealer=dealer)
        records.append(Complaint(
            number=f"TS-Q-{n}", channel=Channel.PHONE, received_at=T0 + timedelta(days=n),
            customer_name="赵六", description="维修太慢", dealer_id=dealer.id, unit=unit,
            unit_id=unit.id, registered_by_id=world.users[Role.CLERK].id))
    db.session.add_all(records)
    db.session.commit()
    login(world.users[Role.CLERK])
    assert_worked_and_found(client, "/followup/complaints?queue=complaints_open", records)
    assert "单号、出厂编号或经销商" in client.get("/followup/complaints").text
    login(world.users[Role.DEALER_STAFF])  # dealer A's user
    for q in (records[2].number, records[2].unit.serial, "乙经销"):
        assert records[2].number not in rows_of(client, f"/followup/complaints?q={q}")
    assert records[0].number in rows_of(client, "/followup/complaints?q=TS-Q")


def test_open_entitlement_flags_are_oldest_first_and_found(client, login, world):
    from portal.claims.models import FlagKind, UnitFlag

    claims = _claims_of_each(world, "FL")
    db.session.add_all(UnitFlag(unit_id=c.unit_id, kind=FlagKind.EXCHANGE, claim_id=c.id,
                                raised_at=T0 + timedelta(days=n))
                       for n, c in enumerate(claims))
    db.session.commit()
    login(world.users[Role.CLERK])
    assert_worked_and_found(client, "/followup/flags?kind=", claims)  # a row shows its claim
    assert "单号、出厂编号或经销商" in client.get("/followup/flags").text
    login(world.rep_b)
    for q in (claims[0].number, claims[0].unit.serial, "甲经销"):
        assert claims[0].number not in rows_of(client, f"/followup/flags?q={q}")
    assert claims[2].number in rows_of(client, "/followup/flags?q=DB-01")


def test_shipments_to_receive_are_found_by_the_claims_and_units_of_their_parts(client, login,
                                                                               world):
    claims = _claims_of_each(world, "SH")
    shipments = [factories.make_return_shipment(
        [factories.make_owed_part(c)], number=f"HY-Q-{n}", waybill=f"SF77{n}",
        shipped_on=date(2026, 3, 2) + timedelta(days=n)) for n, c in enumerate(claims)]
    db.session.commit()
    login(world.users[Role.CLERK])
    url = "/returns/receiving?queue=receive"
    rows = rows_of(client, url)
    assert [rows.index(s.number) for s in shipments] == sorted(
        rows.index(s.number) for s in shipments)
    first, second, other = shipments
    searches = {first.number: {first}, claims[0].number: {first}, claims[0].unit.serial: {first},
                "sf771": {second}, "db-0": {other}, "乙经销": {other}, "DA-01": {first, second},
                "ZZZ": set()}
    for q, found in searches.items():
        rows = rows_of(client, f"{url}&{urlencode({'q': q})}")
        assert {s for s in shipments if s.number in rows} == found, q
    rows = rows_of(client, f"{url}&q=DA")
    assert rows.index(first.number) < rows.index(second.number)  # searched, still in order
    assert "单号、运单、出厂编号或经销商" in client.get(url).text


def assert_found(client, url, records, searches):
    """``url`` lists ``records`` (each with a ``number``) in their order, and each search of
    ``searches`` (term → the records it finds) finds exactly those, still in that order."""
    for q, found in {"": set(records), **searches}.items():
        rows = rows_of(client, f"{url}&{urlencode({'q': q})}")
        listed = [r for r in records if r.number in rows]
        assert set(listed) == found, (url, q)
        assert [rows.index(r.number) for r in listed] == sorted(rows.index(r.number)
                                                                for r in listed), (url, q)


def test_delivery_notes_waiting_are_oldest_first_and_found(client, login, world):
    from portal.deliveries.models import DeliveryLine, DeliveryNote

    notes, units = [], []
    for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b)):
        units.append(factories.make_unit(serial=f"DN{n}-{dealer.code}", dealer=dealer))
        notes.append(DeliveryNote(number=f"FH-Q-{n}", dealer_id=dealer.id,
                                  shipped_on=date(2026, 3, 2) + timedelta(days=n),
                                  created_by_id=world.users[Role.CLERK].id,
                                  lines=[DeliveryLine(position=1, unit_id=units[-1].id)]))
    db.session.add_all(notes)
    db.session.commit()
    first, second, other = notes
    login(world.users[Role.CLERK])
    assert_found(client, "/deliveries/?queue=notes_waiting&status=shipped", notes, {
        "fh-q-0": {first}, units[0].serial: {first}, "db-0": {other}, "乙经销": {other},
        "DA-01": {first, second}, "ZZZ": set()})
    assert "单号、出厂编号或经销商" in client.get("/deliveries/?queue=notes_waiting").text
    login(world.rep_b)  # his chase list holds only his dealers' notes
    for q in ("FH-Q-0", units[0].serial, "甲经销"):
        assert "FH-Q-0" not in rows_of(client, f"/deliveries/?queue=notes_waiting&q={q}")


def test_stocking_plans_to_review_are_oldest_first_and_found(client, login, world):
    from portal.planning.models import PlanStatus
    from tests.builders import make_plan, make_season

    plans = []
    for n, dealer in enumerate((world.dealer_a, world.dealer_a, world.dealer_b)):
        season = make_season(f"Q{n}", date(2027, 3, 10), date(2027, 6, 15))
        plan = make_plan(season, dealer, [], status=PlanStatus.SUBMITTED)
        plan.submitted_at = T0 + timedelta(days=n)
        plans.append(plan)
    db.session.commit()
    first, second, other = plans
    login(world.users[Role.CLERK])
    assert_found(client, "/plans/review?queue=plans_review", plans, {
        first.number: {first}, first.number.lower(): {first}, f"CB{first.season_id}": {first},
        "db-0": {other}, "乙经销": {other}, "DA-01": {first, second}, "ZZZ": set()})
    assert "单号或经销商" in client.get("/plans/review").text
    login(world.rep_b)
    for q in (first.number, "甲经销", "DA-01"):
        assert first.number not in rows_of(client, f"/plans/review?q={q}")


def test_notices_waiting_for_dealers_are_oldest_first_and_found(client, login, world):
    from tests.builders import make_notice

    notices = [make_notice(dealer, claims=1)
               for dealer in (world.dealer_a, world.dealer_a, world.dealer_b)]
    db.session.commit()
    first, second, other = notices
    login(world.users[Role.FINANCE])
    assert_found(client, "/finance/notices?queue=notices_issued&status=issued", notices, {
        first.number: {first}, "db-0": {other}, "乙经销": {other}, "DA-01": {first, second},
        "ZZZ": set()})
    assert "单号或经销商" in client.get("/finance/notices").text
    login(world.dealer_b_admin)
    for q in (first.number, "甲经销", "DA-01"):
        assert first.number not in rows_of(client, f"/finance/notices?q={q}")
    assert other.number in rows_of(client, f"/finance/notices?q={other.number}")
