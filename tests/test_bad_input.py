"""Bad input never answers 500: ids beyond the database's integer range, non-finite decimals,
tampered page cursors, over-long text and bodies, a wrong method (issue 20, section 4). The
API's own fuzz is tests/test_api_fuzz.py."""

import base64
import importlib
import json
import pkgutil
import re
from decimal import Decimal

import pytest
import wtforms
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import portal
from portal.accounts.roles import Role
from portal.core.converters import ID_MAX, IdConverter
from portal.core.decimals import finite_decimal
from portal.core.forms import DecimalField
from portal.core.pagination import decode_cursor
from tests import factories
from tests.access_records import routes_of, url_of

TOO_BIG = ["2147483648", "9223372036854775808", "99999999999999999999", "-1"]


def _id_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]


def test_every_integer_in_a_url_is_a_bounded_id(app):
    loose = [rule.rule for rule in _id_rules(app)
             if not all(isinstance(c, IdConverter) for c in rule._converters.values()
                        if isinstance(c, IntegerConverter))]
    assert loose == []


def test_ids_beyond_the_integer_range_are_not_found(app, client, login, api, world):
    login(world.users[Role.ADMIN])
    pages = [rule for rule in _id_rules(app) if "GET" in rule.methods]
    assert len(pages) > 30
    for rule in pages:
        for number in TOO_BIG:
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<id:{name}>", number)
            url = url.replace("<", "").replace(">", "")  # other arguments: any text
            response = client.get(url)
            assert response.status_code == 404, (url, response.status_code)
    for path in ("/claims/2147483648", "/claims/99999999999999999999", "/sanbao-cases/-5",
                 "/return-shipments/9223372036854775808"):
        response = api("GET", path)
        assert response.status_code == 404 and response.is_json, path


def test_the_largest_id_is_just_not_there(api):
    assert api("GET", "/claims/2147483647").status_code == 404


def test_the_id_pattern_admits_exactly_the_range():
    pattern = re.compile(IdConverter.regex + r"\Z")
    inside = ["0", "7", "999999999", "1999999999", "2147483639", "2147483646", str(ID_MAX)]
    outside = [str(ID_MAX + 1), "2147483650", "2147483700", "2200000000", "9999999999",
               "10000000000", "-1", "1.5"]
    assert [n for n in inside if not pattern.match(n)] == []
    assert [n for n in outside if pattern.match(n)] == []


def test_an_id_beyond_the_range_is_404_for_every_method(api):
    """Not 405: the pattern itself refuses it, for the rule of every method."""
    for number in ("2147483648", "1265559341402549760"):
        response = api("POST", f"/stocking-plans/{number}", json={})
        assert response.status_code == 404, number


ID_ARGS = ("chart", "dealer", "model", "season", "unit", "flag", "part", "service_request",
           "model_id", "part_id", "dealer_id")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DEALER_ADMIN])
def test_ids_beyond_the_range_in_a_query_string_count_as_not_given(app, client, login, world,
                                                                      objects, role):
    own = {k: v[0] for k, v in objects.items()}
    login(world.users[role])
    query = "&".join(f"{name}=99999999999999999999" for name in ID_ARGS)
    for rule, method in routes_of(app):
        if method == "GET":
            response = client.get(f"{url_of(rule, own)}?{query}")
            assert response.status_code < 500, (rule.rule, response.status_code)


# -- decimals ----------------------------------------------------------------------------------

NOT_NUMBERS = ["NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e999999",
               "-1E+999999"]


def _portal_fields(kind) -> list:
    """Every field of class ``kind`` of every form of the portal (not a test's own forms), as
    (form class, name, unbound field)."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found, forms = [], list(wtforms.Form.__subclasses__())
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        if not form.__module__.startswith("portal."):
            continue
        found.extend((form, name, value) for name, value in vars(form).items()
                     if isinstance(value, UnboundField) and issubclass(value.field_class, kind))
    return found


def _decimal_fields():
    return _portal_fields(wtforms.DecimalField)


def test_every_form_takes_decimals_through_the_one_field():
    fields = _decimal_fields()
    assert len(fields) > 15
    assert [(f.__name__, n) for f, n, u in fields if u.field_class is not DecimalField] == []


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_no_decimal_field_takes_what_is_no_finite_number(app, text):
    for form, name, unbound in _decimal_fields():
        probe = type("Probe", (FlaskForm,), {name: unbound})
        with app.test_request_context(method="POST", data={name: text}):
            bound = probe(meta={"csrf": False})
            assert not bound.validate(), (form.__name__, name, text)
            field = bound[name]
            assert field.data is None and field.errors, (form.__name__, name, text)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_finite_decimal_refuses_what_no_column_can_hold(text):
    assert finite_decimal(text) is None
    assert finite_decimal(" 12.50 ") == Decimal("12.50")


def test_a_part_priced_nan_is_refused_by_its_field(client, login, world, db):
    from portal.catalog.models import Part

    login(world.users[Role.ADMIN])
    model = factories.make_model()
    db.session.commit()
    response = client.post("/catalog/parts/new", data={
        "part_number": "NAN-1", "name": "滤清器", "kind": "wear", "price": "NaN",
        "models": [model.id]})
    assert response.status_code in (200, 422)
    assert "NAN-1" not in {p.part_number for p in db.session.query(Part)}


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999"])
def test_the_api_refuses_non_finite_decimals_by_field(api, world, db, value):
    model = factories.make_model()
    db.session.commit()
    response = api("PUT", "/parts/NAN-2", json={
        "name": "滤清器", "kind": "wear", "price": value, "models": [model.code],
        "months": None, "return_required": False})
    assert response.status_code == 400 and response.json["field"] == "price"
    response = api("PUT", f"/models/{model.code}", json={
        "name": "x", "category": model.category.value, "whole_months": 12, "main_months": 12,
        "wear_months": 3, "dealer_price": value})
    assert response.status_code == 400 and response.json["field"] == "dealer_price"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999999"])
def test_the_api_refuses_json_number_tokens_that_are_no_number(api, world, db, token):
    """Python's JSON reader takes NaN and Infinity as floats, and 1e999999 as infinity."""
    model = factories.make_model()
    db.session.commit()
    response = api("PUT", f"/models/{model.code}", data=(
        '{"name": "x", "category": "' + model.category.value + '", "whole_months": '
        + token + ', "main_months": 12, "wear_months": 3}'),
        headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["field"] == "whole_months"


# -- page cursors ------------------------------------------------------------------------------

def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


TAMPERED = ["!!!", "e30", "A" * 5000, _cursor([{"a": 1}, 1]), _cursor(["x", 2**70]),
            _cursor(["2026-01-01", "1 OR 1=1"]), _cursor([1.5, True]), _cursor([[], 3]),
            _cursor([2**40, 3]), _cursor(["2026-13-45T99:00:00+00:00", 3]),
            _cursor(["not a date", -1]), _cursor([None, None]), "[" * 3000]


# Walked through every page: one decode_cursor refuses (a value of no column's type, which
# the lists met as a 500) and one it lets through, whose value the sort column's type refuses.
WALKED = [TAMPERED[3], TAMPERED[9]]


def test_a_tampered_cursor_is_no_cursor():
    """Only a well-shaped one gets through, whose value the column's type then refuses."""
    assert [t for t in TAMPERED if decode_cursor(t) is not None] == [
        _cursor(["2026-13-45T99:00:00+00:00", 3])]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DEALER_ADMIN])
def test_a_tampered_cursor_gives_the_first_page(app, client, login, world, objects, role):
    """Every page (each list and queue page, their rows fragments, a dealer's ledger), with
    every kind of tampered cursor: never a server error."""
    from portal.core.queues import REGISTRY

    own = {k: v[0] for k, v in objects.items()}
    login(world.users[role])
    for rule, method in routes_of(app):
        if method != "GET":
            continue
        queues = [""] + [f"queue={q.name}&" for q in REGISTRY.values()
                         if q.endpoint == rule.endpoint]
        for queue in queues:
            for cursor in WALKED:
                response = client.get(f"{url_of(rule, own)}?{queue}after={cursor}")
                assert response.status_code < 500, (rule.rule, queue, cursor)


def test_the_api_lists_ignore_a_tampered_cursor(api):
    for path in ("/owed-parts", "/notices"):
        for cursor in TAMPERED:
            response = api("GET", f"{path}?after={cursor}")
            assert response.status_code == 200, (path, cursor)


# -- text lengths and body sizes ---------------------------------------------------------------

# Text fields whose length another named check bounds before anything is kept.
BOUNDED_ELSEWHERE = {("SignatureForm", "drawn")}  # core.uploads.store_data_url: the size limit


def _text_fields():
    return _portal_fields(wtforms.StringField)


def test_every_text_field_has_a_length_limit():
    def limited(unbound):
        validators = unbound.kwargs.get("validators") or (
            unbound.args[1] if len(unbound.args) > 1 else [])
        return any(isinstance(v, Length) and 0 < v.max <= 20000 for v in validators)

    unlimited = [(form.__name__, name) for form, name, unbound in _text_fields()
                 if not limited(unbound) and (form.__name__, name) not in BOUNDED_ELSEWHERE]
    assert unlimited == []


def test_a_15_mb_description_is_refused_with_a_page(client, login, world, db):
    login(world.users[Role.CLERK])
    response = client.post("/service/new", data={"description": "长" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "text/html" in response.content_type
    assert "提交的内容过大" in response.get_data(as_text=True)


def test_a_body_that_is_no_upload_is_held_to_the_smaller_limit(app, api):
    huge = {"dealer": "X", "kind": "invoice", "date": "2026-01-01", "reference": "R",
            "amount": "1.00", "memo": "m" * (3 * 1024 * 1024)}
    response = api("POST", "/ledger-entries", json=huge)
    assert response.status_code == 413 and response.json["error"] == "request_entity_too_large"
    assert app.config["MAX_BODY_LENGTH"] < app.config["MAX_CONTENT_LENGTH"]


# -- 405 ---------------------------------------------------------------------------------------

def test_a_wrong_method_is_told_which_are_allowed(client, api):
    response = api("DELETE", "/owed-parts")
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}
    response = client.put("/login")
    assert response.status_code == 405
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


def test_a_severity_that_is_no_text_is_refused_by_its_field(api):
    response = api("PUT", "/fault-codes/F1", json={"description": "漏油",
                                                   "severity": {"a": 1}})
    assert response.status_code == 422 and response.json["field"] == "severity"

