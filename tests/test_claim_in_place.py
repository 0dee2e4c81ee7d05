"""The repair record's sections change in place for htmx: a cost line, paid service, a photo and
the signature answer their section, the checks and submit bar out of band, and the claim's new
version for every form on the page; a plain post still redirects."""

import io
import re
from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.claims import services
from portal.claims.models import Claim, ClaimLine, LineKind
from portal.core.db import shanghai_today
from portal.extensions import db
from tests import builders, factories
from tests.test_claim_views import drawn_signature, file_claim, png_bytes, version_of

HX = {"HX-Request": "true"}
TODAY = shanghai_today()
OOB_VERSION = re.compile(r'<input type="hidden" name="version" value="(\d+)" class="claim-version"'
                         r' hx-swap-oob="outerHTML:input.claim-version">')


@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a)


def hx_post(client, url, data, **kwargs):
    return client.post(url, data=data, headers=HX, **kwargs)


def shown_version(response) -> int:
    """The version the page's forms carry after an in-place change (the out-of-band input)."""
    return int(OOB_VERSION.search(response.get_data(as_text=True)).group(1))


def test_a_second_add_right_after_the_first_uses_the_version_the_first_answered(
        client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    base = f"/claims/{claim_id}"
    first = hx_post(client, f"{base}/lines/part", {
        "version": version_of(claim_id), "part_id": shop.main_part.id, "quantity": 1})
    assert first.status_code == 200, first.data[-2000:]
    html = first.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="lines"')
    assert shop.main_part.part_number in html
    assert 'id="lines-done" role="status"' in html and "<html" not in html
    assert first.headers["HX-Reswap"] == "outerHTML show:#lines-done:top"  # not the page top
    assert '<section class="card" id="checks" hx-swap-oob="true">' in html
    assert re.search(r'<section class="card submit-bar" id="submit"[^>]* hx-swap-oob="true">'
                     r'.*?<span class="readiness" role="status">', html, re.S)
    assert "Vary" in first.headers and "HX-Request" in first.headers["Vary"]
    version = shown_version(first)
    assert version == version_of(claim_id)
    # every form in the answered section already carries it too
    inputs = re.findall(r'<input[^>]*name="version"[^>]*>', html)
    assert len(inputs) > 5
    assert {re.search(r'value="(\d+)"', i).group(1) for i in inputs} == {str(version)}
    second = hx_post(client, f"{base}/lines/travel", {"version": version, "km": "30"})
    assert second.status_code == 200, second.data[-2000:]
    assert shown_version(second) == version_of(claim_id) == version + 1
    assert len(db.session.get(Claim, claim_id).lines) == 2


def test_a_refused_add_answers_only_its_section_with_the_message_by_the_field(
        client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    version = version_of(claim_id)
    refused = hx_post(client, f"/claims/{claim_id}/lines/travel",
                      {"version": version, "km": "-4"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="lines"')
    assert "hx-swap-oob" not in html and 'role="status"' not in html
    assert refused.headers["HX-Reswap"] == "outerHTML show:#travel-form:top"
    assert re.search(r'id="km"[^>]*value="-4"', html)
    assert re.search(r'id="km".*?<small class="error" role="alert">', html, re.S)
    assert version_of(claim_id) == version
    assert not db.session.get(Claim, claim_id).lines


def test_remove_a_line_and_paid_service_in_place(client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    base = f"/claims/{claim_id}"
    added = hx_post(client, f"{base}/lines/travel", {"version": version_of(claim_id), "km": "30"})
    line_id = db.session.get(Claim, claim_id).lines[0].id
    removed = hx_post(client, f"{base}/lines/{line_id}/remove",
                      {"version": shown_version(added)})
    assert removed.status_code == 200
    assert f'id="line-{line_id}"' not in removed.get_data(as_text=True)
    assert shown_version(removed) == version_of(claim_id)
    stale = hx_post(client, f"{base}/lines/travel", {"version": shown_version(added), "km": "5"})
    assert stale.status_code == 422  # the version before the removal is refused as stale
    assert 'role="alert"' in stale.get_data(as_text=True)


def test_photos_and_the_signature_change_in_place(client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    base = f"/claims/{claim_id}"
    photo = hx_post(client, f"{base}/photos", {
        "version": version_of(claim_id), "photos": [(io.BytesIO(png_bytes()), "a.png")]},
        content_type="multipart/form-data")
    assert photo.status_code == 200
    html = photo.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="photos"')
    assert html.count("<img") == 1 and 'role="status"' in html
    attachment = db.session.get(Claim, claim_id).photos[0]
    removed = hx_post(client, f"{base}/files/{attachment.id}/remove",
                      {"version": shown_version(photo)})
    assert removed.status_code == 200 and "<img" not in removed.get_data(as_text=True)
    signed = hx_post(client, f"{base}/signature", {"drawn": drawn_signature()},
                     content_type="multipart/form-data")
    assert signed.status_code == 200
    html = signed.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="signature"')
    assert 'class="signature"' in html and 'role="status"' in html
    db.session.expire_all()
    assert db.session.get(Claim, claim_id).signature is not None


def test_the_part_picker_starts_empty_and_an_empty_choice_is_refused_by_the_field(
        client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    picker = re.search(r'<select[^>]*name="part_id".*?</select>', page, re.S).group(0)
    assert "selected" not in picker
    assert re.search(r'<option value="0">—</option>', picker)  # the first, so the one shown
    refused = hx_post(client, f"/claims/{claim_id}/lines/part",
                      {"version": version_of(claim_id), "part_id": "0", "quantity": "1"})
    assert refused.status_code == 422
    assert re.search(r'name="part_id".*?</select>\s*<small class="hint">.*?</small>\s*'
                     r'<small class="error" role="alert">', refused.get_data(as_text=True), re.S)
    assert not db.session.get(Claim, claim_id).lines


def test_the_part_search_finds_by_number_or_name_among_the_models_parts(
        client, login, world, shop):
    login(world.users[Role.DEALER_STAFF])
    claim_id = file_claim(client, shop)
    plate = factories.make_part("GB-7788-A", models=[shop.model], name="离合器压盘")
    disc = factories.make_part("GB-7788-B", models=[shop.model], name="离合器从动盘")
    foreign = factories.make_part("GB-7788-C", models=[shop.other_model_part.models[0]],
                                  name="离合器分离轴承")
    db.session.commit()

    def search(q):
        response = client.get(f"/claims/{claim_id}/parts", query_string={"q": q}, headers=HX)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    by_number = search("gb-7788")
    assert by_number.lstrip().startswith('<div id="part-choice">')
    assert f'value="{plate.id}"' in by_number and f'value="{disc.id}"' in by_number
    assert f'value="{foreign.id}"' not in by_number  # not a part of this unit's model
    assert "selected" not in by_number.split("</select>")[0]  # two matches: the dealer picks
    by_name = search("压盘")
    assert f'<option selected value="{plate.id}">' in by_name  # the one match is chosen
    assert f'value="{disc.id}"' not in by_name
    none = search("100%")
    assert none.count("<option") == 1 and "role=\"status\"" in none
    assert client.get(f"/claims/{claim_id}/parts?q=GB").status_code == 200
    login(world.dealer_b_admin)  # another dealer's record: not found
    assert client.get(f"/claims/{claim_id}/parts?q=GB").status_code == 404


def test_paid_service_switches_in_place_and_the_bill_appears(client, login, world):
    old_shop = factories.workshop(world.dealer_a, sale_date=TODAY - timedelta(days=800))
    dealer = world.users[Role.DEALER_STAFF]
    claim = builders.open_claim(old_shop, dealer, today=TODAY)
    line = services.add_line(claim, LineKind.TRAVEL, {"km": 30}, actor=dealer)
    db.session.commit()
    login(dealer)
    paid = hx_post(client, f"/claims/{claim.id}/lines/{line.id}/paid",
                   {"version": version_of(claim.id), "paid": "1"})
    assert paid.status_code == 200, paid.data[-2000:]
    html = paid.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="lines"')
    assert f"/claims/{claim.id}/bill.pdf" in html and 'id="lines-done"' in html
    assert shown_version(paid) == version_of(claim.id)
    back = hx_post(client, f"/claims/{claim.id}/lines/{line.id}/paid",
                   {"version": shown_version(paid), "paid": "0"})
    assert back.status_code == 200 and "/bill.pdf" not in back.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(ClaimLine, line.id).paid_service
