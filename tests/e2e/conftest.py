"""Fixtures of the browser tests: a served portal on its own database, Chromium, people.

These tests do not use the suite's rolled-back transaction: the portal runs in its own process
and commits for real. Chromium is Debian's (/usr/bin/chromium, or CHROMIUM); without it the
tests fail, unless SKIP_BROWSER=1 says to skip them (scripts/test.sh never sets it).
"""

import json
import os
from pathlib import Path

import pytest

from tests.conftest import _compile_translations
from tests.e2e import server
from tests.e2e.browser import ARTIFACTS, CHROMIUM_ARGS, Axe, People, Shots, Watch
from tests.e2e.seed import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# One log per pass: scripts/test.sh runs the SQLite and the PostgreSQL pass side by side.
SERVER_LOG = ARTIFACTS / ("server-postgresql.log" if os.environ.get("TEST_DATABASE_URL", "")
                          .startswith("postgresql") else "server-sqlite.log")


@pytest.fixture(autouse=True)
def db():
    """Replaces the suite's rolled-back transaction: the browser's portal commits for real."""
    return None


@pytest.fixture(scope="package")
def portal(tmp_path_factory):
    """(base URL, seeded ids) of a portal served by gunicorn while tests/e2e runs."""
    _compile_translations()
    tmp = tmp_path_factory.mktemp("e2e")
    instance = tmp / "instance"
    with server.database(tmp) as url:
        seeded = server.migrate_and_seed(url, instance)
        with server.serve(url, instance, SERVER_LOG) as base:
            yield base, seeded


@pytest.fixture(scope="package")
def browser():
    if os.environ.get("SKIP_BROWSER") == "1":
        pytest.skip("SKIP_BROWSER=1: the browser tests are not run")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"No Chromium at {CHROMIUM}: the browser tests need Debian's chromium "
                    "package (scripts/test.sh installs it; or apt-get install chromium, or set "
                    "CHROMIUM). SKIP_BROWSER=1 skips them.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def watch():
    """Collects console errors, CSP refusals and page errors; the test fails on any."""
    watch = Watch()
    yield watch
    assert not watch.problems, "\n".join(watch.problems)


@pytest.fixture
def axe():
    """Collects axe-core's serious and critical findings on every page the people open; the
    test fails on any (after ``people`` has waited for the last runs)."""
    axe = Axe()
    yield axe
    assert not axe.problems, "axe-core found:\n" + "\n".join(axe.problems)


@pytest.fixture
def people(browser, portal, watch, axe):
    """``people.page(username, **context options)``: a page signed in as that user, watched
    by ``watch`` and checked by ``axe``."""
    base, _seeded = portal
    crowd = People(browser, base, PASSWORD, watch, axe)
    yield crowd
    crowd.close()


@pytest.fixture
def seeded(portal):
    return portal[1]


@pytest.fixture
def shot(request):
    """``shot(page, "step")`` saves test-artifacts/<test>/NN-step.png."""
    return Shots(request.node.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report ends with where it failed and what the served portal
    answered last: Playwright's message (a page's whole accessibility tree) can be longer than
    what a CI log keeps of a failure, and a late, refused or lost answer shows only here."""
    report = yield
    if report.failed and call.when == "call":
        crash = getattr(report.longrepr, "reprcrash", None)
        where = f"{crash.path}:{crash.lineno}: {crash.message.splitlines()[0]}" if crash else ""
        report.sections.append(("served portal: its last answers", _last_answers(SERVER_LOG)))
        report.sections.append(("failed at", where))
    return report


def _last_answers(log: Path, count: int = 30) -> str:
    """The last ``count`` requests of the server log but for static files (method, path,
    status, duration) and any warning or error among them, oldest first."""
    try:
        lines = log.read_text(errors="replace").splitlines()[-2000:]
    except OSError as error:
        return f"no server log: {error}"
    kept = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            if "Traceback" in line or "Error" in line:
                kept.append(line)
            continue
        if entry.get("logger") == "portal.access":
            if str(entry.get("path", "")).startswith("/static/"):
                continue
            kept.append(f"{entry.get('time', '')[11:23]} {entry.get('method')} "
                        f"{entry.get('path')} {entry.get('status')} "
                        f"{entry.get('duration_ms')} ms user {entry.get('user_id')}")
        elif entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            kept.append(f"{entry.get('level')} {entry.get('logger')}: {entry.get('message')} "
                        f"{entry.get('exception', '')}".strip())
    return "\n".join(kept[-count:])
