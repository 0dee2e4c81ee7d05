"""Every word in the reader's language: the whole demo, read in Chinese by every role.

The demo is loaded once (about a minute and a half on SQLite); then each role's demo login
walks its pages breadth-first (``tests/crawl.py``: a few URLs per route, filters and htmx
fragments included, downloads not), about a minute for all seven. Every page must answer 200,
and no page may show a Latin word that is not a code, a number, a unit or a name on the
allow-list there.
"""

from datetime import date, datetime, time

from portal.core.db import SHANGHAI, clock_at
from portal.demo import data
from tests.crawl import LOGIN_PAGES, Crawler, foreign_words

TODAY = date(2026, 12, 6)  # the demo's day; the crawl looks at it at 10:00 that day


def demo_logins() -> list[str]:
    """The login of each role that ``seed-demo`` prints: the first of each head-office role,
    the first dealer's administrator and staff."""
    first = {}
    for username, _name, role, _phone in data.HEAD_OFFICE:
        first.setdefault(role, username)
    dealer = data.DEALERS[0][0].lower().replace("-", "")
    return [*first.values(), f"{dealer}_admin", f"{dealer}_staff"]


def test_every_page_of_the_demo_is_in_chinese_for_every_role(runner, app, client):
    result = runner.invoke(args=["seed-demo", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    logins = frozenset(username for username, *_rest in data.HEAD_OFFICE)
    failures, offences = [], []
    with clock_at(datetime.combine(TODAY, time(10), SHANGHAI)):
        for username in demo_logins():
            client.post("/logout")
            response = client.post("/login", data={"username": username,
                                                   "password": data.PASSWORD})
            assert response.status_code == 303, username
            crawl = Crawler(app, client).run()
            assert len(crawl.texts) > 50, (username, sorted(crawl.texts))
            home = client.get("/", follow_redirects=True).get_data(as_text=True)
            assert '<html lang="zh-CN">' in home
            failures += [f"{username} {url}: {why}" for url, why in crawl.failures.items()]
            for url, text in crawl.texts.items():
                allowed = logins if url.startswith(LOGIN_PAGES) else frozenset()
                offences += [f"{username} {url}: {word!r} in …{snippet}…"
                             for word, snippet in foreign_words(text, allowed)]
    assert not failures, "\n".join(failures)
    assert not offences, f"{len(offences)} Latin words:\n" + "\n".join(offences[:200])


def test_the_language_check_finds_words_and_passes_codes():
    text = ("维修记录 WX20260000378 · SB-BX-C × 2 · 45 km · SD-JN01 · signature.png · 8 MB | "
            ": False → True | Covered by the warranty. | 英文 English")
    assert [word for word, _snippet in foreign_words(text)] == [
        "False", "True", "Covered", "by", "the", "warranty."]
