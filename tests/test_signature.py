"""The customer's signature: the pad's form, and what a POST of it stores or refuses."""

import base64
import io
import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale

from portal.claims.signature import SignatureForm, receive_signature
from portal.core.errors import DomainError
from portal.core.uploads import discard, uploads_root
from tests.helpers import image_bytes

MACRO = ('{% from "claims/_signature.html" import signature_form %}'
         '{{ signature_form("/claims/7/signature", form) }}')


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


def receive(app, **data):
    """What receive_signature() makes of this multipart POST, as the view would call it."""
    with app.test_request_context("/claims/7/signature", method="POST", data=data,
                                  content_type="multipart/form-data"):
        return receive_signature(SignatureForm())


def drawing() -> str:
    png = image_bytes(size=(300, 100), mode="RGBA", color=(0, 0, 0, 0))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_the_form_has_the_pad_the_scan_and_no_inline_script(app):
    html = render_template_string(MACRO, form=SignatureForm())
    assert 'action="/claims/7/signature"' in html and 'enctype="multipart/form-data"' in html
    assert re.search(r"<canvas data-signature-pad[^>]*data-empty-message=\"Please sign", html)
    assert "data-signature-clear" in html and 'name="drawn"' in html
    assert 'type="file"' in html and 'name="scan"' in html
    assert 'accept="image/jpeg,image/png,application/pdf"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert [attrs for attrs, body in scripts if body.strip() or "src=" not in attrs] == []
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts]
    assert sources == ["/static/vendor/signature_pad-5.1.4.umd.min.js", "/static/js/signature.js"]
    for source in sources:
        assert (Path(app.static_folder) / source.removeprefix("/static/")).is_file()
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_a_drawn_signature_is_stored(app):
    stored, drawn = receive(app, drawn=drawing())
    assert drawn is True and stored.content_type == "image/png"
    assert (uploads_root() / stored.path).is_file()
    discard(stored)


def test_a_scan_of_the_signed_paper_is_stored(app):
    scan = (io.BytesIO(image_bytes("PDF", size=(200, 280))), "签字单.pdf")
    stored, drawn = receive(app, drawn="", scan=scan)
    assert drawn is False and stored.content_type == "application/pdf"
    assert stored.name == "签字单.pdf"
    discard(stored)


@pytest.mark.parametrize("data,field,message", [
    ({"drawn": ""}, "drawn", "signature is missing"),
    ({"drawn": "   "}, "drawn", "signature is missing"),
    ({"drawn": "data:image/png;base64," + base64.b64encode(
        image_bytes(mode="RGBA", color=(0, 0, 0, 0), ink=False)).decode()},
     "drawn", "The signature is blank"),
    ({"drawn": "data:image/svg+xml;base64,PHN2Zy8+"}, "drawn", "could not be read"),
    ({"drawn": "", "scan": (io.BytesIO(b"GIF89a...."), "a.gif")}, "scan",
     "Only JPEG, PNG or PDF files are accepted."),
    ({"drawn": "x", "scan": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}, "scan", "not both"),
])
def test_no_signature_no_file(app, data, field, message):
    before = set(uploads_root().rglob("*")) if uploads_root().exists() else set()
    if data.get("drawn") == "x":
        data["drawn"] = drawing()
    with pytest.raises(DomainError) as caught:
        receive(app, **data)
    assert caught.value.field == field and message in str(caught.value.message)
    assert (set(uploads_root().rglob("*")) if uploads_root().exists() else set()) == before
