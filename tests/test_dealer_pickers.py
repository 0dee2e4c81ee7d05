"""The typed dealer picker (portal/dealers/pickers.py, templates/_picker.html) on every page that
showed a <select> of every dealer: the lists' dealer filter, the return visits, the cost report,
the units deemed sold, and the service entry's routing form. A page offers no dealers but the
chosen one and the matches of the words typed; one match is taken; the choice is kept in the
page's links; a dealer's own users get no picker."""

import re
from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.dealers.models import DealerStatus
from portal.deliveries import services as deliveries
from portal.extensions import db
from portal.service.models import ServiceRequest
from tests import factories

PAGES = ["/deliveries/", "/finance/notices", "/returns/shipments", "/returns/owed",
         "/followup/visits", "/finance/reports", "/stock/deemed-sold"]


def _note(world, dealer, days_ago=1):
    note = deliveries.create_note(
        dealer, shanghai_today() - timedelta(days=days_ago),
        units=[factories.make_unit(dealer=None, shipped_on=None)], parts=[],
        actor=world.users[Role.CLERK], carrier="鲁A12345")
    db.session.commit()
    return note


def _choice(html: str) -> str:
    return html.split('<span class="picker">')[1].split("</span>\n</span>")[0]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_offers_the_chosen_dealer_and_no_list_of_every_dealer(client, login, world,
                                                                       path):
    login(world.users[Role.ADMIN])
    page = client.get(path)
    assert page.status_code == 200
    picker = _choice(page.get_data(as_text=True))
    assert 'name="dealer_q"' in picker and 'hx-get="/dealers/choices?purpose=filter"' in picker
    assert "DA-01" not in picker and "DB-01" not in picker
    picker = _choice(client.get(f"{path}?dealer={world.dealer_b.id}").get_data(as_text=True))
    assert f'<option value="{world.dealer_b.id}" selected>DB-01 乙经销商</option>' in picker
    assert "DA-01" not in picker
    picker = _choice(client.get(f"{path}?dealer_q=乙").get_data(as_text=True))
    assert f'<option value="{world.dealer_b.id}" selected>DB-01 乙经销商</option>' in picker


@pytest.mark.parametrize("path", PAGES)
def test_a_dealers_user_gets_no_picker(client, login, world, path):
    login(world.users[Role.DEALER_ADMIN])
    page = client.get(path)
    assert page.status_code in (200, 403)
    assert 'name="dealer_q"' not in page.get_data(as_text=True)


def test_the_words_typed_filter_a_list_and_its_next_page_keeps_the_dealer(app, client, login,
                                                                         world):
    mine, theirs = _note(world, world.dealer_a), _note(world, world.dealer_b, 2)
    older = _note(world, world.dealer_b, 3)
    login(world.users[Role.CLERK])
    app.config["PAGE_SIZE"], size = 1, app.config["PAGE_SIZE"]
    try:
        body = client.get("/deliveries/?dealer_q=乙").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = size
    rows = body.split('<tbody id="note-rows">')[1]
    assert theirs.number in rows and mine.number not in rows and older.number not in rows
    more = re.search(r'<tr class="more".*?href="([^"]+)"', rows, re.S).group(1)
    assert f"dealer={world.dealer_b.id}" in more
    several = client.get("/deliveries/?dealer_q=D").get_data(as_text=True)
    assert mine.number in several and theirs.number in several  # several match: no filter
    assert 'role="status"' in _choice(several)


def test_choices_answer_the_typing_among_the_dealers_the_user_may_pick(client, login, world):
    factories.make_dealer("DC-01", name="丙经销商", status=DealerStatus.SUSPENDED)
    db.session.commit()
    login(world.users[Role.CLERK])
    answer = client.get("/dealers/choices?dealer_q=D", headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html and 'name="dealer"' in html
    assert "DA-01" in html and "DB-01" in html and "DC-01" in html
    routing = client.get("/dealers/choices?purpose=route&dealer_q=D").get_data(as_text=True)
    assert 'name="dealer_id"' in routing and "DC-01" not in routing  # only active ones
    assert client.get("/dealers/choices?purpose=other&dealer_q=D").status_code == 404
    login(world.users[Role.SALES_REP])  # dealer A's rep
    html = client.get("/dealers/choices?dealer_q=D").get_data(as_text=True)
    assert "DA-01" in html and "DB-01" not in html
    login(world.users[Role.DEALER_ADMIN])
    assert client.get("/dealers/choices?dealer_q=D").status_code == 404


def _route(client, entry, **values):
    return client.post(f"/service/{entry.id}/route", data={
        "assignee": "dealer", "version": entry.version, **values})


def _dealer_field(html: str) -> str:
    return re.search(r'<div class="field[^"]*">\s*<label for="dealer_q".*?</div>', html,
                     re.S).group(0)


def test_the_clerk_routes_to_the_one_dealer_the_words_match(client, login, world, db):
    entry = factories.make_service_request(status="new")
    db.session.commit()
    login(world.users[Role.CLERK])
    page = client.get(f"/service/{entry.id}").get_data(as_text=True)
    assert "DB-01" not in _dealer_field(page)  # no select of every dealer
    assert _route(client, entry, dealer_id="", dealer_q="乙").status_code == 303
    entry = db.session.get(ServiceRequest, entry.id)
    assert entry.dealer_id == world.dealer_b.id


@pytest.mark.parametrize(("values", "error"), [
    ({"dealer_q": "D"}, "有多个经销商匹配“D”：请在列表中选择一个。"),
    ({"dealer_q": "nobody"}, "没有在用的经销商匹配“nobody”。"),
    ({"dealer_id": "suspended"}, "请从列表中选择一个在用的经销商。"),
])
def test_routing_says_beside_the_picker_when_the_dealer_is_unclear(client, login, world, db,
                                                                  values, error):
    suspended = factories.make_dealer("DC-01", name="丙经销商", status=DealerStatus.SUSPENDED)
    entry = factories.make_service_request(status="new")
    db.session.commit()
    if values.get("dealer_id") == "suspended":
        values = {"dealer_id": str(suspended.id)}
    login(world.users[Role.CLERK])
    response = _route(client, entry, **{"dealer_id": "", **values})
    assert response.status_code == 422
    field = _dealer_field(response.get_data(as_text=True))
    assert "has-error" in field and error in field
    assert db.session.get(ServiceRequest, entry.id).dealer_id is None
