"""Uploaded files: checked by content and size, stored under the instance folder."""

import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from portal.core.errors import DomainError

# Leading bytes of the kinds we accept; the browser's name and type are not trusted.
SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


@dataclass
class StoredFile:
    path: str  # relative to the uploads folder
    name: str
    content_type: str


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def sniff(data: bytes, allowed: set[str]) -> tuple[str, str] | None:
    for signature, (content_type, suffix) in SIGNATURES.items():
        if data.startswith(signature) and content_type in allowed:
            return content_type, suffix
    return None


def store(file_storage, *, folder: str, allowed: set[str], max_bytes: int, field: str):
    """Save an upload after checking what it really is and how big it is."""
    data = file_storage.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(_("The file is larger than %(mb)d MB.", mb=max_bytes // 2**20),
                          field=field)
    kind = sniff(data, allowed)
    if kind is None:
        raise DomainError(_("Only JPEG, PNG or PDF files are accepted."), field=field)
    relative = f"{folder}/{uuid.uuid4().hex}{kind[1]}"
    target = uploads_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    name = Path(file_storage.filename or "upload").name[:200]
    return StoredFile(path=relative, name=name, content_type=kind[0])
