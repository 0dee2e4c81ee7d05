"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json."""

from flask import jsonify

from portal.api.views import bp
from portal.core.permissions import public

DATE = {"type": "string", "format": "date", "example": "2026-03-01"}
CODE = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"}
ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict:
    text = {400: "Malformed input (the field is named)", 401: "No valid bearer token",
            403: "The role may not do this", 404: "Unknown, or outside the caller's scope",
            409: "Conflict (a second card)", 422: "Well-formed but against a rule"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}}
            for c in codes}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props}


def _put(summary: str, name: str, schema: str, body: dict) -> dict:
    return {"put": {
        "summary": summary, "tags": ["administrator"],
        "parameters": [{"name": name, "in": "path", "required": True, "schema": CODE}],
        "requestBody": {"required": True, **_json(body)},
        "responses": {"200": {"description": "Saved", **_json(
            {"$ref": f"#/components/schemas/{schema}"})},
            "201": {"description": "Created", **_json({"$ref": f"#/components/schemas/{schema}"})},
            **_errors(400, 401, 403, 422)},
    }}


DEALER_IN = _obj(["name", "province", "city", "grade"], name={"type": "string", "maxLength": 120},
                 province={"type": "string", "example": "山东省"},
                 city={"type": "string", "maxLength": 30},
                 grade={"type": "string", "enum": ["a", "b", "c", "d"]})
MODEL_IN = _obj(["name", "category", "whole_months", "main_months", "wear_months"],
                name={"type": "string", "maxLength": 120},
                category={"type": "string", "enum": ["tractor_large", "tractor_small", "combine",
                                                     "diesel_engine", "other"]},
                whole_months={"type": "integer", "minimum": 1, "maximum": 120},
                main_months={"type": "integer", "minimum": 1, "maximum": 120},
                wear_months={"type": "integer", "minimum": 0, "maximum": 120})
PART_IN = _obj(["name", "kind", "price", "models", "months", "return_required"],
               name={"type": "string", "maxLength": 120},
               kind={"type": "string", "enum": ["main", "wear", "other"]},
               price={"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$", "example": "123.45"},
               models={"type": "array", "items": {"type": "string"}},
               months={"type": ["integer", "null"], "minimum": 0, "maximum": 120},
               return_required={"type": "boolean"})
UNIT_IN = _obj(["model", "dealer", "production_date", "batch", "shipped_on"],
               model={"type": "string"}, dealer={"type": "string"}, production_date=DATE,
               batch={"type": "string", "maxLength": 40},
               engine_no={"type": "string", "maxLength": 40}, shipped_on=DATE)
CARD_IN = _obj(["serial", "buyer_name", "buyer_phone", "address", "invoice_no", "invoice_date",
                "sale_date"],
               serial={"type": "string"}, buyer_name={"type": "string", "maxLength": 60},
               buyer_phone={"type": "string", "pattern": "^1[3-9][0-9]{9}$"},
               address={"type": "string", "maxLength": 200},
               province={"type": "string"}, city={"type": "string"},
               invoice_no={"type": "string", "maxLength": 40}, invoice_date=DATE,
               sale_date=DATE, received_on={**DATE, "description": "clerk or administrator only"})

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Sanbao Portal API", "version": "1",
             "description": "三包 warranty data for the maker's ERP and dealer systems. "
                            "Authenticate with `Authorization: Bearer <token>`; a token sees "
                            "exactly what its user sees in the portal."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/me": {"get": {"summary": "Who the token belongs to",
                        "responses": {"200": {"description": "The user"}, **_errors(401)}}},
        "/dealers/{dealer_code}": _put("Create or update a dealer", "dealer_code", "Dealer",
                                       DEALER_IN),
        "/models/{model_code}": _put("Create or update a product model", "model_code", "Model",
                                     MODEL_IN),
        "/parts/{part_no}": _put("Create or update a part", "part_no", "Part", PART_IN),
        "/units/{serial}": {
            **_put("Create or update a shipped unit", "serial", "Unit", UNIT_IN),
            "get": {"summary": "A unit with its warranty card",
                    "parameters": [{"name": "serial", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The unit", **_json(
                        {"$ref": "#/components/schemas/Unit"})}, **_errors(401, 404)}},
        },
        "/units/{serial}/coverage": {"get": {
            "summary": "Is a failure on a date covered, and why",
            "parameters": [
                {"name": "serial", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "on", "in": "query", "required": True, "schema": DATE},
                {"name": "part", "in": "query", "required": False,
                 "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The verdict", **_json(
                {"$ref": "#/components/schemas/Coverage"})}, **_errors(400, 401, 404)}}},
        "/warranty-cards": {"post": {
            "summary": "File a unit's warranty card",
            "requestBody": {"required": True, **_json(CARD_IN)},
            "responses": {"201": {"description": "Filed", **_json(_obj(
                ["id", "serial", "recognised", "late_days"], id={"type": "integer"},
                serial={"type": "string"}, recognised={"type": "boolean"},
                late_days={"type": "integer"}))}, **_errors(400, 401, 403, 404, 409, 422)}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": _obj(["error", "message"], error={"type": "string"},
                          message={"type": "string"}, field={"type": "string"}),
            "Dealer": _obj(["code"], code={"type": "string"}, name={"type": "string"},
                           province={"type": "string"}, city={"type": "string"},
                           grade={"type": "string"}, status={"type": "string"}),
            "Model": _obj(["code"], code={"type": "string"}, name={"type": "string"},
                          category={"type": "string"}, whole_months={"type": "integer"},
                          main_months={"type": "integer"}, wear_months={"type": "integer"}),
            "Part": _obj(["part_no"], part_no={"type": "string"}, name={"type": "string"},
                         kind={"type": "string"}, price={"type": "string"},
                         models={"type": "array", "items": {"type": "string"}},
                         months={"type": ["integer", "null"]},
                         return_required={"type": "boolean"}),
            "Unit": _obj(["serial"], serial={"type": "string"}, model={"type": "string"},
                         dealer={"type": ["string", "null"]}, production_date=DATE,
                         batch={"type": "string"}, engine_no={"type": "string"},
                         shipped_on={**DATE, "type": ["string", "null"]},
                         card={"type": ["object", "null"]}),
            "Coverage": _obj(
                ["serial", "part", "on", "covered", "clock", "starts_on", "ends_on",
                 "extension_days", "reasons"],
                serial={"type": "string"}, part={"type": ["string", "null"]}, on=DATE,
                covered={"type": "boolean"},
                clock={"type": "string", "enum": ["whole", "main", "wear", "part"]},
                starts_on={"type": ["string", "null"], "format": "date"},
                ends_on={"type": ["string", "null"], "format": "date"},
                extension_days={"type": "integer"},
                reasons={"type": "array", "items": {"type": "string", "enum": [
                    "no_card", "card_not_recognised", "part_not_for_model", "before_sale",
                    "out_of_period"]}}),
        },
    },
}


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(SPEC)
