"""Head-office repairs' old parts waiting to be taken in by the sales company: a work queue
(``returns.queues.TAKE_IN``) with its list, the clerk's home tile counting its rows, and the
take-in button on each row."""

import re

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.core.db import shanghai_today, utcnow
from portal.extensions import db
from portal.returns.models import OwedStatus
from portal.returns.queues import TAKE_IN
from tests import builders

TODAY = shanghai_today()
HX = {"HX-Request": "true"}
ROW = re.compile(r"<tr[^>]*>\s*<td(?![^>]*colspan)")


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def parts(world):
    """Three old parts of a head-office repair (owed by no dealer) and three a dealer owes,
    committed for the pages."""
    ho = builders.claim_owing_parts(world.dealer_a, world.users[Role.TECHNICAL], today=TODAY)
    own = builders.claim_owing_parts(world.dealer_b, world.dealer_b_admin, today=TODAY)
    db.session.commit()
    return builders.owed_parts_of(ho), builders.owed_parts_of(own)


def test_the_queue_holds_head_office_parts_still_owed_only(world, parts):
    ho, own = parts
    clerk = world.users[Role.CLERK]
    assert all(p.dealer_id is None and p.to_take_in for p in ho)
    assert not any(p.to_take_in for p in own)
    listed = db.session.scalars(TAKE_IN.ordered(clerk, utcnow())).all()
    assert {p.id for p in listed} == {p.id for p in ho}
    assert TAKE_IN.pile(clerk, utcnow()).count == 3


def test_the_clerks_tile_counts_the_rows_its_list_shows(client, login, world, parts):
    login(world.users[Role.CLERK])
    home = client.get("/home/clerk").get_data(as_text=True)
    url, count = re.search(r'id="parts_to_take_in" href="([^"]+)"><b>(\d+)</b>', home).groups()
    body = client.get(url.replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert int(count) == len(ROW.findall(body)) == 3
    assert body.count('/handed-in" hx-target') == 3  # each row's take-in button


def test_taking_a_part_in_from_its_row(client, login, world, parts):
    ho, _own = parts
    first = ho[0]
    login(world.users[Role.CLERK])
    response = client.post(f"/returns/parts/{first.id}/handed-in", headers=HX,
                           data={"version": first.version})
    assert response.status_code == 200
    row = response.get_data(as_text=True)
    assert f'id="take-in-{first.id}"' in row and "/handed-in" not in row  # no button now
    db.session.expire_all()
    assert first.status == OwedStatus.RECEIVED and first.received_on == TODAY
    assert TAKE_IN.pile(world.users[Role.CLERK], utcnow()).count == 2
    # Taken twice (a second tab): the row says why, nothing changes.
    again = client.post(f"/returns/parts/{first.id}/handed-in", headers=HX,
                        data={"version": first.version})
    assert again.status_code == 422 and 'role="alert"' in again.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.DEALER_ADMIN, Role.SALES_REP, Role.TECHNICAL,
                                  Role.FINANCE])
def test_only_the_receivers_open_the_list(client, login, world, parts, role):
    login(world.users[role])
    assert client.get("/returns/handed-in").status_code == 403
