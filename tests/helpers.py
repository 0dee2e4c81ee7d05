"""Helpers shared by tests that drive pages."""

import ctypes
import io
import re
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pypdfium2
import pypdfium2.raw as pdfium_c
import sqlalchemy as sa
from flask_sqlalchemy.session import Session
from PIL import Image

from portal.extensions import db


def walk_pages(client, url: str, link_text: str) -> list[str]:
    """Follow a list's "show more" links as htmx does; return every row link text seen."""
    seen = []
    while url:
        body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        seen += re.findall(rf">({link_text})</a>", body)
        match = re.search(r'hx-get="([^"]+)"', body)
        url = match.group(1).replace("&amp;", "&") if match else None
    return seen


def image_bytes(fmt="PNG", size=(40, 20), color="white", mode="RGB", ink=True) -> bytes:
    """A real image file made with Pillow (one black pixel unless ``ink`` is false)."""
    image = Image.new(mode, size, color)
    if ink:
        image.putpixel((5, 5), (0, 0, 0) + ((255,) if mode == "RGBA" else ()))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects as text: its compressed streams (object streams included) inflated."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_page_count(objects: bytes) -> int:
    """Pages in a PDF, counted in pdf_objects()' text."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", objects))


class QueryCounter:
    """Count the SQL statements sent while inside the block."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def count_queries(db, client, url) -> int:
    """The statements an htmx request for ``url`` sends (it must answer 200)."""
    with QueryCounter(db.engine) as counter:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    return counter.count


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF."""
    pdf = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def pdf_layout_problems(data: bytes, slack: float = 0.5) -> list[str]:
    """What would print badly in a PDF: per page, text drawn outside the page box (``slack`` pt
    allowed), a page without extractable text, and a font that is not embedded (read with
    pdfium's FPDFFont_GetIsEmbedded). An empty list means the document is fine."""
    problems = []
    for number, page in enumerate(pypdfium2.PdfDocument(data), start=1):
        width, height = page.get_size()
        if not page.get_textpage().get_text_range().strip():
            problems.append(f"page {number}: no extractable text")
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            left, bottom, right, top = obj.get_bounds()
            if left < -slack or bottom < -slack or right > width + slack or top > height + slack:
                problems.append(f"page {number}: text at x {left:.1f}–{right:.1f}, "
                                f"y {bottom:.1f}–{top:.1f} outside {width:.0f} × {height:.0f} pt")
            font = pdfium_c.FPDFTextObj_GetFont(obj)
            if font and not pdfium_c.FPDFFont_GetIsEmbedded(font):
                problems.append(f"page {number}: font {_font_name(font)} not embedded")
    return list(dict.fromkeys(problems))


def pdf_text_right_edge(data: bytes) -> float:
    """The rightmost x (pt) any text reaches on any page of a PDF."""
    return max(obj.get_bounds()[2] for page in pypdfium2.PdfDocument(data)
               for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]))


def _font_name(font) -> str:
    buffer = ctypes.create_string_buffer(256)
    length = pdfium_c.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
    return buffer.raw[:max(length - 1, 0)].decode("latin-1")


# -- truly concurrent writers: own connections that commit ------------------------------------

class EngineSession(Session):
    """A session bound to its own engine, bypassing the suite's rolled-back transaction."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def in_threads(app, work, count):
    """Run ``work(i)`` in ``count`` threads at once, each in its own app context (session);
    return what each returned or the exception it raised."""
    barrier = threading.Barrier(count)

    def one(i):
        with app.app_context():
            try:
                barrier.wait()
                return work(i)
            except Exception as error:
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


@contextmanager
def queue_in(app, url):
    """The job queue on real storage (``url``) for the block, instead of the tests'
    immediate mode: a task called is enqueued there, for a consumer to run."""
    from portal.core import jobs

    saved = {key: app.config[key] for key in ("QUEUE_URL", "QUEUE_IMMEDIATE")}
    app.config.update(QUEUE_URL=url, QUEUE_IMMEDIATE=False)
    jobs.init_app(app)
    try:
        yield jobs.huey
    finally:
        app.config.update(saved)
        jobs.init_app(app)
