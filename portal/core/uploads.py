"""Uploaded files: checked by content and size, stored under the instance folder."""

import base64
import binascii
import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from portal.core.downloads import clean_name
from portal.core.errors import DomainError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
IMAGE_TYPES = frozenset({JPEG, PNG})  # photos
DOCUMENT_TYPES = frozenset({JPEG, PNG, PDF})  # scans of paper records

# Leading bytes of the kinds we accept; the browser's name and type are not trusted.
SIGNATURES = {
    b"\xff\xd8\xff": (JPEG, ".jpg"),
    b"\x89PNG\r\n\x1a\n": (PNG, ".png"),
    b"%PDF-": (PDF, ".pdf"),
}
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

# The refusal names what this upload accepts.
ACCEPTED = {
    DOCUMENT_TYPES: _l("Only JPEG, PNG or PDF files are accepted."),
    IMAGE_TYPES: _l("Only JPEG or PNG images are accepted."),
    frozenset({PNG}): _l("Only PNG images are accepted."),
    frozenset({JPEG}): _l("Only JPEG images are accepted."),
    frozenset({PDF}): _l("Only PDF files are accepted."),
}

# Beyond what an 8 MB camera JPEG holds (about 30 million pixels); a small file claiming more
# is a decompression bomb. Decoding 40 million pixels takes 120-160 MB, so Pillow itself is
# held to it (a DecompressionBombError above twice that, wherever an image is opened).
MAX_SIDE = 15_000
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# A PDF is read from its end: "startxref", the offset of the last cross-reference section,
# "%%EOF" (trailing whitespace allowed); at that offset a table ("xref") or a stream object
# ("12 0 obj"), whose trailer or dictionary names the document catalogue (/Root).
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
PDF_END = re.compile(rb"startxref\s+(\d{1,10})\s+%%EOF[\s\x00]*\Z")
PDF_XREF = re.compile(rb"\s*(?:xref\b|\d+\s+\d+\s+obj\b)")
PDF_TAIL = 1024
DATA_URL_PNG = "data:image/png;base64,"


@dataclass
class StoredFile:
    path: str  # relative to the uploads folder
    name: str
    content_type: str
    size: int = 0


class Staged(list):
    """The files stored inside one ``staged()`` block; ``committed`` once their transaction is."""

    committed = False


_STAGED: ContextVar[Staged | None] = ContextVar("staged_uploads", default=None)


@contextmanager
def staged() -> Iterator[Staged]:
    """Files are written before the transaction that records them commits: the ones stored
    inside this block are removed again unless the block sets ``committed`` (the change was
    refused, or the commit failed), so a refused change leaves no orphan file."""
    files = Staged()
    token = _STAGED.set(files)
    try:
        yield files
    finally:
        _STAGED.reset(token)
        if not files.committed:
            for stored in files:
                discard(stored)


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def send_upload(relative: str | None, content_type: str, name: str, **options):
    """Answer with a stored upload (``relative`` to the uploads folder); 404 when there is none,
    or its path would lead outside that folder."""
    root = uploads_root().resolve()
    path = (root / relative).resolve() if relative else None
    if path is None or root not in path.parents or not path.is_file():
        abort(404)
    return send_file(path, mimetype=content_type, download_name=clean_name(name), **options)


def max_bytes() -> int:
    """The one size limit of a photo, a scan or a signature."""
    return current_app.config["UPLOAD_MAX_BYTES"]


def with_limit(label) -> LazyString:
    """A form label quoting the size limit as ``%(mb)d``, filled in when it is shown."""
    return LazyString(lambda: str(label) % {"mb": max_bytes() // 2**20})


def sniff(data: bytes, allowed) -> tuple[str, str] | None:
    for signature, (content_type, suffix) in SIGNATURES.items():
        if data.startswith(signature) and content_type in allowed:
            return content_type, suffix
    return None


def store(file_storage, *, folder: str, allowed, field: str) -> StoredFile:
    """Save an upload after checking what it really is and how big it is; inside ``staged()``
    it is removed again if the change fails."""
    limit = max_bytes()
    data = file_storage.read(limit + 1)
    name = clean_name(file_storage.filename)
    return _save(data, name, folder=folder, allowed=allowed, limit=limit, field=field)


def store_data_url(text: str, *, folder: str, field: str) -> StoredFile:
    """Save a drawing sent as a PNG data URL (the signature pad's output)."""
    limit = max_bytes()
    unreadable = DomainError(_("The drawing could not be read; please sign again."), field=field)
    if not text.startswith(DATA_URL_PNG):
        raise unreadable
    payload = text[len(DATA_URL_PNG):]
    if len(payload) > (limit // 3 + 1) * 4:  # too large before decoding it
        raise _too_large(limit, field)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise unreadable from None
    return _save(data, "signature.png", folder=folder, allowed={PNG}, limit=limit,
                 field=field, keep=_not_blank)


def discard(stored: StoredFile | None) -> None:
    """Remove a file stored for a change that was then refused."""
    if stored is not None:
        (uploads_root() / stored.path).unlink(missing_ok=True)


def _save(data: bytes, name: str, *, folder, allowed, limit, field, keep=None):
    if len(data) > limit:
        raise _too_large(limit, field)
    kind = sniff(data, allowed)
    if kind is None:
        accepted = ACCEPTED.get(frozenset(allowed), _l("This kind of file is not accepted."))
        raise DomainError(accepted, field=field)
    if kind[0] in PILLOW_FORMATS:
        with checked_image(data, kind[0], field) as image:
            if keep is not None:
                keep(image, field)
    elif kind[0] == PDF:
        check_pdf(data, field)
    relative = f"{folder}/{uuid.uuid4().hex}{kind[1]}"
    target = uploads_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    stored = StoredFile(path=relative, name=name, content_type=kind[0], size=len(data))
    if (files := _STAGED.get()) is not None:
        files.append(stored)
    return stored


def _too_large(limit: int, field: str) -> DomainError:
    return DomainError(_("The file is larger than %(mb)d MB.", mb=max(limit // 2**20, 1)),
                       field=field)


def checked_image(data: bytes, content_type: str, field: str) -> Image.Image:
    """Decode the whole image: a damaged, truncated or absurdly large one is refused."""
    damaged = DomainError(_("The image is damaged or incomplete."), field=field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != PILLOW_FORMATS[content_type]:
                raise damaged
            _check_dimensions(*probe.size, field=field)
            probe.verify()  # checksums, where the format has them
        image = Image.open(io.BytesIO(data))
        image.load()  # every pixel: a truncated file fails here
    except Image.DecompressionBombError:
        raise _too_many_pixels(field) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        raise damaged from None
    return image


def check_pdf(data: bytes, field: str) -> None:
    """Refuse a file that only starts like a PDF: a reader finds the document from its end
    (``PDF_END``, ``PDF_XREF``), and so must we. No PDF parser runs here: WeasyPrint's pydyf
    only writes, pypdfium2 (a C++ parser) is a test tool, and the scan is only stored and
    handed back, never rendered by the portal; this catches a renamed, truncated or forged
    file without parsing untrusted objects in the web worker."""
    end = PDF_END.search(data[-PDF_TAIL:])
    offset = int(end.group(1)) if end else len(data)
    if (not PDF_HEADER.match(data) or offset >= len(data)
            or not PDF_XREF.match(data, offset) or data.find(b"/Root", offset) < 0):
        raise DomainError(_("The PDF is damaged or incomplete."), field=field)


def _check_dimensions(width: int, height: int, *, field: str) -> None:
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_many_pixels(field)


def _too_many_pixels(field: str) -> DomainError:
    return DomainError(_("The image has too many pixels (at most %(mp)d million, %(side)d on a "
                         "side); please send a smaller one.",
                         mp=MAX_PIXELS // 10**6, side=MAX_SIDE), field=field)


def _not_blank(image: Image.Image, field: str) -> None:
    """Refuse a drawing with no visible stroke (all transparent, or all white)."""
    rgba = image.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    darkest, _lightest = flat.getextrema()
    if darkest >= 250:
        raise DomainError(_("The signature is blank; please sign on the pad."), field=field)
