"""axe-core on every page a person of each role reaches from the menu and the home page's
tiles, and on one detail page per list, on a phone and on a laptop: no serious or critical
finding (WCAG 2 A/AA and best practice), nor a page without a heading, two menus of the same
name or an empty column heading (the checker is ``Axe`` in tests/e2e/browser.py); and no page
wider than the screen (a wide table scrolls inside its own box).

Bounded: each link once, and one detail page per list pattern (the first row's link, its
path's numbers taken as the pattern). Downloads (Excel, PDF) are no pages and are left out.
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_browser_use import PHONE

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
ROLES = ["e2e_dealer_a", "e2e_clerk", "e2e_tech", "e2e_rep", "e2e_finance", "e2e_admin"]
DOWNLOAD = re.compile(r"(export|download|\.pdf|\.xlsx|/pdf\b|/labels|/bill)", re.I)

MENU_AND_TILES = """() => [...document.querySelectorAll(
    '.mainnav a[href], main a.stat[href], main a.tile[href]')].map((a) => a.href)"""
FIRST_ROWS = """() => [...document.querySelectorAll('main table tbody tr:first-child a[href]')]
    .map((a) => a.href)"""


def _pattern(url: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(url).path)


def _visit(page, axe, url: str, wide: list[str]) -> None:
    """Open ``url``, wait for axe; note the page in ``wide`` if it scrolls sideways (a table box
    may scroll inside itself, the page itself must not)."""
    page.goto(url)
    axe.settle(page)
    assert axe.checked and axe.checked[-1] == page.url, f"axe did not check {page.url}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        wide.append(f"{page.url}: {width} px")


def _own(page, urls: list[str]) -> list[str]:
    origin = urlsplit(page.url).netloc
    return [u for u in dict.fromkeys(urls)
            if urlsplit(u).netloc == origin and not DOWNLOAD.search(u)]


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
@pytest.mark.parametrize("username", ROLES)
def test_no_serious_accessibility_finding_on_any_page_of_a_role(people, axe, username,
                                                                 viewport):
    page = people.page(username, **(PHONE if viewport == "phone" else LAPTOP))
    wide: list[str] = []
    _visit(page, axe, "/", wide)
    pages = _own(page, page.evaluate(MENU_AND_TILES))
    details, patterns = [], set()
    for url in pages:
        _visit(page, axe, url, wide)
        for link in _own(page, page.evaluate(FIRST_ROWS)):
            if _pattern(link) not in patterns and link not in pages:
                patterns.add(_pattern(link))
                details.append(link)
    for url in details:
        _visit(page, axe, url, wide)
    assert len(set(axe.checked)) >= len(pages), "a page went unchecked"
    problems = axe.take()
    assert not problems, f"axe-core on {username}'s pages ({viewport}):\n" + "\n".join(problems)
    assert not wide, f"{username}'s pages scroll sideways ({viewport}):\n" + "\n".join(wide)
