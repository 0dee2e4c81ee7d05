"""Uploads: checked by what they really are, refused with a message that names what is accepted."""

import base64
import io
import re
import struct
import zlib

import pytest
from flask_babel import force_locale
from PIL import Image
from weasyprint import HTML
from werkzeug.datastructures import FileStorage

from portal.core.downloads import download
from portal.core.errors import DomainError
from portal.core.uploads import (
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    MAX_PIXELS,
    discard,
    send_upload,
    staged,
    store,
    store_data_url,
    uploads_root,
    with_limit,
)
from tests.helpers import image_bytes

MB = 2**20


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def stored_files():
    """The files under the uploads folder now: ``stored_files()`` again shows what changed."""
    return lambda: set(uploads_root().rglob("*")) if uploads_root().exists() else set()


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def pdf_document() -> bytes:
    """A PDF as WeasyPrint writes one: a cross-reference stream (PDF 1.5 and later)."""
    return HTML(string="<p>回执卡</p>").write_pdf()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` pixels."""
    data = image_bytes(size=(8, 8))
    header = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + header + struct.pack(">I", zlib.crc32(header)) + data[33:]


def photo(data, name):
    return store(upload(data, name), folder="claims", allowed=IMAGE_TYPES, field="photo")


def signature(text):
    return store_data_url(text, folder="signatures", field="drawn")


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def refused(action, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize("fmt,name,content_type", [("JPEG", "相片.jpg", "image/jpeg"),
                                                   ("PNG", "photo.png", "image/png")])
def test_a_real_photo_is_stored_as_what_it_is(fmt, name, content_type):
    data = image_bytes(fmt, size=(640, 480))
    stored = photo(data, name)
    assert stored.content_type == content_type and stored.size == len(data)
    assert stored.name == name and stored.path.startswith("claims/")
    assert (uploads_root() / stored.path).read_bytes() == data
    discard(stored)
    assert not (uploads_root() / stored.path).exists()


def test_the_name_cannot_lead_outside_the_folder():
    stored = photo(image_bytes(), "../../etc/passwd.png")
    assert stored.name == "passwd.png" and stored.path.endswith(".png")
    discard(stored)


TRUNCATED_PNG = image_bytes(size=(300, 300), color="red")[:-200]
BAD = [
    ("a PDF renamed", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF", "scan.jpg",
     "Only JPEG or PNG images are accepted."),
    ("a GIF", image_bytes("GIF"), "photo.png", "Only JPEG or PNG images are accepted."),
    ("text", "这不是图片".encode(), "photo.png", "Only JPEG or PNG images are accepted."),
    ("a truncated PNG", TRUNCATED_PNG, "photo.png", "The image is damaged or incomplete."),
    ("a PNG header only", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.png",
     "The image is damaged or incomplete."),
    ("a truncated JPEG", image_bytes("JPEG", size=(400, 400), color="blue")[:300], "a.jpg",
     "The image is damaged or incomplete."),
    ("a bomb", image_bytes(size=(20_000, 20), ink=False), "wide.png", "too many pixels"),
]


@pytest.mark.parametrize("what,data,name,message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_photo_is_refused_and_nothing_is_written(stored_files, what, data, name, message):
    before = stored_files()
    error = refused(photo, data, name)
    assert message in str(error.message) and error.field == "photo"
    assert stored_files() == before


def test_an_oversized_file_is_refused_and_nothing_is_written(app, monkeypatch, stored_files):
    before = stored_files()
    data = image_bytes("JPEG", size=(1200, 1200))
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", len(data) - 1)
    error = refused(photo, data, "big.jpg")
    assert str(error.message) == "The file is larger than 1 MB."
    assert stored_files() == before


def scan(data, name="scan.pdf"):
    return store(upload(data, name), folder="cards", allowed=DOCUMENT_TYPES, field="scan")


def test_scans_of_paper_records_still_take_pdf_and_say_so():
    for pdf in (image_bytes("PDF", size=(200, 280)), pdf_document()):
        stored = scan(pdf, "回执卡.pdf")
        assert stored.content_type == "application/pdf"
        discard(stored)
    error = refused(store, upload(image_bytes("GIF"), "a.gif"), folder="cards",
                    allowed={"image/jpeg", "image/png", "application/pdf"}, field="scan")
    assert str(error.message) == "Only JPEG, PNG or PDF files are accepted."


REAL_PDF = image_bytes("PDF", size=(200, 280))  # Pillow's: a classic xref table and trailer
BAD_PDFS = [
    ("the first bytes only", b"%PDF-1.4 test scan"),
    ("a PDF cut short", REAL_PDF[:-300]),
    ("no end marker", REAL_PDF.replace(b"%%EOF", b"")),
    ("an offset beyond the file", re.sub(rb"startxref\n\d+", b"startxref\n99999999", REAL_PDF)),
    ("an offset to no cross-reference", re.sub(rb"startxref\n\d+", b"startxref\n20", REAL_PDF)),
    ("no document catalogue", REAL_PDF.replace(b"/Root", b"/Ruut")),
    ("a photo behind a PDF header", b"%PDF-1.4\n" + image_bytes("JPEG")),
]


@pytest.mark.parametrize("what,data", BAD_PDFS, ids=[b[0] for b in BAD_PDFS])
def test_a_pdf_is_checked_by_its_structure_not_its_first_bytes(stored_files, what, data):
    before = stored_files()
    error = refused(scan, data)
    assert str(error.message) == "The PDF is damaged or incomplete." and error.field == "scan"
    assert stored_files() == before


def test_images_are_bounded_before_they_are_decoded():
    """Pillow itself refuses what is beyond the limit, wherever an image is opened."""
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS <= 40_000_000
    claims = png_claiming(7000, 7000)  # 49 million pixels in a few hundred bytes
    assert len(claims) < 1000
    with pytest.warns(Image.DecompressionBombWarning):  # Pillow's, at opening the header
        error = refused(photo, claims, "bomb.png")
    assert "too many pixels" in str(error.message) and "at most 40 million" in str(error.message)


CLEANED = [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # shown as invoiceexe.pdf
    ("\u2066scan\u2069\u200e\u200f.jpg", "scan.jpg"),
    ("a\x00b\r\nc\x7f\u200b.png", "abc.png"),
    ("..\\..\\windows\\evil.png", "evil.png"),
    ("../../etc/passwd.png", "passwd.png"),
    ("..", "upload"),
    ("\u202e", "upload"),
    ("回执卡  2026.pdf", "回执卡 2026.pdf"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
]


@pytest.mark.parametrize("given,cleaned", CLEANED)
def test_stored_names_are_cleaned_of_controls_bidi_marks_and_paths(given, cleaned):
    stored = photo(image_bytes(), given)
    assert stored.name == cleaned
    discard(stored)


def test_downloads_name_files_without_controls_or_bidi_marks(app):
    stored = photo(image_bytes(), "photo.png")
    with app.test_request_context():
        served = send_upload(stored.path, stored.content_type, "old\u202egnp.exe\r\n")
        made = download(b"%PDF-1.7", "notice-\u2067x\u2069.pdf")
    assert served.headers["Content-Disposition"] == "inline; filename=oldgnp.exe"
    assert made.headers["Content-Disposition"] == "attachment; filename=notice-x.pdf"
    served.close()
    discard(stored)


def test_a_drawn_signature_is_stored_as_png():
    drawing = image_bytes(size=(600, 200), mode="RGBA", color=(0, 0, 0, 0))
    stored = signature(data_url(drawing))
    assert stored.content_type == "image/png" and stored.path.startswith("signatures/")
    assert (uploads_root() / stored.path).read_bytes() == drawing
    discard(stored)


BAD_DRAWINGS = [
    ("transparent", data_url(image_bytes(mode="RGBA", color=(0, 0, 0, 0), ink=False)),
     "The signature is blank"),
    ("white", data_url(image_bytes(color="white", ink=False)), "The signature is blank"),
    ("a JPEG", "data:image/jpeg;base64," + base64.b64encode(image_bytes("JPEG")).decode(),
     "could not be read"),
    ("not base64", "data:image/png;base64,iVBOR$$$", "could not be read"),
    ("no data URL", "iVBORw0KGgo=", "could not be read"),
    ("a JPEG labelled PNG", data_url(image_bytes("JPEG")), "Only PNG images are accepted."),
    ("a truncated PNG", data_url(TRUNCATED_PNG), "The image is damaged or incomplete."),
    ("too large", data_url(b"\x89PNG\r\n\x1a\n" + b"\x00" * (MB + 10)), "larger than 1 MB"),
]


@pytest.mark.parametrize("what,text,message", BAD_DRAWINGS, ids=[b[0] for b in BAD_DRAWINGS])
def test_a_bad_drawing_is_refused_and_nothing_is_written(app, monkeypatch, stored_files, what,
                                                         text, message):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", MB)
    before = stored_files()
    error = refused(signature, text)
    assert message in str(error.message) and error.field == "drawn"
    assert stored_files() == before


def test_files_stored_for_a_change_that_fails_are_removed_again(stored_files):
    before = stored_files()
    with pytest.raises(DomainError), staged():
        photo(image_bytes("JPEG"), "first.jpg")
        photo(b"not an image", "second.jpg")
    assert stored_files() == before
    with staged():  # refused without an exception: the block never says it committed
        photo(image_bytes("PNG"), "third.png")
    assert stored_files() == before


def test_files_of_a_committed_change_stay(stored_files):
    with staged() as files:
        kept = photo(image_bytes("JPEG"), "kept.jpg")
        files.committed = True
    assert (uploads_root() / kept.path).exists()
    discard(kept)


def test_the_one_size_limit_is_what_the_labels_quote(app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 3 * MB)
    assert str(with_limit("up to %(mb)d MB")) == "up to 3 MB"
