"""The one-pass sale and card form on a phone: every problem at once, the scan kept when the
form comes back, a PDF scan, the keyboards and the dates it starts with."""

import io
import re
from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.units.cards import CardStatus, WarrantyCard
from tests import factories
from tests.helpers import image_bytes

TODAY = shanghai_today()
PDF = image_bytes("PDF", size=(200, 280))  # a real PDF: the scan is checked by its structure


@pytest.fixture
def unit(world, db):
    unit = factories.make_unit("SB-ONE-1", dealer=world.dealer_a,
                               shipped_on=TODAY - timedelta(days=90),
                               production_date=TODAY - timedelta(days=120))
    db.session.commit()
    return unit


def sale(**values):
    data = {"buyer_name": "李四", "buyer_phone": "13912345678", "buyer_id_no": "",
            "province": "山东省", "city": "济南市", "county": "历城区", "address": "港沟街道1号",
            "sale_date": TODAY.isoformat(), "invoice_no": "12345678",
            "invoice_date": TODAY.isoformat(), "file": "1"}
    data.update(values)
    return data


def _post(client, unit, data):
    return client.post(f"/units/{unit.id}/card", data=data, content_type="multipart/form-data")


def test_every_problem_is_shown_at_once_beside_its_field(client, login, world, unit, db):
    login(world.users[Role.DEALER_STAFF])
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = _post(client, unit, sale(buyer_name="", buyer_phone="12345", invoice_no="",
                                        address="", invoice_date=tomorrow))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    errors = re.findall(r'<small class="error" role="alert">([^<]+)</small>', body)
    assert sorted(errors) == sorted([
        "该字段是必填字段。", "请输入 11 位手机号码。", "该日期不能晚于今天。",
        "提交回执卡时此项必填。", "提交回执卡时此项必填。"]), errors
    assert db.session.query(WarrantyCard).count() == 0


def test_the_scan_is_kept_when_the_form_comes_back(client, login, world, unit, db):
    login(world.users[Role.DEALER_STAFF])
    png = image_bytes()
    response = _post(client, unit, sale(invoice_no="", scan=(io.BytesIO(png), "回执卡.png")))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "回执卡.png" in body
    token = re.search(r'name="scan_kept" type="hidden" value="([^"]+)"', body)[1]
    assert _post(client, unit, sale(scan_kept=token)).status_code == 303
    card = db.session.query(WarrantyCard).one()
    assert (card.status, card.scan_name) == (CardStatus.FILED, "回执卡.png")
    assert client.get(f"/units/{unit.id}/card/scan").data == png


def test_a_forged_token_attaches_nothing(client, login, world, unit, db):
    login(world.users[Role.DEALER_STAFF])
    assert _post(client, unit, sale(scan_kept="cards/other.png")).status_code == 303
    assert db.session.query(WarrantyCard).one().scan_path == ""


def test_a_pdf_scan_is_accepted(client, login, world, unit, db):
    login(world.users[Role.DEALER_STAFF])
    response = _post(client, unit, sale(scan=(io.BytesIO(PDF), "card.pdf")))
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    card = db.session.query(WarrantyCard).one()
    assert card.scan_type == "application/pdf"
    assert client.get(f"/units/{unit.id}/card/scan").data == PDF


def test_a_file_that_only_starts_like_a_pdf_is_refused_beside_the_field(client, login, world,
                                                                        unit, db):
    login(world.users[Role.DEALER_STAFF])
    response = _post(client, unit, sale(scan=(io.BytesIO(b"%PDF-1.4 forged"), "card.pdf")))
    assert response.status_code == 422
    errors = re.findall(r'<small class="error" role="alert">([^<]+)</small>',
                        response.get_data(as_text=True))
    assert errors == ["PDF 文件已损坏或不完整。"]
    assert db.session.query(WarrantyCard).count() == 0


def test_the_scan_keeps_a_clean_name(client, login, world, unit, db):
    login(world.users[Role.DEALER_STAFF])
    response = _post(client, unit, sale(scan=(io.BytesIO(PDF), "扫描/card\u202efdp.exe")))
    assert response.status_code == 303
    assert db.session.query(WarrantyCard).one().scan_name == "cardfdp.exe"
    served = client.get(f"/units/{unit.id}/card/scan")
    assert "\u202e" not in served.headers["Content-Disposition"]
    assert "cardfdp.exe" in served.headers["Content-Disposition"]


def test_the_form_opens_the_right_keyboards_on_todays_dates(client, login, world, unit):
    login(world.users[Role.DEALER_STAFF])
    body = client.get(f"/units/{unit.id}/card").get_data(as_text=True)
    assert re.search(r'<input[^>]*inputmode="numeric"[^>]*name="invoice_no"', body)
    assert re.search(r'<input[^>]*name="buyer_phone"[^>]*type="tel"', body)
    assert 'accept="image/*,application/pdf"' in body and "capture" not in body
    for name in ("sale_date", "invoice_date"):
        assert re.search(rf'name="{name}"[^>]*value="{TODAY.isoformat()}"', body), name
