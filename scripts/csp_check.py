"""Walk the running portal in a real browser and report what its Content-Security-Policy refused.

For each demo role: sign in, load every menu page in full, follow it by the menu (hx-boost
swaps the body), open the first two pages each list links to in its own section, press the
camera button and draw on the signature pad where a page has them, and listen for console
messages ("Refused to …", errors) and uncaught page errors. Exits 1 if any were seen.

    DATABASE_URL=sqlite:////tmp/sec.sqlite3 .venv/bin/flask --app wsgi db upgrade
    DATABASE_URL=sqlite:////tmp/sec.sqlite3 .venv/bin/flask --app wsgi seed-demo
    DATABASE_URL=sqlite:////tmp/sec.sqlite3 .venv/bin/flask --app wsgi run -p 5070 &
    .venv/bin/python scripts/csp_check.py http://127.0.0.1:5070

Needs the playwright package and a Chromium (CHROMIUM, default /usr/bin/chromium).
"""

import os
import sys
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import sync_playwright

USERS = ["admin", "clerk_zhao", "rep_li", "tech_chen", "fin_sun", "sdjn01_admin"]
PASSWORD = os.environ.get("DEMO_PASSWORD", "Sanbao2026")
# Links that change something or send a file, not pages to look at.
SKIP = (".pdf", ".xlsx", "/export", "/download", "/logout", "/photo", "/attachments/")


def watch(page, problems: list, where: list) -> None:
    def on_console(message):
        if message.text.startswith("Failed to load resource"):
            return  # told with its URL by on_response
        if message.type in ("error", "warning") or "Refused" in message.text:
            problems.append(f"{where[0]}: console {message.type}: {message.text}")

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{where[0]}: {response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"{where[0]}: page error: {error}"))


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(urljoin(base, "/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/login" in page.url:
        raise SystemExit(f"cannot sign in as {username}")


# getAttribute: an SVG link's .href is not a string.
LINKS = "els => els.map(e => new URL(e.getAttribute('href'), location.href).href)"


def records(page, base: str, limit: int = 2) -> list[str]:
    """The first links from a list page into its own section (details, forms): GETs only."""
    here = urlsplit(page.url).path
    section = here.strip("/").split("/")[0]
    found = []
    for href in page.eval_on_selector_all("main a[href]", LINKS):
        url = urlsplit(href)
        if (url.netloc != urlsplit(base).netloc or url.path == here or href in found
                or url.path.strip("/").split("/")[0] != section
                or any(s in url.path for s in SKIP)):
            continue
        found.append(href)
        if len(found) == limit:
            break
    return found


def exercise(page) -> None:
    """Use the page's scripts: the camera button (no camera here: a message, no error) and the
    signature pad (a stroke)."""
    camera = page.locator("[data-scan-camera]:visible")
    if camera.count():
        camera.first.click()
        page.wait_for_timeout(500)
    canvas = page.locator("main canvas:visible")
    if canvas.count():
        box = canvas.first.bounding_box()
        page.mouse.move(box["x"] + 10, box["y"] + 10)
        page.mouse.down()
        page.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
        page.mouse.up()


def check_role(browser, base: str, username: str, problems: list) -> int:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    where = [username]
    watch(page, problems, where)
    sign_in(page, base, username)
    menu = page.eval_on_selector_all(".mainnav a", "els => els.map(e => e.href)")
    seen = 0
    for href in menu:
        where[0] = f"{username} {urlsplit(href).path}"
        page.goto(href)
        page.wait_for_load_state("networkidle")
        seen += 1
        exercise(page)
        for record in records(page, base):
            where[0] = f"{username} {urlsplit(record).path}"
            page.goto(record)
            page.wait_for_load_state("networkidle")
            exercise(page)
            seen += 1
    page.goto(urljoin(base, "/"))
    for index in range(len(menu)):  # the same menu, followed by hx-boost
        link = page.locator(".mainnav a").nth(index)
        where[0] = f"{username} boosted {link.get_attribute('href')}"
        link.click()
        page.wait_for_load_state("networkidle")
        seen += 1
    context.close()
    return seen


def main(base: str) -> int:
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox"])
        for username in USERS:
            seen = check_role(browser, base, username, problems)
            print(f"{username}: {seen} pages")
        browser.close()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5070"))
