"""Bad input never answers 500: ids beyond the database's integer range, non-finite decimals,
tampered page cursors, over-long text (issue 20, section 4)."""

import pytest
from werkzeug.routing import IntegerConverter

from portal.accounts.roles import Role
from portal.core.converters import IdConverter
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


def test_the_largest_id_is_just_not_there(client, api):
    assert api("GET", "/claims/2147483647").status_code == 404


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
