"""Every PDF the portal serves prints right: its text lies on the page, can be extracted, and
its fonts are embedded (tests.helpers.pdf_layout_problems). One request per PDF route, on the
records of the access matrix (tests/access_records.py), as the first role the route lets in,
head office before the dealer."""

import ctypes
import io

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from portal.accounts.roles import DEALER_ROLES, Role
from tests.access_records import routes_of, url_of
from tests.helpers import pdf_layout_problems

# Every page route that answers a PDF, with the query it needs (the API serves the notice's
# stored PDF, the same bytes as finance.notice_pdf). The write-off notice and the statement
# also have long-document tests in test_notices.py and test_statement.py.
PDF_ROUTES = {
    "claims.service_bill": "",
    "deliveries.note_pdf": "",
    "finance.notice_pdf": "",
    "finance.statement_as_pdf": "",
    "planning.order_pdf": "",
    "reports.weekly_pdf": "",
    "returns.labels": "?layout=a4",
    "returns.labels ": "?layout=thermal",
    "returns.packing_list": "",
    "units.card_certificate": "",
}


def test_every_pdf_route_is_checked(app):
    served = {rule.endpoint for rule, _method in routes_of(app)
              if rule.rule.endswith(".pdf") and not rule.endpoint.startswith("api.")}
    assert served == {name.strip() for name in PDF_ROUTES}


@pytest.mark.parametrize("endpoint", PDF_ROUTES)
def test_the_pdf_prints_right(app, client, login, world, objects, endpoint):
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint.strip()]
    url = url_of(rule, {k: v[0] for k, v in objects.items()}) + PDF_ROUTES[endpoint]
    head_office_first = [*(r for r in Role if r not in DEALER_ROLES), *DEALER_ROLES]
    role = next(r for r in head_office_first if r in app.view_functions[rule.endpoint].access)
    if endpoint == "reports.weekly_pdf":  # a week's PDF is made when its report is generated
        login(world.users[Role.TECHNICAL])
        week = url.rsplit("/", 1)[1].removesuffix(".pdf")
        assert client.post("/reports/weekly", data={"week_start": week}).status_code == 303
    login(world.users[role])
    response = client.get(url)
    assert (response.status_code, response.mimetype) == (200, "application/pdf"), url
    assert pdf_layout_problems(response.data) == []


def _pdf_with_a_word_at(x: float) -> bytes:
    """A one-page A4 PDF with "Hi" at ``x`` pt in Helvetica, which pdfium does not embed."""
    pdf = pypdfium2.PdfDocument.new()
    page = pdf.new_page(595, 842)
    text = pdfium_c.FPDFPageObj_NewTextObj(pdf, b"Helvetica", ctypes.c_float(12))
    word = "Hi\0".encode("utf-16-le")
    pdfium_c.FPDFText_SetText(text, ctypes.cast(word, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
    pdfium_c.FPDFPageObj_Transform(text, 1, 0, 0, 1, x, 400)
    pdfium_c.FPDFPage_InsertObject(page, text)
    page.gen_content()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def test_the_helper_sees_text_off_the_page_and_fonts_not_embedded():
    problems = pdf_layout_problems(_pdf_with_a_word_at(590))
    assert [p.split(":")[0] for p in problems] == ["page 1", "page 1"]
    assert "outside 595 × 842 pt" in problems[0] and "Helvetica not embedded" in problems[1]
    assert pdf_layout_problems(_pdf_with_a_word_at(100)) == ["page 1: font Helvetica not embedded"]
