"""The exchange and refund cases' work queues on the home pages: each tile's count equals the
rows of the list it links to, for a dealer (its own cases only), the sales clerk and the
technical department; each role sees the tiles of the work that is its own."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.roles import Role
from portal.cases import queues
from tests import builders

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
HX = {"HX-Request": "true"}
ROW = re.compile(r"<tr[^>]*>\s*<td(?![^>]*colspan)")  # a record's row, not the "none" note
TILE = re.compile(r'<a class="stat" id="(case[a-z_]+)" href="([^"]+)"><b>(\d+)</b>')
HOMES = {Role.DEALER_STAFF: "/home/dealer", Role.CLERK: "/home/clerk",
         Role.TECHNICAL: "/home/technical"}


@pytest.fixture
def cases(world, db):
    """At each dealer a refund case at every stage (dealer A's two at the first stages, older),
    committed for the pages."""
    clerk, technical = world.users[Role.CLERK], world.users[Role.TECHNICAL]
    for dealer, days, extra in ((world.dealer_a, 9, 2), (world.dealer_b, 4, 0)):
        for stage in builders.CASE_STAGES:
            for n in range(1 + (extra if stage in ("requested", "approved") else 0)):
                builders.refund_case(dealer, stage, clerk=clerk, technical=technical,
                                     now=NOW - timedelta(days=days + n))
    db.session.commit()


def _tiles(client, path: str) -> dict:
    body = client.get(path).get_data(as_text=True)
    return {name: (html.unescape(url), int(count)) for name, url, count in TILE.findall(body)}


@pytest.mark.parametrize("role, held", [
    (Role.DEALER_STAFF, {"cases_to_carry_out": 3}),
    (Role.CLERK, {"cases_to_carry_out": 4, "case_machines_to_receive": 2}),
    (Role.TECHNICAL, {"cases_to_decide": 4, "case_machines_to_judge": 2}),
])
def test_each_home_tile_counts_the_rows_of_the_list_it_links_to(client, login, world, cases,
                                                                role, held):
    login(world.users[role])
    tiles = _tiles(client, HOMES[role])
    assert {name: count for name, (_url, count) in tiles.items()} == held
    for name, (url, count) in tiles.items():
        assert f"queue={name}" in url
        body = client.get(url, headers=HX).get_data(as_text=True)
        assert len(ROW.findall(body)) == count, name


def test_a_dealer_counts_and_lists_only_its_own_cases(client, login, world, cases):
    login(world.dealer_b_admin)
    url, count = _tiles(client, HOMES[Role.DEALER_STAFF])["cases_to_carry_out"]
    body = client.get(url, headers=HX).get_data(as_text=True)
    assert count == 1 == len(ROW.findall(body))
    assert world.dealer_a.code not in body and world.dealer_b.code in body


def test_a_queue_lists_its_cases_oldest_first(client, login, world, cases):
    login(world.users[Role.TECHNICAL])
    body = client.get(queues.TO_DECIDE.url(), headers=HX).get_data(as_text=True)
    opened = re.findall(r'<td class="nowrap">(\d{4}-\d\d-\d\d \d\d:\d\d)</td>', body)
    assert len(opened) == 4 and opened == sorted(opened)


def test_nobody_else_holds_the_case_queues(world):
    """The sales rep, finance and the administrator work none of them; each queue's holder is
    its action's predicate."""
    for role in (Role.SALES_REP, Role.FINANCE, Role.ADMIN):
        assert not any(queue.held_by(world.users[role]) for queue in queues.QUEUES)
    assert queues.home_box(world.users[Role.SALES_REP], NOW) == []


def test_the_dashboard_has_a_tile_per_case_queue_counting_it(world, cases):
    """Head office's dashboard: each case queue's tile (and the take-in queue's) counts what the
    queue counts for the viewer, a rep only its dealers' cases; it links to the queue's page
    only for a viewer who may open it (the rep may not open the take-in list)."""
    from portal.reports.dashboard import dashboard
    from portal.returns.queues import TAKE_IN

    for user in (world.users[Role.ADMIN], world.users[Role.SALES_REP]):
        board = dashboard(user, NOW)
        tiles = {t.key: t for _title, group in board["groups"] for t in group}
        for queue in (*queues.QUEUES, TAKE_IN):
            pile = queue.pile(user, NOW)
            url = queue.url() if queue.open_to(user) else None
            assert (tiles[queue.name].count, tiles[queue.name].url) == (pile.count, url)
        assert (tiles[TAKE_IN.name].url is None) == (user.role == Role.SALES_REP)
        assert tiles["cases_to_decide"].count == (4 if user.role == Role.ADMIN else 3)
