"""The one way a page hands over a document it built: PDF or Excel bytes, named for saving; and
the one cleaning of a file's name, for every upload stored and every file handed over."""

import io
import re
import unicodedata
from pathlib import PurePath

from flask import send_file

TYPES = {".pdf": "application/pdf",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


NAME_LENGTH = 200  # the name columns of the upload tables


def clean_name(name: str | None, default: str = "upload") -> str:
    """A file name safe to store, show and put in Content-Disposition: its last path part (a
    browser may send a whole Windows path), without control or format characters (Unicode
    category C: the bidi embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069,
    the marks U+200E/U+200F, zero-width characters), which can make "invoice", U+202E,
    "fdp.exe" show as "invoiceexe.pdf"; runs of spaces as one, no leading dots, at most
    ``NAME_LENGTH`` characters with the suffix kept."""
    last = re.split(r"[/\\]", name or "")[-1]
    text = "".join(" " if unicodedata.category(c).startswith("Z") else c for c in last
                   if not unicodedata.category(c).startswith("C"))
    text = " ".join(text.split()).lstrip(". ")
    if not text:
        return default
    suffix = PurePath(text).suffix[:20]
    return text[:NAME_LENGTH - len(suffix)] + suffix if len(text) > NAME_LENGTH else text


def download(data: bytes, name: str, *, attachment: bool = True):
    """Answer with ``data`` as the file ``name``, its type read from the name's suffix: saved
    (``attachment``) or, for a document read and printed first, shown in the browser."""
    name = clean_name(name)
    return send_file(io.BytesIO(data), mimetype=TYPES[PurePath(name).suffix],
                     as_attachment=attachment, download_name=name)
