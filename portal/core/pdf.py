"""Documents as PDF: WeasyPrint with the CJK font, reading nothing but the app's static files."""

import ctypes
import mimetypes
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
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
    return html_to_pdf(html, current_app.static_folder, current_app.static_url_path,
                       base_url=base_url)


def html_to_pdf(html: str, static_folder: str, static_url_path: str = "/static", *,
                base_url: str | None = None) -> bytes:
    """``render_pdf`` without an application: what a rendering process (``PdfPool``) runs."""
    fetcher = StaticFetcher(static_folder, static_url_path)
    root = fetcher.root
    document = HTML(string=html, base_url=base_url or root.as_uri() + "/", url_fetcher=fetcher)
    stylesheet = CSS(filename=str(root / PRINT_CSS), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], full_fonts=False, hinting=False)


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _die_with_parent(parent: int) -> None:
    """Make this rendering process end when the process that started it ends, however that
    ends (``kill -9`` too): a stopped queue consumer leaves no render running on its own.
    (Strictly, when the thread that started it ends: a spawning pool starts its processes in
    the thread that submits, which holds the ``with PdfPool`` block for as long as the pool.)"""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above: nothing would signal us
        os._exit(1)


class PdfPool:
    """Render documents on several cores: ``submit(html)`` returns a future of the PDF bytes.

    Rendering is CPU-bound Python, so threads would take turns; processes render side by side.
    They are started fresh ("spawn"), not forked from a web worker that has threads and open
    database connections, and they die with the process that started them. With ``processes``
    0 each document is rendered at once, in this process (what the tests and a one-core host
    use).
    """

    def __init__(self, processes: int):
        self.static = (current_app.static_folder, current_app.static_url_path)
        self.executor = None
        if processes > 0:
            self.executor = ProcessPoolExecutor(processes, mp_context=get_context("spawn"),
                                                initializer=_die_with_parent,
                                                initargs=(os.getpid(),))

    def submit(self, html: str) -> Future:
        if self.executor is not None:
            return self.executor.submit(html_to_pdf, html, *self.static)
        future = Future()
        try:
            future.set_result(html_to_pdf(html, *self.static))
        except Exception as error:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(error)
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
