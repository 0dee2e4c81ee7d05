"""Uploaded files: checked by content and size, stored under the instance folder."""

import base64
import binascii
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

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

# Far beyond any phone camera; a small file claiming more is a decompression bomb.
MAX_SIDE = 15_000
MAX_PIXELS = 80_000_000
DATA_URL_PNG = "data:image/png;base64,"


@dataclass
class StoredFile:
    path: str  # relative to the uploads folder
    name: str
    content_type: str
    size: int = 0


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def sniff(data: bytes, allowed) -> tuple[str, str] | None:
    for signature, (content_type, suffix) in SIGNATURES.items():
        if data.startswith(signature) and content_type in allowed:
            return content_type, suffix
    return None


def store(file_storage, *, folder: str, allowed, max_bytes: int, field: str) -> StoredFile:
    """Save an upload after checking what it really is and how big it is."""
    data = file_storage.read(max_bytes + 1)
    name = Path(file_storage.filename or "upload").name[:200]
    return _save(data, name, folder=folder, allowed=allowed, max_bytes=max_bytes, field=field)


def store_data_url(text: str, *, folder: str, max_bytes: int, field: str) -> StoredFile:
    """Save a drawing sent as a PNG data URL (the signature pad's output)."""
    unreadable = DomainError(_("The drawing could not be read; please sign again."), field=field)
    if not text.startswith(DATA_URL_PNG):
        raise unreadable
    payload = text[len(DATA_URL_PNG):]
    if len(payload) > (max_bytes // 3 + 1) * 4:  # too large before decoding it
        raise _too_large(max_bytes, field)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise unreadable from None
    return _save(data, "signature.png", folder=folder, allowed={PNG}, max_bytes=max_bytes,
                 field=field, keep=_not_blank)


def discard(stored: StoredFile | None) -> None:
    """Remove a file stored for a change that was then refused."""
    if stored is not None:
        (uploads_root() / stored.path).unlink(missing_ok=True)


def _save(data: bytes, name: str, *, folder, allowed, max_bytes, field, keep=None):
    if len(data) > max_bytes:
        raise _too_large(max_bytes, field)
    kind = sniff(data, allowed)
    if kind is None:
        accepted = ACCEPTED.get(frozenset(allowed), _l("This kind of file is not accepted."))
        raise DomainError(accepted, field=field)
    if kind[0] in PILLOW_FORMATS:
        with checked_image(data, kind[0], field) as image:
            if keep is not None:
                keep(image, field)
    relative = f"{folder}/{uuid.uuid4().hex}{kind[1]}"
    target = uploads_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return StoredFile(path=relative, name=name, content_type=kind[0], size=len(data))


def _too_large(max_bytes: int, field: str) -> DomainError:
    return DomainError(_("The file is larger than %(mb)d MB.", mb=max(max_bytes // 2**20, 1)),
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
