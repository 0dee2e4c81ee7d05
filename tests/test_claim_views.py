"""The claim pages as dealers and the technical department use them."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.accounts.roles import Role
from portal.claims.models import Claim, ClaimAttachment, ClaimStatus, RejectCode
from portal.core.db import shanghai_today
from portal.extensions import db
from tests import factories

TODAY = shanghai_today()


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a)


def version_of(claim_id) -> int:
    db.session.expire_all()
    return db.session.get(Claim, claim_id).version


def post(client, url, claim_id, data=None, **kwargs):
    return client.post(url, data={"version": version_of(claim_id), **(data or {})}, **kwargs)


def file_claim(client, shop) -> int:
    failure = TODAY - timedelta(days=6)
    response = client.post(f"/claims/new/{shop.unit.id}", data={
        "failure_date": failure.isoformat(), "handed_in_on": failure.isoformat(),
        "completed_on": (failure + timedelta(days=2)).isoformat(), "hour_meter": "321.5",
        "fault_code_id": shop.fault.id, "description": "变速箱漏油", "technician": "王师傅"})
    assert response.status_code == 303, response.data[-2000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_dealer_files_a_repair_and_the_technical_department_decides(client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/units/{shop.unit.id}")
    assert f"/claims/new/{shop.unit.id}".encode() in page.data
    claim_id = file_claim(client, shop)
    base = f"/claims/{claim_id}"
    assert post(client, f"{base}/lines/part", claim_id,
                {"part_id": shop.main_part.id, "quantity": 1}).status_code == 303
    refused = post(client, f"{base}/lines/labour", claim_id,
                   {"fault_code_id": shop.fault.id, "hours": "3"})
    assert refused.status_code == 422
    assert b"more than the standard" in refused.data or "标准".encode() in refused.data
    assert post(client, f"{base}/lines/labour", claim_id,
                {"fault_code_id": shop.fault.id, "hours": "3", "reason": "螺栓锈死"}
                ).status_code == 303
    assert post(client, f"{base}/lines/travel", claim_id, {"km": "30"}).status_code == 303
    page = client.get(base).data.decode()
    assert page.count('class="badge ok">') >= 3  # covered lines
    assert "check-blocking" in page  # no signature yet
    assert re.search(r"<button type=\"submit\" disabled>", page)
    refused = post(client, f"{base}/submit", claim_id)
    assert refused.status_code == 422
    assert db.session.get(Claim, claim_id).status == ClaimStatus.DRAFT
    photo = post(client, f"{base}/photos", claim_id,
                 {"photos": [(io.BytesIO(png_bytes()), "a.png"),
                             (io.BytesIO(png_bytes((0, 0, 200))), "b.png")]},
                 content_type="multipart/form-data")
    assert photo.status_code == 303
    signed = post(client, f"{base}/signature", claim_id,
                  {"scan": (io.BytesIO(png_bytes((0, 0, 0))), "signed.png")},
                  content_type="multipart/form-data")
    assert signed.status_code == 303
    assert post(client, f"{base}/submit", claim_id).status_code == 303
    claim = db.session.get(Claim, claim_id)
    assert claim.status == ClaimStatus.SUBMITTED and len(claim.photos) == 2

    login(world.users[Role.TECHNICAL])
    page = client.get(base).data.decode()
    assert 'id="decide-form"' in page
    for line in claim.lines:  # each line's choices, titled once for all the lines
        choice = page.split(f'name="decision-{line.id}"')[1].split("</select>")[0]
        assert [v for v in ("pending", "approved", "reduced", "rejected")
                if f'value="{v}"' in choice] == ["approved", "reduced", "rejected"]
        codes = page.split(f'name="code-{line.id}"')[1].split("</select>")[0]
        assert codes.count("<option") == len(RejectCode) + 1
    part, labour, travel = claim.lines
    response = post(client, f"{base}/decide", claim_id, {
        f"decision-{part.id}": "approved",
        f"decision-{labour.id}": "reduced", f"amount-{labour.id}": "125.00",
        f"note-{labour.id}": "按标准工时",
        f"decision-{travel.id}": "rejected", f"code-{travel.id}": "no_defect"})
    assert response.status_code == 303, response.data[-3000:]
    db.session.expire_all()
    claim = db.session.get(Claim, claim_id)
    assert claim.status == ClaimStatus.PARTLY_APPROVED
    assert str(claim.total_approved) == "1325.00"
    timeline = client.get(base).data.decode()
    assert timeline.count("<tr>") > 5


def test_bad_photos_are_refused_with_a_message_and_nothing_kept(client, login, world, shop,
                                                                app):
    import os

    login(world.users[Role.DEALER_ADMIN])
    claim_id = file_claim(client, shop)
    folder = app.instance_path + f"/uploads/claims/{claim_id}"
    before = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    for name, data in [("x.gif", b"GIF89a" + b"\0" * 50), ("x.png", b"just text"),
                       ("x.jpg", b"%PDF-1.4 not a photo")]:
        response = post(client, f"/claims/{claim_id}/photos", claim_id,
                        {"photos": [(io.BytesIO(png_bytes()), "ok.png"), (io.BytesIO(data), name)]},
                        content_type="multipart/form-data")
        assert response.status_code == 422
        assert "JPEG" in response.data.decode()
    assert not db.session.query(ClaimAttachment).filter_by(claim_id=claim_id).count()
    assert (set(os.listdir(folder)) if os.path.isdir(folder) else set()) == before


def test_other_dealers_and_reps_get_404(client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    post(client, f"/claims/{claim_id}/photos", claim_id,
         {"photos": [(io.BytesIO(png_bytes()), "a.png")]}, content_type="multipart/form-data")
    attachment = db.session.query(ClaimAttachment).filter_by(claim_id=claim_id).one()
    for outsider in (world.dealer_b_admin, world.rep_b):
        login(outsider)
        assert client.get(f"/claims/{claim_id}").status_code == 404
        assert client.get(f"/claims/{claim_id}/files/{attachment.id}").status_code == 404
        assert b"WX" not in client.get("/claims/").data
    login(world.dealer_b_admin)
    assert client.get(f"/claims/new/{shop.unit.id}").status_code == 404
    assert post(client, f"/claims/{claim_id}/lines/travel", claim_id,
                {"km": 3}).status_code == 404
    login(world.users[Role.SALES_REP])
    assert client.get(f"/claims/{claim_id}/files/{attachment.id}").status_code == 200


def test_a_stale_decision_is_told_the_claim_changed(client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    post(client, f"/claims/{claim_id}/lines/travel", claim_id, {"km": "30"})
    post(client, f"/claims/{claim_id}/signature", claim_id,
         {"scan": (io.BytesIO(png_bytes()), "s.png")}, content_type="multipart/form-data")
    assert post(client, f"/claims/{claim_id}/submit", claim_id).status_code == 303
    seen = version_of(claim_id)
    line = db.session.get(Claim, claim_id).lines[0]
    other_tech = factories.make_user(Role.TECHNICAL)
    login(other_tech)
    assert post(client, f"/claims/{claim_id}/review", claim_id).status_code == 303
    login(world.users[Role.TECHNICAL])
    response = client.post(f"/claims/{claim_id}/decide", data={
        "version": seen, f"decision-{line.id}": "approved"})
    assert response.status_code == 422
    assert "changed" in response.data.decode() or "修改" in response.data.decode()
    assert db.session.get(Claim, claim_id).status == ClaimStatus.UNDER_REVIEW


def test_lists_are_scoped(client, login, world, shop):
    factories.make_claim(shop.unit, status="submitted", number="WX-A-1")
    other = factories.workshop(world.dealer_b)
    factories.make_claim(other.unit, status="submitted", number="WX-B-1")
    login(world.users[Role.DEALER_STAFF])
    page = client.get("/claims/?status=review").data
    assert b"WX-A-1" in page and b"WX-B-1" not in page
    login(world.users[Role.TECHNICAL])
    page = client.get("/claims/?status=review").data
    assert b"WX-A-1" in page and b"WX-B-1" in page


def test_a_list_row_names_the_unit_its_model_and_the_dealer(client, login, world, shop):
    """The list reads plain rows (``claims.scope.listed``): each still shows the unit's serial
    and model, the dealer's code and the head-office mark, in the queue's order too."""
    factories.make_claim(shop.unit, status="submitted", number="WX-A-2")
    factories.make_claim(shop.unit, status="submitted", number="WX-A-3",
                         filed_by_head_office=True)
    login(world.users[Role.TECHNICAL])
    for url in ("/claims/?status=review", "/claims/?queue=review&status=review"):
        page = client.get(url).get_data(as_text=True)
        row = page[page.index("WX-A-2"):]
        row = row[:row.index("</tr>")]
        assert shop.unit.serial in row and shop.unit.model.code in row, url
        assert world.dealer_a.code in row and '<span class="badge">' not in row
        row = page[page.index("WX-A-3"):]
        assert '<span class="badge">' in row[:row.index("</tr>")]  # head office's record


def drawn_signature() -> str:
    import base64

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    for x in range(20, 280):
        image.putpixel((x, 50 + (x % 7)), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_drawn_signature_is_kept_and_a_blank_one_refused(client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    blank = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(blank, "PNG")
    import base64

    empty = "data:image/png;base64," + base64.b64encode(blank.getvalue()).decode()
    refused = post(client, f"/claims/{claim_id}/signature", claim_id, {"drawn": empty})
    assert refused.status_code == 422
    assert not db.session.get(Claim, claim_id).attachments
    missing = post(client, f"/claims/{claim_id}/signature", claim_id, {"drawn": ""})
    assert missing.status_code == 422
    kept = post(client, f"/claims/{claim_id}/signature", claim_id, {"drawn": drawn_signature()})
    assert kept.status_code == 303
    db.session.expire_all()
    signature = db.session.get(Claim, claim_id).signature
    assert signature.drawn and signature.content_type == "image/png"
    assert client.get(f"/claims/{claim_id}/files/{signature.id}").data.startswith(b"\x89PNG")


def test_a_repair_record_filed_from_a_service_entry(client, login, world, shop):
    entry = factories.make_service_request(dealer=world.dealer_a, unit=shop.unit,
                                           status="arranged")
    foreign = factories.make_service_request(dealer=world.dealer_b, unit=shop.unit)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    page = client.get(f"/service/{entry.id}").get_data(as_text=True)
    assert f"/claims/new/{shop.unit.id}?service_request={entry.id}" in page
    form = client.get(f"/claims/new/{shop.unit.id}?service_request={entry.id}")
    assert entry.description in form.get_data(as_text=True)
    assert client.get(f"/claims/new/{shop.unit.id}?service_request={foreign.id}"
                      ).status_code == 404
    failure = TODAY - timedelta(days=3)
    response = client.post(f"/claims/new/{shop.unit.id}?service_request={entry.id}", data={
        "failure_date": failure.isoformat(), "hour_meter": "10", "description": "不启动"})
    assert response.status_code == 303
    db.session.expire_all()
    claim = db.session.scalars(sa.select(Claim).order_by(Claim.id.desc())).first()
    assert claim.service_request_id == entry.id
    assert claim.number in client.get(f"/service/{entry.id}").get_data(as_text=True)
