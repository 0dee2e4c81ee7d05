"""Helpers for driving the portal in Chromium: people signed in in their own browser contexts,
console and CSP watching, axe-core accessibility checks, numbered screenshots, the zh_CN wording
of the interface."""

import io
import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from PIL import Image

from portal import ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
PO = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
AXE_JS = ROOT / "static" / "vendor" / "axe-core-4.14.1.min.js"


@cache
def _catalog():
    with open(PO, "rb") as source:
        return read_po(source)


def zh(msgid: str) -> str:
    """The Chinese the interface shows for an English source string (zh_CN is the default)."""
    message = _catalog().get(msgid)
    assert message is not None and message.string, f"no translation for {msgid!r}"
    return message.string


def jpeg(size=(64, 48), color=(180, 90, 40)) -> bytes:
    """A real small JPEG, as a phone camera would upload."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 4):
        image.putpixel((x, x % size[1]), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class Shots:
    """Screenshots of one test, numbered in order: test-artifacts/<test>/NN-step.png."""

    def __init__(self, test_name: str):
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        # caret="initial": hiding the caret injects a style sheet, which the CSP refuses
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path


class Watch:
    """JavaScript errors, console errors (CSP refusals among them) of the pages of a context.

    A failed request shows in the console as "Failed to load resource: … status of N"; a test
    that expects some (a 404 page) says so with ``expect_status``.
    """

    def __init__(self):
        self.problems: list[str] = []
        self.expected_statuses: set[int] = set()

    def attach(self, page, who: str) -> None:
        page.on("console", lambda message: self._console(who, page, message))
        page.on("pageerror", lambda error: self.problems.append(
            f"{who} {page.url}: page error: {error}"))

    def _console(self, who, page, message) -> None:
        text, source = message.text, message.location.get("url", "")
        failed = re.match(r"Failed to load resource: the server responded with a status of "
                          r"(\d+)", text)
        if failed and int(failed.group(1)) in self.expected_statuses:
            return
        if message.type == "error" or "Content Security Policy" in text or "Refused" in text:
            where = f" ({source}:{message.location.get('lineNumber')})" if source else ""
            self.problems.append(f"{who} {page.url}: console {message.type}: {text}{where}")

    def expect_status(self, *codes: int) -> None:
        self.expected_statuses.update(codes)


# Runs in the page itself (an init script, which the page's CSP does not govern): axe after
# each load and after each htmx swap, one run at a time, reporting through a binding. Running
# axe from a Playwright event handler instead would block the sync API's dispatcher.
AXE_RUNNER = """(() => {
  if (window !== window.top || !/^https?:$/.test(location.protocol)) return;
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
  // Milder findings the portal once had and keeps away: a heading per page, distinct menus,
  // no empty column heading.
  const also = ['page-has-heading-one', 'landmark-unique', 'empty-table-header'];
  const state = window.__axeState = {busy: true};
  let running = false, again = false, timer = null, swaps = 0;
  const brief = (v) => ({rule: v.id, impact: v.impact,
                         targets: v.nodes.slice(0, 3).map((n) => n.target.join(' '))});
  async function check() {
    const [url, before] = [location.href, swaps];
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                            resultTypes: ['violations']});
    // htmx changed the page during the run: its findings mix two pages (and nodes already
    // gone); the swap's own run checks the new one.
    if (swaps !== before) return;
    const found = result.violations.filter(
      (v) => ['serious', 'critical'].includes(v.impact) || also.includes(v.id));
    await window.__axeReport({url, viewport: `${innerWidth}x${innerHeight}`,
                              found: found.map(brief)});
  }
  async function run() {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await check(); } while (again);
    } finally {
      running = false;
      state.busy = timer !== null;
    }
  }
  function schedule() {
    state.busy = true;
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; run(); }, 50);
  }
  if (document.readyState === 'complete') schedule();
  else window.addEventListener('load', schedule);
  document.addEventListener('htmx:beforeSwap', () => { swaps += 1; });
  document.addEventListener('htmx:afterSettle', schedule);
})();"""


class Axe:
    """axe-core's serious and critical findings (WCAG 2 A/AA and best practice), and those of
    three milder rules once broken here, on every page and after every htmx swap of the
    contexts it is attached to; the test fails on any."""

    def __init__(self):
        self.findings: dict[tuple, str] = {}
        self.checked: list[str] = []  # the URL of every completed run, in order

    def attach(self, context, who: str) -> None:
        context.add_init_script(script=AXE_JS.read_text(encoding="utf-8") + "\n" + AXE_RUNNER)
        context.expose_binding("__axeReport", lambda _source, report: self._record(who, report))

    def _record(self, who: str, report: dict) -> None:
        self.checked.append(report["url"])
        for hit in report["found"]:
            key = (hit["rule"], report["url"], report["viewport"], tuple(hit["targets"]))
            self.findings[key] = (f"{who} {report['url']} at {report['viewport']}: "
                                  f"{hit['impact']} {hit['rule']} on {', '.join(hit['targets'])}")

    def settle(self, page, timeout: float = 30_000) -> None:
        """Until the page's pending axe runs are done (a page that is no HTML page has none)."""
        page.wait_for_function("() => !window.__axeState || !window.__axeState.busy",
                               timeout=timeout)

    @property
    def problems(self) -> list[str]:
        return list(self.findings.values())

    def take(self) -> list[str]:
        """The findings so far, which a test asserts on itself (the fixture then has none)."""
        problems = self.problems
        self.findings.clear()
        return problems


class People:
    """Each user in a browser context of their own, signed in through the login page."""

    def __init__(self, browser, base: str, password: str, watch: Watch, axe: Axe | None = None):
        self.browser, self.base, self.password, self.watch = browser, base, password, watch
        self.axe = axe
        self.contexts = []

    def page(self, username: str | None = None, **context_options):
        context = self.browser.new_context(base_url=self.base, locale="zh-CN",
                                           timezone_id="Asia/Shanghai", **context_options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        if self.axe:
            self.axe.attach(context, username or "anonymous")
        page = context.new_page()
        self.watch.attach(page, username or "anonymous")
        page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm: the user says yes
        if username:
            sign_in(page, username, self.password)
        return page

    def close(self) -> None:
        """Closes every context, once axe has finished checking the pages they show."""
        for context in self.contexts:
            if self.axe:
                for page in context.pages:
                    self.axe.settle(page)
            context.close()


class Hands:
    """A person's hand on a phone page: every tap and every typed character counted.

    The rule: a tap is one touch of a control; filling a field is a tap on it and one keystroke
    per character (a Chinese character counts as one, as a pinyin IME picks it); choosing from
    a select or a file picker is two taps (open, pick).
    """

    def __init__(self, page):
        self.page, self.taps, self.typed = page, 0, 0

    def tap(self, selector: str) -> None:
        self.taps += 1
        self.page.locator(selector).tap()

    def type(self, selector: str, text: str) -> None:
        self.taps += 1
        self.typed += len(text)
        self.page.locator(selector).fill(text)

    def choose(self, selector: str, value: str) -> None:
        self.taps += 2
        self.page.locator(selector).select_option(value)

    def attach(self, selector: str, path) -> None:
        self.taps += 2
        self.page.locator(selector).set_input_files(str(path))

    def counts(self) -> dict:
        return {"taps": self.taps, "typed_characters": self.typed}


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def wait_for_htmx(page) -> None:
    """Until no htmx request is in flight (htmx marks the elements it is requesting for)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def draw_signature(page, canvas_selector: str = "canvas[data-signature-pad]") -> None:
    """Sign like a customer with a mouse: a few strokes across the pad."""
    canvas = page.locator(canvas_selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for start, end in (((0.1, 0.6), (0.4, 0.3)), ((0.4, 0.3), (0.6, 0.7)),
                       ((0.6, 0.7), (0.9, 0.35))):
        page.mouse.move(x + w * start[0], y + h * start[1])
        page.mouse.down()
        page.mouse.move(x + w * end[0], y + h * end[1], steps=12)
        page.mouse.up()


def draw_signature_by_touch(page, canvas_selector: str = "canvas[data-signature-pad]") -> None:
    """Sign with a finger: touch events through the DevTools protocol (Playwright's own
    touchscreen only taps)."""
    canvas = page.locator(canvas_selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    cdp = page.context.new_cdp_session(page)
    points = [(x + w * (0.1 + 0.8 * i / 20), y + h * (0.5 + 0.3 * ((-1) ** i) * (i % 5) / 5))
              for i in range(21)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                          "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for px, py in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": px, "y": py}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
