"""API v1: every status code, scoping, the OpenAPI document, and a fuzz that finds no 500."""

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.accounts.roles import Role
from portal.core.db import shanghai_today
from portal.dealers.models import Dealer
from portal.units.cards import WarrantyCard
from portal.units.models import Unit
from tests import factories

TODAY = shanghai_today()


@pytest.fixture
def unit(world, db):
    model = factories.make_model("API-M", whole_months=12)
    unit = factories.make_unit("API-SN-1", model=model, dealer=world.dealer_a,
                               shipped_on=TODAY - timedelta(days=100),
                               production_date=TODAY - timedelta(days=130))
    db.session.commit()
    return unit


def card_body(**values):
    body = {"serial": "API-SN-1", "buyer_name": "刘七", "buyer_phone": "13600001111",
            "address": "济南市历城区", "invoice_no": "FP-9", "invoice_date":
            (TODAY - timedelta(days=10)).isoformat(),
            "sale_date": (TODAY - timedelta(days=10)).isoformat()}
    body.update(values)
    return body


def test_put_dealer_model_part_unit(api, world, db):
    response = api("PUT", "/dealers/sx-01", json={"name": "山西经销商", "province": "山西省",
                                                   "city": "太原市", "grade": "b"})
    assert response.status_code == 201 and response.json["code"] == "SX-01"
    response = api("PUT", "/dealers/SX-01", json={"name": "山西经销商（新）", "province": "山西省",
                                                   "city": "大同市", "grade": "a"})
    assert response.status_code == 200 and response.json["city"] == "大同市"
    assert db.session.query(Dealer).filter_by(code="SX-01").count() == 1
    response = api("PUT", "/models/NEW-9", json={"name": "新机型", "category": "combine",
                                                 "whole_months": 12, "main_months": 24,
                                                 "wear_months": 6})
    assert response.status_code == 200
    response = api("PUT", "/parts/NP-1", json={"name": "割刀", "kind": "wear", "price": "326.50",
                                               "models": ["NEW-9"], "months": None,
                                               "return_required": True})
    assert response.status_code == 200 and response.json["price"] == "326.50"
    response = api("PUT", "/units/NSN-1", json={
        "model": "NEW-9", "dealer": "SX-01", "production_date": "2026-01-05", "batch": "B2601",
        "engine_no": "e1", "shipped_on": "2026-02-01"})
    assert response.status_code == 200 and response.json["dealer"] == "SX-01"
    assert db.session.query(Unit).filter_by(serial="NSN-1").one().engine_no == "E1"


def test_file_a_card_and_read_it_back(api, world, unit, db):
    response = api("POST", "/warranty-cards", role=Role.DEALER_STAFF, json=card_body())
    assert response.status_code == 201
    assert response.json["recognised"] is True and response.json["late_days"] == 0
    got = api("GET", "/units/api-sn-1", role=Role.DEALER_ADMIN).json
    assert got["card"]["status"] == "filed" and got["card"]["buyer_name"] == "刘七"
    again = api("POST", "/warranty-cards", role=Role.CLERK, json=card_body())
    assert again.status_code == 409 and again.json["error"] == "conflict"


def test_late_card_by_api_and_clerk_receipt_date(api, world, unit, db):
    sale = (TODAY - timedelta(days=30)).isoformat()
    response = api("POST", "/warranty-cards", role=Role.DEALER_STAFF,
                   json=card_body(sale_date=sale, invoice_date=sale, received_on=sale))
    assert response.json == {"id": response.json["id"], "serial": "API-SN-1",
                             "recognised": False, "late_days": 10}
    db.session.query(WarrantyCard).delete()
    db.session.commit()
    response = api("POST", "/warranty-cards", role=Role.CLERK,
                   json=card_body(sale_date=sale, invoice_date=sale, received_on=sale))
    assert response.json["recognised"] is True and response.json["late_days"] == 0


def test_coverage_answers_the_same_as_the_ui(api, client, login, world, unit, db):
    sale = TODAY - timedelta(days=10)
    factories.make_card(unit, sale_date=sale, invoice_date=sale)
    db.session.commit()
    on = TODAY.isoformat()
    body = api("GET", f"/units/API-SN-1/coverage?on={on}", role=Role.DEALER_STAFF).json
    assert body["covered"] is True and body["clock"] == "whole" and body["part"] is None
    assert body["starts_on"] == sale.isoformat() and body["reasons"] == []
    login(world.users[Role.DEALER_STAFF])
    html = client.get(f"/units/{unit.id}/coverage?on={on}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert body["ends_on"] in html and "属于三包范围" in html
    late = api("GET", "/units/API-SN-1/coverage?on=2099-01-01", role=Role.TECHNICAL).json
    assert late["covered"] is False and late["reasons"] == ["out_of_period"]


def test_status_codes(api, world, unit, db):
    assert api("GET", "/units/API-SN-1", role=None).status_code == 401
    bad_token = api("GET", "/units/API-SN-1", role=None,
                    headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401 and bad_token.json["error"] == "unauthorized"
    forbidden = api("PUT", "/dealers/X-1", role=Role.FINANCE, json={})
    assert forbidden.status_code == 403 and forbidden.json["error"] == "forbidden"
    assert api("POST", "/warranty-cards", role=Role.TECHNICAL,
               json=card_body()).status_code == 403
    missing = api("GET", "/units/NOPE")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    malformed = api("PUT", "/dealers/X-1", json={"name": 5})
    assert malformed.status_code == 400 and malformed.json["field"] == "name"
    assert api("PUT", "/dealers/X-1", data="not json").status_code == 400
    bad_date = api("GET", "/units/API-SN-1/coverage?on=2026-02-30")
    assert bad_date.status_code == 400 and bad_date.json["field"] == "on"
    rule = api("PUT", "/models/LOW-1", json={"name": "x", "category": "combine",
                                             "whole_months": 6, "main_months": 24,
                                             "wear_months": 6})
    assert rule.status_code == 422 and rule.json["field"] == "whole_months"
    future = (TODAY + timedelta(days=2)).isoformat()
    rule = api("POST", "/warranty-cards", role=Role.DEALER_STAFF,
               json=card_body(sale_date=future))
    assert rule.status_code == 422 and rule.json["field"] == "sale_date"
    assert api("GET", "/no-such-endpoint").json["error"] == "not_found"
    slash = api("PUT", "/dealers/%2F0", json={})  # found by the fuzz: was a 308 redirect
    assert slash.status_code == 404 and slash.json["error"] == "not_found"


def test_one_dealer_cannot_reach_another_dealers_unit(api, world, unit, db):
    assert api("GET", "/units/API-SN-1", role="dealer_b").status_code == 404
    assert api("GET", "/units/API-SN-1/coverage?on=2026-01-01",
               role="dealer_b").status_code == 404
    response = api("POST", "/warranty-cards", role="dealer_b", json=card_body())
    assert response.status_code == 404
    assert db.session.query(WarrantyCard).count() == 0


def test_nul_characters_are_refused_everywhere(api, client, login, world, unit):
    """PostgreSQL cannot store NUL: the fuzz found the 500 this prevents."""
    assert api("PUT", "/models/%00", json={}).status_code == 400
    response = api("PUT", "/dealers/X-1", json={"name": "a\x00", "province": "山东省",
                                                 "city": "c", "grade": "a"})
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert api("GET", "/units/API-SN-1/coverage?on=2026-01-01&part=%00").status_code == 400
    login(world.users[Role.CLERK])
    assert client.get("/dealers/?q=a%00b").status_code == 400
    assert client.get("/dealers/?q=a&q=%00").status_code == 400
    assert client.post("/account/password", data={"current_password": "\x00"}).status_code == 400


def test_openapi_document_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
FIELDS = ["name", "province", "city", "grade", "category", "whole_months", "main_months",
          "wear_months", "kind", "price", "models", "months", "return_required", "model",
          "dealer", "production_date", "batch", "engine_no", "shipped_on", "serial",
          "buyer_name", "buyer_phone", "address", "invoice_no", "invoice_date", "sale_date",
          "received_on"]
BODIES = st.one_of(JSON, st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=10),
                   st.fixed_dictionaries({k: st.sampled_from(["2026-01-01", "x", "", "13600001111",
                                                              "a", "API-SN-1", "API-M", "DA-01"])
                                          for k in FIELDS}))
CALLS = st.sampled_from([("PUT", "/dealers/{}"), ("PUT", "/models/{}"), ("PUT", "/parts/{}"),
                         ("PUT", "/units/{}"), ("POST", "/warranty-cards"),
                         ("GET", "/units/{}"), ("GET", "/units/{}/coverage?on={}")])
SEGMENTS = st.one_of(st.sampled_from(["API-SN-1", "DA-01", "API-M", "2026-01-01"]),
                     st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1,
                             max_size=12))


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=CALLS, segment=SEGMENTS, body=BODIES,
       role=st.sampled_from([Role.ADMIN, Role.DEALER_STAFF, Role.CLERK, "dealer_b"]))
def test_fuzz_never_answers_500(api, unit, call, segment, body, role):
    from urllib.parse import quote

    method, template = call
    path = template.format(quote(segment, safe=""), quote(segment, safe=""))
    response = api(method, path, role=role, json=body)
    assert response.status_code < 500, (method, path, body, response.data[:300])
    assert response.is_json
    if response.status_code >= 400:
        assert set(response.json) >= {"error", "message"}


def test_users_create_and_revoke_their_tokens(client, login, world, db):
    login(world.users[Role.DEALER_STAFF])
    created = client.post("/account/tokens", data={})
    assert created.status_code == 201
    token = re.search(r'<code id="new-token">([^<]+)</code>', created.get_data(as_text=True)
                      ).group(1)
    assert "new-token" not in client.get("/account/tokens").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["dealer"] == "DA-01"
    from portal.accounts.models import ApiToken

    stored = db.session.query(ApiToken).filter_by(user_id=world.users[Role.DEALER_STAFF].id).one()
    login(world.dealer_b_admin)
    assert client.post(f"/account/tokens/{stored.id}/revoke", data={}).status_code == 404
    login(world.users[Role.DEALER_STAFF])
    assert client.post(f"/account/tokens/{stored.id}/revoke", data={}).status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_new_token_never_travels_in_the_session_cookie(app, client, login, world):
    """Shown once in the answer that makes it; the signed cookie is readable by whoever has it."""
    login(world.users[Role.DEALER_STAFF])
    serializer = app.session_interface.get_signing_serializer(app)
    answers = [client.post("/account/tokens", data={}, follow_redirects=True)]
    answers += [client.get("/account/tokens"), client.get("/home/dealer")]
    token = re.search(r'<code id="new-token">([^<]+)</code>', answers[0].get_data(as_text=True)
                      ).group(1)
    for response in [*answers, *answers[0].history]:
        assert "no-store" in response.headers["Cache-Control"]
        for header in response.headers.getlist("Set-Cookie"):
            value = header.split(";", 1)[0].split("=", 1)[1]
            assert token not in header and token not in str(serializer.loads(value))
    assert token not in client.get_cookie("session").value
    assert token not in str(serializer.loads(client.get_cookie("session").value))
