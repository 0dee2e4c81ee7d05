"""Walk the portal's pages as a signed-in user would, and read what a reader sees on them.

The crawl starts at the home page and follows every same-site GET link and htmx ``hx-get``,
breadth-first. It is bounded by route, not by URL: a few URLs per route of the URL map (a
list's filter variants counted apart from its records), so a list of a thousand claims costs
as much as a list of two. Downloads (PDF, Excel, files, the API) and POST-only routes are not
followed: they are not pages a reader reads.
"""

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

# Routes that answer a file, not a page (their rules end in .pdf/.xlsx/.json or serve uploads).
FILE_ENDPOINTS = {"claims.file", "returns.verdict_photo", "units.card_scan", "core.favicon",
                  "core.healthz", "static"}
FILE_SUFFIXES = (".pdf", ".xlsx", ".json", ".ico", ".svg", ".png", ".jpg", ".csv")
PATHS_PER_ROUTE = 2  # records of one kind: two vary the page, more only cost time
QUERIES_PER_ROUTE = 4  # a list's filter variants (and its "show more" pages), counted apart

# Attributes whose text a reader sees or hears (a button's value is its label).
SPOKEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
LABELLED_INPUTS = {"submit", "button", "reset"}


class VisibleText(HTMLParser):
    """The text of a page a reader sees or hears, and the URLs it links to (``href``) or loads
    into itself (``hx-get``, asked for as htmx asks)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[tuple[str, bool]] = []
        self._hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self._hidden += 1
        self.chunks += [attrs[name] for name in SPOKEN_ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in LABELLED_INPUTS and attrs.get("value"):
            self.chunks.append(attrs["value"])
        if attrs.get("href") and "download" not in attrs:
            self.links.append((attrs["href"], False))
        if attrs.get("hx-get"):
            self.links.append((attrs["hx-get"], True))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.chunks.append(" ".join(data.split()))


def read_page(html: str) -> tuple[str, list[tuple[str, bool]]]:
    """A page's visible text (its pieces joined by " | ") and its links."""
    parser = VisibleText()
    parser.feed(html)
    return " | ".join(parser.chunks), parser.links


def same_site(link: str) -> str | None:
    """A link as a local URL (path and query), or None if it leaves the site."""
    parts = urlsplit(urldefrag(link)[0])
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Crawl:
    """Pages seen by one user: ``texts`` maps a URL to its visible text, ``failures`` the URLs
    that did not answer 200 to their status and the page that linked to them."""

    texts: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


class Crawler:
    """Breadth-first over one signed-in client, within the bounds above."""

    def __init__(self, app, client):
        self.client = client
        self.adapter = app.url_map.bind("localhost")
        self.taken: Counter = Counter()
        self.seen: set[tuple[str, bool]] = set()

    def route(self, url: str) -> str | None:
        """The rule a URL matches if it is a page to read, else None."""
        path = urlsplit(url).path
        if path.startswith("/api/") or path.endswith(FILE_SUFFIXES):
            return None
        try:
            rule, _args = self.adapter.match(path, method="GET", return_rule=True)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            return None
        return None if rule.endpoint in FILE_ENDPOINTS else rule.rule

    def admit(self, url: str, htmx: bool) -> bool:
        """A new URL of a route not yet read often enough (counting its filtered variants,
        and its htmx answers, apart from its plain pages)."""
        rule = self.route(url)
        if rule is None or (url, htmx) in self.seen:
            return False
        kind = ("?" in url, htmx)
        if self.taken[rule, kind] >= (QUERIES_PER_ROUTE if kind[0] else PATHS_PER_ROUTE):
            return False
        self.taken[rule, kind] += 1
        self.seen.add((url, htmx))
        return True

    def run(self, start: str = "/") -> Crawl:
        crawl, todo = Crawl(), deque([(start, False, "")])
        self.admit(start, False)
        while todo:
            url, htmx, referrer = todo.popleft()
            response = self.client.get(url, headers={"HX-Request": "true"} if htmx else {},
                                       follow_redirects=True)
            if response.status_code != 200:
                crawl.failures[url] = f"{response.status_code} (linked from {referrer})"
                continue
            if response.mimetype != "text/html":
                continue
            text, links = read_page(response.get_data(as_text=True))
            crawl.texts[url + (" (htmx)" if htmx else "")] = text
            for link, is_htmx in links:
                local = same_site(link)
                if local and self.admit(local, is_htmx):
                    todo.append((local, is_htmx, url))
        return crawl


# A run of letters, digits and code punctuation: a word, or a code (serial, part number, claim
# number, fault code, model code), a number, an address, a file name.
TOKEN = re.compile(r"[A-Za-z0-9_@.:/+#-]*[A-Za-z][A-Za-z0-9_@.:/+#-]*")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
CODE = re.compile(
    r"[A-Z0-9]+(?:[-_/.][A-Z0-9]+)+:?"  # SD-JN01, SB-BX-C, HX-2026-0073
    r"|.*\d.*"  # anything with a digit: serials, numbers, fault codes, logins like sdjn01_admin
    r"|\S+@\S+"  # an e-mail address
    r"|[\w-]*\.(?:xlsx|pdf|png|jpe?g|csv)")  # a file name or its extension

# Units and abbreviations a Chinese reader reads as they are.
UNITS = {"km", "kg", "kW", "kWh", "mm", "cm", "MB", "PDF", "Excel", "QR", "ID", "API", "VIN",
         "CSV", "PNG", "JPEG", "JPG", "USB", "ERP", "HTTP", "URL"}
# Proper names and fixed syntax, each with why it stays in Latin letters.
PROPER_NAMES = {
    "English": "the language switch names English in English, as every site does",
    "Authorization:": "the HTTP header a program must send, written as it is typed",
    "Bearer": "the token scheme in that header, written as it is typed",
    "SBOP:": "the prefix printed on old-part labels, shown as the scan box's example",
}
# Pages where a login is the subject (the user administration, one's own account): there it is
# shown as what one types to sign in; everywhere else people are named by their names.
LOGIN_PAGES = ("/admin/users", "/account/")


def foreign_words(text: str, allowed: frozenset = frozenset()) -> list[tuple[str, str]]:
    """Latin words in ``text`` that are neither codes, numbers, units, allowed names nor in
    ``allowed``, each with a snippet of the text around it."""
    found = []
    for match in TOKEN.finditer(text):
        token = match.group()
        if (CODE.fullmatch(token) or token in UNITS or token in PROPER_NAMES
                or token in allowed or not LATIN_WORD.search(token)):
            continue
        start = max(0, match.start() - 40)
        found.append((token, text[start:match.end() + 40]))
    return found
