"""The paid-service bill: only paid lines, stored amounts, exact totals, a real PDF."""

from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.claims.bill import bill_lines, service_bill_html, service_bill_pdf
from portal.claims.models import LineKind
from tests import factories
from tests.helpers import pdf_objects, pdf_page_count


@pytest.fixture
def claim(world):
    dealer = world.dealer_a
    dealer.address, dealer.service_phone = "山东省济南市历下区经十路 1 号", "0531-88886666"
    unit = factories.make_unit(dealer=dealer)
    factories.make_card(unit, buyer_name="李四", buyer_phone="13912345678", province="山东省",
                        city="德州市", address="平原县王庄村 8 号")
    part = factories.make_part(number="P-HYD-01", name="液压泵", price=Decimal("320.50"))
    return factories.make_claim(unit, number="WX-2026-000123", work_done="更换液压泵", lines=[
        {"kind": LineKind.PART, "part_id": part.id, "quantity": 2,
         "unit_price": Decimal("320.50"), "amount": Decimal("641.00"),
         "covered": False, "paid_service": True},
        {"kind": LineKind.LABOUR, "hours": Decimal("2.50"), "hourly_rate": Decimal("45.00"),
         "amount": Decimal("112.50"), "covered": False, "paid_service": True},
        {"kind": LineKind.TRAVEL, "km": 35, "amount": Decimal("80.00"), "covered": False,
         "paid_service": True},
        {"kind": LineKind.LABOUR, "hours": Decimal("1.00"), "hourly_rate": Decimal("45.00"),
         "amount": Decimal("45.00"), "covered": True},  # 三包: not on the customer's bill
        {"kind": LineKind.OTHER, "reason": "加班费", "amount": Decimal("999.99"),
         "covered": False, "paid_service": True},  # never billable, even if flagged
    ])


def test_the_bill_holds_only_paid_lines_with_their_stored_amounts(claim):
    bill = bill_lines(claim)
    assert [line.position for line in bill.lines] == [1, 2, 3]
    assert bill.totals == {LineKind.PART: Decimal("641.00"), LineKind.LABOUR: Decimal("112.50"),
                           LineKind.TRAVEL: Decimal("80.00")}
    assert bill.total == Decimal("833.50")
    assert all(isinstance(v, Decimal) for v in [bill.total, *bill.totals.values()])


def test_a_claim_without_paid_lines_bills_nothing(world):
    unit = factories.make_unit(dealer=world.dealer_a)
    claim = factories.make_claim(unit, lines=[(LineKind.PART, Decimal("99.50"))])
    bill = bill_lines(claim)
    assert bill.lines == [] and bill.total == Decimal("0.00")
    assert set(bill.totals.values()) == {Decimal("0.00")}


def test_the_bill_names_dealer_customer_unit_and_repair(claim):
    with force_locale("en"):
        html = service_bill_html(claim)
    for text in ["WX-2026-000123", "Paid service bill", claim.dealer.name, "经十路 1 号",
                 "0531-88886666", "李四", "13912345678", "德州市 平原县王庄村 8 号",
                 claim.unit.serial, claim.unit.model.name, "2025-08-01", "2025-08-03",
                 "发动机异响", "更换液压泵", "P-HYD-01 液压泵", "¥320.50", "2.50 h",
                 "35 km", "¥641.00", "¥112.50", "¥80.00", "¥833.50", "Customer’s signature"]:
        assert text in html, text
    assert "¥999.99" not in html and "加班费" not in html and "¥45.00</td>" not in html


def test_the_bill_prints_to_a_one_page_pdf(claim):
    pdf = service_bill_pdf(claim)
    assert pdf.startswith(b"%PDF-") and len(pdf) < 500_000
    objects = pdf_objects(pdf)
    assert pdf_page_count(objects) == 1
    assert b"WenQuanYi" in objects
