"""A schema-driven fuzz of API v1 (schemathesis): every operation of the OpenAPI document,
called with inputs generated from it by a head-office administrator and by a dealer, never
answers 5xx and answers as the document says. Bounded: a few examples per operation.

The schema is read from the document the app serves (``portal.api.openapi.SPEC``) when the
module loads (schemathesis' fixture-backed lazy schema needs pytest < 9); the calls go to the
test app in-process, through the suite's client."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.accounts.roles import Role
from portal.accounts.services import issue_token
from portal.api.openapi import SPEC

schema = schemathesis.openapi.from_dict(SPEC)
BASE = "http://localhost/api/v1"


def valid_by_the_document_is_well_formed(ctx, response, case):
    """Input the document calls valid is never refused as malformed (400): the limits, enums
    and patterns the API enforces are in the document. (404, 409 and 422 are about records and
    rules, which no schema can know.)"""
    generated = case.meta and case.meta.generation.mode.is_positive
    if generated and response.status_code == 400:
        raise AssertionError(f"valid by the document, refused: {response.text}")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, valid_by_the_document_is_well_formed]


@pytest.fixture
def tokens(world, db):
    made = {role: issue_token(world.users[role]) for role in (Role.ADMIN, Role.DEALER_ADMIN)}
    db.session.commit()
    return made


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (
        isinstance(value, str) and bool(re.fullmatch(r"-?\d+(\.\d+)?", value)))


def _without_numbers(body):
    """Copies of a generated body with one of its numbers (a JSON number or a decimal string,
    at the top or in a claim's lines) made NaN: each reaches its field's parsing with the rest
    of the body valid."""
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if _numeric(value):
            yield {**body, key: "NaN"}
        elif key == "lines" and isinstance(value, list):
            for n, line in enumerate(value):
                for name, inner in line.items() if isinstance(line, dict) else ():
                    if _numeric(inner):
                        lines = [*value[:n], {**line, name: "NaN"}, *value[n + 1:]]
                        yield {**body, key: lines}


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_holds_against_its_own_document(case, app, client, tokens):
    let_in = []
    for token in tokens.values():
        response = case.call_and_validate(app=app, session=client, base_url=BASE,
                                          headers={"Authorization": f"Bearer {token}"},
                                          checks=CHECKS)
        if response.status_code != 403:
            let_in.append(token)
    generated = case.body
    for token in let_in:  # a role refused at the door never reaches the parsing
        for body in _without_numbers(generated):
            case.body = body
            case.call_and_validate(app=app, session=client, base_url=BASE,
                                   headers={"Authorization": f"Bearer {token}"},
                                   checks=[not_a_server_error])
