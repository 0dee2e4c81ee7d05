"""Documents as PDF: WeasyPrint with the CJK font, reading nothing but the app's static files."""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PRINT_CSS = "css/print.css"


class ResourceRefused(ValueError):
    """A document asked for something other than one of the app's static files."""


class StaticFetcher(URLFetcher):
    """Serve data: URLs and files under the static folder; refuse the network and the disk."""

    def __init__(self, static_folder, static_url_path: str = "/static"):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.root = Path(static_folder).resolve()
        self.url_prefix = static_url_path.rstrip("/") + "/"

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ResourceRefused(f"not a static file: {url}")
        path = self.static_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  headers={"Content-Type": content_type})

    def static_path(self, url: str) -> Path:
        """The file a file: URL names, if it lies under the static folder."""
        raw = url2pathname(urlsplit(url).path)
        path = Path(raw).resolve()
        if not path.is_relative_to(self.root) and raw.startswith(self.url_prefix):
            # "/static/css/print.css", as url_for() writes it, resolved against no host.
            path = (self.root / raw[len(self.url_prefix):]).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"not a static file: {url}")
        return path


def static_fetcher() -> StaticFetcher:
    return StaticFetcher(current_app.static_folder, current_app.static_url_path)


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render a whole HTML document to PDF bytes, with the shared print stylesheet.

    Relative URLs resolve against the static folder unless ``base_url`` says otherwise; fonts
    are embedded as subsets of the glyphs used, so a page of Chinese stays small.
    """
    fetcher = static_fetcher()
    root = fetcher.root
    document = HTML(string=html, base_url=base_url or root.as_uri() + "/", url_fetcher=fetcher)
    stylesheet = CSS(filename=str(root / PRINT_CSS), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], full_fonts=False, hinting=False)
