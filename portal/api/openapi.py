"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json."""

from flask import jsonify

from portal.api.case_spec import CASE_PATHS, CASE_SCHEMAS
from portal.api.views import bp
from portal.catalog.models import ModelCategory
from portal.core.converters import ID_MAX
from portal.core.permissions import public
from portal.returns.shipments import MAX_PARTS

DATE = {"type": "string", "format": "date", "example": "2026-03-01"}
RECORD_ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
CODE = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"}
ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict:
    text = {400: "Malformed input (the field is named)", 401: "No valid bearer token",
            403: "The role may not do this", 404: "Unknown, or outside the caller's scope",
            409: "Conflict: changed by someone else since the version sent, a second card, "
                 "or a state that no longer allows it", 422: "Well-formed but against a rule"}
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
            **_errors(400, 401, 403, 409, 422)},
    }}


# Stale saves (core/versioning.py): the version a call read, optional; absent means "as it is now".
VERSION_IN = {"type": "integer", "description": "the version of the record read; 409 when "
              "someone else changed it since; leave out to act on the record as it is now"}
VERSION = {"type": "integer", "description": "send it back as `version` to refuse a stale save"}
SEEN = _obj([], version=VERSION_IN)
DEALER_IN = _obj(["name", "province", "city", "grade"], version=VERSION_IN,
                 name={"type": "string", "maxLength": 120},
                 province={"type": "string", "maxLength": 30, "example": "山东省"},
                 city={"type": "string", "maxLength": 30},
                 grade={"type": "string", "enum": ["a", "b", "c", "d"]})
MODEL_IN = _obj(["name", "category", "whole_months", "main_months", "wear_months"],
                version=VERSION_IN,
                name={"type": "string", "maxLength": 120},
                category={"type": "string", "enum": [c.value for c in ModelCategory]},
                whole_months={"type": "integer", "minimum": 1, "maximum": 120},
                main_months={"type": "integer", "minimum": 1, "maximum": 120},
                wear_months={"type": "integer", "minimum": 1, "maximum": 120},
                dealer_price={"type": ["string", "null"], "pattern": r"^\d{1,7}(\.\d{1,2})?$",
                              "example": "80000.00", "description": "经销价, above 0; the "
                              "basis of an exchange or refund's return credit; left out: "
                              "unchanged, null: none"})
PART_IN = _obj(["name", "kind", "price", "models", "months", "return_required"],
               version=VERSION_IN,
               name={"type": "string", "maxLength": 120},
               kind={"type": "string", "enum": ["main", "wear", "other"]},
               price={"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$", "example": "123.45"},
               models={"type": "array", "items": {"type": "string"}},
               months={"type": ["integer", "null"], "minimum": 1, "maximum": 120},
               return_required={"type": "boolean"})
FAULT_CODE_IN = _obj(["description", "severity"],
                     description={"type": "string", "maxLength": 200},
                     severity={"type": "string", "enum": ["serious", "general"],
                               "description": "the regulation's 严重 / 一般质量问题: the same "
                               "serious fault back after two repairs entitles the buyer to a "
                               "new main part or system"})
ENTITLEMENT = _obj(
    ["id", "kind", "reason", "fault_code", "raised_on", "status"], id={"type": "integer"},
    kind={"type": "string", "enum": ["replace_part", "exchange", "refund"]},
    rule={"type": ["string", "null"], "enum": [
        "serious_repeat", "first_season_repeat", "after_replacement", "repair_overdue",
        "after_exchange", "no_same_model", None],
        "description": "the article of the 2010 规定 that raised it (null: raised before)"},
    reason={"type": "string"}, fault_code={"type": ["string", "null"]}, raised_on=DATE,
    status={"type": "string", "enum": ["open", "resolved"]}, claim={"type": "string"},
    part_no={"type": ["string", "null"]}, resolution={"type": ["string", "null"]})
CLAIM_ID = {"name": "claim_id", "in": "path", "required": True, "schema": {"type": "integer"}}
CLAIM_STATUS = {"type": "string", "enum": ["draft", "submitted", "under_review", "approved",
                                           "partly_approved", "rejected"]}
MONEY = {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$", "example": "123.45"}
CHECK = _obj(["code", "level", "message"], code={"type": "string", "enum": [
    "signature", "lines", "completed", "filed_late", "card", "before_sale", "same_day",
    "duplicate", "hour_meter", "running_in", "part_fit", "labour", "coverage", "not_reimbursed",
    "held"]},
    level={"type": "string", "enum": ["pass", "warning", "blocking"]},
    message={"type": "string"}, line={"type": ["integer", "null"],
                                      "description": "the line's position, 1-based"})
LINE_IN = {"oneOf": [
    _obj(["type", "part_no", "qty"], type={"const": "part"}, part_no=CODE,
         qty={"type": "integer", "minimum": 1, "maximum": 99}),
    _obj(["type", "fault_code"], type={"const": "labour"},
         fault_code={"type": "string", "maxLength": 20},
         hours={"type": "number", "description": "default: the fault's standard hours"},
         reason={"type": "string", "maxLength": 500,
                 "description": "required above the standard hours"}),
    _obj(["type", "km"], type={"const": "travel"},
         km={"type": "integer", "minimum": 0, "maximum": 5000}),
    _obj(["type", "amount", "reason"], type={"const": "other"}, amount=MONEY,
         reason={"type": "string", "maxLength": 500})]}
CLAIM_IN = _obj(["serial", "failure_date", "hour_meter", "description"],
                serial={"type": "string", "maxLength": 40}, failure_date=DATE,
                handed_in_on=DATE,
                completed_on=DATE, hour_meter={"type": "number", "minimum": 0},
                parts_waited_from={**DATE, "description": "waiting for parts began"},
                parts_waited_to={**DATE, "description": "the parts came (not counted)"},
                fault_code={"type": "string", "maxLength": 20},
                description={"type": "string", "maxLength": 2000},
                lines={"type": "array", "maxItems": 50, "items": LINE_IN})
LINE_OUT = _obj(["id", "type", "covered", "reimbursed", "amount"], id={"type": "integer"},
                type={"type": "string", "enum": ["part", "labour", "travel", "other"]},
                covered={"type": "boolean", "description": "free to the buyer under 三包"},
                reimbursed={"type": "boolean", "description": "claimed from the maker"},
                amount=MONEY)
UNIT_IN = _obj(["model", "dealer", "production_date", "batch", "shipped_on"],
               model={"type": "string", "maxLength": 40},
               dealer={"type": "string", "maxLength": 20}, production_date=DATE,
               batch={"type": "string", "maxLength": 40},
               engine_no={"type": "string", "maxLength": 40}, shipped_on=DATE)
CARD_IN = _obj(["serial", "buyer_name", "buyer_phone", "address", "invoice_no", "invoice_date",
                "sale_date"],
               serial={"type": "string", "maxLength": 40},
               buyer_name={"type": "string", "maxLength": 60},
               buyer_phone={"type": "string", "pattern": "^1[3-9][0-9]{9}$"},
               address={"type": "string", "maxLength": 200},
               province={"type": "string", "maxLength": 30},
               city={"type": "string", "maxLength": 30},
               invoice_no={"type": "string", "maxLength": 40}, invoice_date=DATE,
               sale_date=DATE, received_on={**DATE, "description": "clerk or administrator only"})
OWED_STATUS = {"type": "string", "enum": ["owed", "shipped", "received", "missing", "waived",
                                          "cancelled"]}
SHIPMENT_ID = {"name": "shipment_id", "in": "path", "required": True,
               "schema": {"type": "integer"}}
SHIPMENT_IN = _obj(["owed_parts", "method", "shipped_on"],
                   owed_parts={"type": "array", "minItems": 1, "maxItems": MAX_PARTS,
                               "items": RECORD_ID},
                   method={"type": "string", "enum": ["truck", "courier", "in_person"]},
                   waybill={"type": "string", "maxLength": 60,
                            "description": "required for courier"},
                   shipped_on={**DATE, "description": "today or up to 30 days back"})
RETURNS_PATHS = {
    "/owed-parts": {"get": {
        "summary": "Old parts owed back to head office, due date first",
        "description": "A dealer sees its own, a sales rep those of its dealers, head office "
                       "all. At most 200 a page; a Link header (rel=next) gives the next page.",
        "parameters": [
            {"name": "status", "in": "query", "required": False, "schema": OWED_STATUS},
            {"name": "after", "in": "query", "required": False,
             "schema": {"type": "string"}, "description": "cursor from the Link header"}],
        "responses": {"200": {"description": "The owed parts", **_json({
            "type": "array", "items": {"$ref": "#/components/schemas/OwedPart"}})},
            **_errors(400, 401)}}},
    "/return-shipments": {"post": {
        "summary": "Ship owed old parts back (旧件回运单)",
        "description": "Dealers only, for their own parts still owed (or missing from an "
                       "earlier shipment). The parts become shipped.",
        "requestBody": {"required": True, **_json(SHIPMENT_IN)},
        "responses": {"201": {"description": "Shipped", **_json(
            {"$ref": "#/components/schemas/ReturnShipment"})},
            **_errors(400, 401, 403, 404, 422)}}},
    "/return-shipments/{shipment_id}": {"get": {
        "summary": "A return shipment with each line's receipt state",
        "parameters": [SHIPMENT_ID],
        "responses": {"200": {"description": "The shipment", **_json(
            {"$ref": "#/components/schemas/ReturnShipment"})}, **_errors(401, 404)}}},
}
RETURNS_SCHEMAS = {
    "OwedPart": _obj(["id", "claim", "line", "part_no", "serial", "due_on", "status"],
                     id={"type": "integer"}, claim={"type": "string"},
                     line={"type": "integer", "description": "the claim line's position"},
                     part_no={"type": "string"}, serial={"type": "string"}, due_on=DATE,
                     status=OWED_STATUS),
    "ReturnShipment": _obj(
        ["id", "number", "status", "lines"], id={"type": "integer"},
        number={"type": "string", "example": "HY2026000123"},
        status={"type": "string", "enum": ["shipped", "receiving", "reconciled"]},
        dealer={"type": "string"}, method={"type": "string"}, waybill={"type": "string"},
        shipped_on=DATE,
        lines={"type": "array", "items": _obj(
            ["id", "owed_part", "part_no", "claim", "line", "receipt"], id={"type": "integer"},
            owed_part={"type": "integer"}, part_no={"type": "string"},
            claim={"type": "string"}, line={"type": "integer"},
            receipt={"type": "string", "enum": ["pending", "received", "missing", "damaged"]})}),
}
LEDGER_IN = _obj(
    ["dealer", "kind", "date", "reference", "amount"],
    dealer={"type": "string", "description": "the dealer's code"},
    kind={"type": "string", "enum": ["opening", "invoice", "payment"],
          "description": "offsets come only from confirmed write-off notices"},
    date=DATE, reference={"type": "string", "maxLength": 40,
                          "description": "the ERP's document number; unique per dealer and kind"},
    amount={"type": "string", "pattern": r"^-?\d{1,10}(\.\d{1,2})?$", "example": "12345.60",
            "description": "positive for invoices and payments (a payment lowers the balance); "
                           "an opening balance may be negative"},
    memo={"type": "string", "maxLength": 200})
LEDGER_PATHS = {
    "/ledger-entries": {"post": {
        "summary": "Post receivable ledger entries from the ERP (all or nothing)",
        "description": "Administrator tokens only. The body is one entry or a list of up to "
                       "1000. An entry already posted with the same dealer, kind and reference "
                       "and the same values is answered as it is (re-posting is safe); with "
                       "other values it is refused. With any error nothing is posted.",
        "tags": ["administrator"],
        "requestBody": {"required": True, **_json(
            {"oneOf": [LEDGER_IN, {"type": "array", "minItems": 1, "maxItems": 1000,
                                   "items": LEDGER_IN}]})},
        "responses": {
            "201": {"description": "At least one entry was new; the entries (one or a list, "
                                   "as posted)", **_json({"oneOf": [
                                       {"$ref": "#/components/schemas/LedgerEntry"},
                                       {"type": "array", "items": {
                                           "$ref": "#/components/schemas/LedgerEntry"}}]})},
            "200": {"description": "Every entry was already posted identically"},
            "422": {"description": "Nothing posted; every problem with its field "
                                   "(\"[2].amount\" in a list)", **_json(_obj(
                                       ["error", "message", "errors"],
                                       error={"const": "invalid_entries"},
                                       message={"type": "string"},
                                       errors={"type": "array", "items": _obj(
                                           ["field", "message"], field={"type": "string"},
                                           message={"type": "string"})}))},
            **_errors(400, 401, 403)}}},
}
LEDGER_SCHEMAS = {
    "LedgerEntry": _obj(
        ["id", "dealer", "kind", "date", "reference", "amount", "ledger_amount", "balance",
         "created"],
        id={"type": "integer"}, dealer={"type": "string"},
        kind={"type": "string", "enum": ["opening", "invoice", "payment", "offset"]},
        date=DATE, reference={"type": "string"}, amount={"type": "string", "example": "500.00",
                                                          "description": "as posted"},
        ledger_amount={"type": "string", "example": "-500.00",
                       "description": "signed: + raises what the dealer owes, − lowers it"},
        memo={"type": "string"}, source={"type": "string", "enum": ["excel", "api", "notice"]},
        balance={"type": "string", "description": "the dealer's balance right after it"},
        created={"type": "boolean", "description": "false when it was already posted"}),
}
NOTICE_NUMBER = {"name": "number", "in": "path", "required": True,
                 "schema": {"type": "string", "example": "HX-2026-0001"}}
NOTICE_STATUS = {"type": "string", "enum": ["issued", "confirmed", "disputed", "voided"],
                 "description": "issued: waiting for the dealer"}
PERIOD = {"type": "string", "example": "2026-10",
          "description": "YYYY-MM for a calendar month, else start/end dates (ISO 8601)"}
SIGNED = {"type": "string", "pattern": r"^-?\d{1,10}\.\d{2}$", "example": "-1234.50"}
COST_TYPES = {"parts": MONEY, "labour": MONEY, "travel": MONEY, "other": MONEY, "total": MONEY}
NOTICE_PATHS = {
    "/notices": {"get": {
        "summary": "Write-off notices (三包费用核销通知), newest first",
        "description": "A dealer sees its own, a sales rep those of its dealers, finance and "
                       "the administrator all. At most 100 a page; a Link header (rel=next) "
                       "gives the next page.",
        "parameters": [
            {"name": "status", "in": "query", "required": False, "schema": NOTICE_STATUS},
            {"name": "period", "in": "query", "required": False,
             "schema": {"type": "string", "pattern": r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"},
             "description": "the month the notice's period starts in"},
            {"name": "dealer", "in": "query", "required": False,
             "schema": {"type": "string"}, "description": "dealer code"},
            {"name": "after", "in": "query", "required": False,
             "schema": {"type": "string"}, "description": "cursor from the Link header"}],
        "responses": {"200": {"description": "The notices", **_json({
            "type": "array", "items": {"$ref": "#/components/schemas/NoticeSummary"}})},
            **_errors(400, 401, 403)}},
        "post": {
        "summary": "Issue a dealer's write-off notice for a period (finance only)",
        "description": "Takes every claim finance approved by period_end (and every approved "
                       "exchange or refund settlement) of the dealer that is on no notice yet, "
                       "renders its PDF and issues it, waiting for the dealer. 422 when the "
                       "dealer has nothing to write off.",
        "requestBody": {"required": True, **_json(_obj(
            ["dealer", "period_start", "period_end"],
            dealer={"type": "string", "maxLength": 20, "description": "dealer code"},
            period_start={"type": "string", "format": "date"},
            period_end={"type": "string", "format": "date"}))},
        "responses": {"201": {"description": "Issued", **_json(
            {"$ref": "#/components/schemas/Notice"})}, **_errors(400, 401, 403, 404, 422)}}},
    "/notices/{number}": {"get": {
        "summary": "A notice with its claims and their amounts by cost type",
        "parameters": [NOTICE_NUMBER],
        "responses": {"200": {"description": "The notice", **_json(
            {"$ref": "#/components/schemas/Notice"})}, **_errors(401, 403, 404)}}},
    "/notices/{number}.pdf": {"get": {
        "summary": "The notice's PDF, exactly as issued",
        "parameters": [NOTICE_NUMBER],
        "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {
            "schema": {"type": "string", "format": "binary"}}}},
            **_errors(401, 403, 404)}}},
    "/notices/{number}/confirm": {"post": {
        "summary": "Confirm a notice (its dealer only)",
        "description": "The notice must be waiting for the dealer. Its total is offset against "
                       "the dealer's receivable on today's date (Asia/Shanghai) and its claims "
                       "are written off; a confirmed notice never changes again. 409 when the "
                       "notice is not waiting (already confirmed, disputed or voided).",
        "parameters": [NOTICE_NUMBER],
        "requestBody": {"required": False, **_json(SEEN)},
        "responses": {"200": {"description": "Confirmed", **_json(
            {"$ref": "#/components/schemas/Notice"})}, **_errors(401, 403, 404, 409, 422)}}},
    "/notices/{number}/dispute": {"post": {
        "summary": "Dispute a notice with a reason (its dealer only)",
        "description": "Finance then voids it, releasing its claims, and reissues it.",
        "parameters": [NOTICE_NUMBER],
        "requestBody": {"required": True, **_json(_obj(
            ["reason"], reason={"type": "string", "maxLength": 1000}, version=VERSION_IN))},
        "responses": {"200": {"description": "Disputed", **_json(
            {"$ref": "#/components/schemas/Notice"})},
            **_errors(400, 401, 403, 404, 409, 422)}}},
}
NOTICE_SUMMARY = _obj(["number", "dealer", "period", "status", "total"],
                      number={"type": "string", "example": "HX-2026-0001"},
                      dealer={"type": "string", "description": "dealer code"}, period=PERIOD,
                      status=NOTICE_STATUS,
                      total={**SIGNED, "description": "negative when the cases' settlements "
                             "the dealer owes exceed the rest: confirming raises his receivable"})
NOTICE_SCHEMAS = {
    "NoticeSummary": NOTICE_SUMMARY,
    "Notice": _obj(
        [*NOTICE_SUMMARY["required"], "period_start", "period_end", "claims"],
        **NOTICE_SUMMARY["properties"], version=VERSION, dealer_name={"type": "string"},
        period_start=DATE, period_end={**DATE, "description": "inclusive"},
        parts=MONEY, labour=MONEY, travel=MONEY, other=MONEY,
        exchange_refund={**SIGNED, "description": "包换包退: the cases' settlements, signed"},
        issued_at={"type": "string", "format": "date-time"},
        confirmed_at={"type": ["string", "null"], "format": "date-time"},
        disputed_at={"type": ["string", "null"], "format": "date-time"},
        dispute_reason={"type": "string"},
        voided_at={"type": ["string", "null"], "format": "date-time"},
        void_reason={"type": "string"},
        replaces={"type": ["string", "null"], "description": "the voided notice it replaces"},
        replaced_by={"type": ["string", "null"]},
        offset={"type": ["object", "null"], "description": "posted when confirmed",
                "properties": {"entry_date": DATE, "amount": SIGNED}},
        pdf={"type": "string", "description": "path of the PDF"},
        claims={"type": "array", "items": _obj(
            ["number", "serial", *COST_TYPES], number={"type": "string"},
            serial={"type": "string"}, **COST_TYPES)},
        cases={"type": "array", "description": "the exchange and refund cases it settles",
               "items": _obj(["number", "kind", "serial", "amount"], number={"type": "string"},
                             kind={"type": "string", "enum": ["exchange", "refund"]},
                             serial={"type": "string"}, amount=SIGNED)}),
}
SEASON_ID = {"name": "season_id", "in": "path", "required": True,
             "schema": {"type": "integer"}, "description": "a season that asks for plans"}
DEALER_PARAM = {"name": "dealer", "in": "query", "required": False,
                "schema": {"type": "string"},
                "description": "dealer code; required for head-office tokens"}
PLAN_SECTION = {"type": "string", "enum": ["warranty", "wear"]}
PLAN_PATHS = {
    "/stocking-plans/{season_id}/suggestion": {"get": {
        "summary": "Suggested stocking quantities (配件储备计划) with their basis",
        "description": "A dealer token gets its own; head office passes ?dealer=CODE (a sales "
                       "rep only its dealers). expected = units × (rate + consumption), "
                       "rounded half up; rate = (failures + prior_weight × prior_rate) / "
                       "(exposure + prior_weight).",
        "parameters": [SEASON_ID, DEALER_PARAM],
        "responses": {"200": {"description": "The suggestion", **_json(
            {"$ref": "#/components/schemas/PlanSuggestion"})}, **_errors(400, 401, 404)}}},
    "/stocking-plans/{season_id}": {
        "get": {
            "summary": "The dealer's stocking plan for the season",
            "parameters": [SEASON_ID, DEALER_PARAM],
            "responses": {"200": {"description": "The plan", **_json(
                {"$ref": "#/components/schemas/StockingPlan"})}, **_errors(400, 401, 404)}},
        "post": {
            "summary": "Submit the dealer's stocking plan (dealers only)",
            "description": "Opens the plan from the suggestion if needed, sets the quantities "
                           "listed (parts not listed keep theirs), and submits it, all or "
                           "nothing. Late after the due date. A plan with every quantity 0 "
                           "needs a note. 409 when the plan is no longer a draft.",
            "parameters": [SEASON_ID],
            "requestBody": {"required": True, **_json(_obj(
                [], note={"type": "string", "maxLength": 2000}, version=VERSION_IN,
                lines={"type": "array", "items": _obj(
                    ["part_number", "quantity"], part_number={"type": "string"},
                    quantity={"type": "integer", "minimum": 0, "maximum": 9999})}))},
            "responses": {"200": {"description": "Submitted", **_json(
                {"$ref": "#/components/schemas/StockingPlan"})},
                **_errors(400, 401, 403, 404, 409, 422)}}},
}
PLAN_SCHEMAS = {
    "PlanSuggestion": _obj(
        ["season", "dealer", "due_on", "working_units", "units_basis", "lines"],
        season={"type": "string"}, dealer={"type": "string"}, due_on=DATE,
        working_units={"type": "integer"},
        units_basis=_obj(["sold", "in_stock"], sold={"type": "integer"},
                         in_stock={"type": "integer"}, by_model={"type": "object"}),
        lines={"type": "array", "items": _obj(
            ["part_number", "name", "section", "suggested_qty", "basis"],
            part_number={"type": "string"}, name={"type": "string"}, section=PLAN_SECTION,
            suggested_qty={"type": "integer"},
            basis=_obj(["units", "rate", "expected", "history"],
                       units={"type": "integer"}, failures={"type": "integer"},
                       exposure={"type": "integer", "description": "unit-seasons"},
                       observed_rate={"type": ["string", "null"]},
                       prior_rate={"type": "string"}, prior_weight={"type": "integer"},
                       rate={"type": "string"}, consumption={"type": "string"},
                       expected={"type": "string"},
                       seasons={"type": "array", "items": {"type": "string"}},
                       history={"type": "string", "enum": ["thin", "ok"]}))}),
    "StockingPlan": _obj(
        ["number", "status", "due_on", "late", "lines"], number={"type": "string"},
        version=VERSION,
        season={"type": "string"}, dealer={"type": "string"},
        status={"type": "string", "enum": ["draft", "submitted", "approved"]}, due_on=DATE,
        submitted_at={"type": ["string", "null"], "format": "date-time"},
        late={"type": "boolean"}, returned_reason={"type": "string"}, note={"type": "string"},
        working_units={"type": "integer"}, total_amount=MONEY,
        approved_amount={"type": ["string", "null"]},
        lines={"type": "array", "items": _obj(
            ["part_number", "section", "suggested_qty", "quantity"],
            part_number={"type": "string"}, name={"type": "string"}, section=PLAN_SECTION,
            suggested_qty={"type": "integer"}, quantity={"type": "integer"},
            approved_qty={"type": ["integer", "null"]}, unit_price=MONEY)}),
}

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
        "/fault-codes/{fault_code}": _put("Create or update a fault code and its severity",
                                          "fault_code", "FaultCode", FAULT_CODE_IN),
        "/units/{serial}": {
            **_put("Create or update a shipped unit", "serial", "Unit", UNIT_IN),
            "get": {"summary": "A unit with its warranty card",
                    "parameters": [{"name": "serial", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The unit", **_json(
                        {"$ref": "#/components/schemas/Unit"})}, **_errors(401, 404)}},
        },
        "/units/{serial}/coverage": {"get": {
            "summary": "Is a failure on a date covered for the buyer, reimbursed to the "
                       "dealer, and why not",
            "parameters": [
                {"name": "serial", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "on", "in": "query", "required": True, "schema": DATE},
                {"name": "part", "in": "query", "required": False,
                 "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The verdict", **_json(
                {"$ref": "#/components/schemas/Coverage"})}, **_errors(400, 401, 404)}}},
        "/units/{serial}/entitlements": {"get": {
            "summary": "The unit's entitlements to a new main part, an exchange or a refund",
            "description": "Raised by the rules of the 2010 规定 (第二十八条 to 第三十条), open "
                           "ones first; people decide what is done and close them.",
            "parameters": [{"name": "serial", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The entitlements", **_json(
                {"type": "array", "items": {"$ref": "#/components/schemas/Entitlement"}})},
                **_errors(401, 404)}}},
        "/claims": {"post": {
            "summary": "Open a draft repair record (claim) with its lines",
            "description": "Dealers only, for their own units. Amounts come from the catalogue "
                           "tables; the answer says which lines are covered and lists every "
                           "check as pass, warning or blocking.",
            "requestBody": {"required": True, **_json(CLAIM_IN)},
            "responses": {"201": {"description": "Created as a draft", **_json(
                {"$ref": "#/components/schemas/ClaimDraft"})},
                **_errors(400, 401, 403, 404, 422)}}},
        "/claims/{claim_id}": {"get": {
            "summary": "A claim: status, lines with decisions, checks and timeline",
            "parameters": [CLAIM_ID],
            "responses": {"200": {"description": "The claim", **_json(
                {"$ref": "#/components/schemas/Claim"})}, **_errors(401, 404)}}},
        "/claims/{claim_id}/attachments": {"post": {
            "summary": "Attach a photo (JPEG/PNG) or the customer's signed record "
                       "(JPEG/PNG/PDF) to a draft, each up to UPLOAD_MAX_BYTES (8 MB)",
            "parameters": [CLAIM_ID],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _obj(
                ["file", "kind"], file={"type": "string", "format": "binary"},
                kind={"type": "string", "enum": ["photo", "signature"]})}}},
            "responses": {"201": {"description": "Attached", **_json(_obj(
                ["id", "kind"], id={"type": "integer"}, kind={"type": "string"},
                name={"type": "string"}, content_type={"type": "string"}))},
                **_errors(400, 401, 403, 404, 422)}}},
        "/claims/{claim_id}/submit": {"post": {
            "summary": "Submit a draft claim",
            "description": "422 with error \"checks_failed\" and the blocking checks when a "
                           "check blocks (a missing signature, for one). A clean claim may be "
                           "approved at once by head office's rules.",
            "parameters": [CLAIM_ID],
            "requestBody": {"required": False, **_json(SEEN)},
            "responses": {"200": {"description": "Submitted", **_json(_obj(
                ["id", "status"], id={"type": "integer"}, status=CLAIM_STATUS,
                decided_by_rules={"type": "boolean"}))},
                "422": {"description": "Blocking checks, or another rule", **_json(_obj(
                    ["error", "message"], error={"type": "string"},
                    message={"type": "string"},
                    checks={"type": "array", "items": CHECK}))},
                **_errors(401, 403, 404)}}},
        "/warranty-cards": {"post": {
            "summary": "File a unit's warranty card",
            "requestBody": {"required": True, **_json(CARD_IN)},
            "responses": {"201": {"description": "Filed", **_json(_obj(
                ["id", "serial", "recognised", "late_days"], id={"type": "integer"},
                serial={"type": "string"}, recognised={"type": "boolean"},
                late_days={"type": "integer"}))}, **_errors(400, 401, 403, 404, 409, 422)}}},
        **RETURNS_PATHS,
        **LEDGER_PATHS,
        **NOTICE_PATHS,
        **PLAN_PATHS,
        **CASE_PATHS,
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "ClaimDraft": _obj(["id", "status", "lines", "checks", "total"],
                               id={"type": "integer"}, number={"type": "string"},
                               status=CLAIM_STATUS, serial={"type": "string"},
                               lines={"type": "array", "items": LINE_OUT},
                               checks={"type": "array", "items": CHECK}, total=MONEY),
            "Claim": _obj(
                ["id", "status", "lines", "checks", "timeline"], id={"type": "integer"},
                version=VERSION,
                number={"type": "string"}, status=CLAIM_STATUS, serial={"type": "string"},
                failure_date=DATE, handed_in_on={"type": ["string", "null"]},
                completed_on={"type": ["string", "null"]},
                parts_waited_from={"type": ["string", "null"]},
                parts_waited_to={"type": ["string", "null"]}, total=MONEY,
                total_approved={"type": ["string", "null"]},
                decided_by_rules={"type": "boolean"},
                filed_by_head_office={"type": "boolean"},  # head office repaired it itself
                lines={"type": "array", "items": {**LINE_OUT, "properties": {
                    **LINE_OUT["properties"],
                    "decision": {"type": "string",
                                 "enum": ["pending", "approved", "reduced", "rejected"]},
                    "approved_amount": {"type": ["string", "null"]},
                    "reject_code": {"type": ["string", "null"]},
                    "paid_service": {"type": "boolean"},
                    "not_covered": {"type": "array", "items": {"type": "string"}},
                    "not_reimbursed": {"type": "array", "items": {"type": "string"}}}}},
                checks={"type": "array", "items": CHECK},
                attachments={"type": "array", "items": {"type": "object"}},
                timeline={"type": "array", "items": _obj(
                    ["at", "by", "action"], at={"type": "string", "format": "date-time"},
                    by={"type": "string"}, action={"type": "string"},
                    to={"type": ["string", "null"]}, reason={"type": "string"})}),
            "Error": _obj(["error", "message"], error={"type": "string"},
                          message={"type": "string"}, field={"type": "string"}),
            "Dealer": _obj(["code"], code={"type": "string"}, name={"type": "string"},
                           province={"type": "string", "maxLength": 30},
                           city={"type": "string", "maxLength": 30},
                           grade={"type": "string"}, status={"type": "string"},
                           version=VERSION),
            "Model": _obj(["code"], code={"type": "string"}, name={"type": "string"},
                          category={"type": "string"}, whole_months={"type": "integer"},
                          main_months={"type": "integer"}, wear_months={"type": "integer"},
                          dealer_price={"type": ["string", "null"]}, version=VERSION),
            "Part": _obj(["part_no"], part_no={"type": "string"}, name={"type": "string"},
                         kind={"type": "string"}, price={"type": "string"},
                         models={"type": "array", "items": {"type": "string"}},
                         months={"type": ["integer", "null"]},
                         return_required={"type": "boolean"}, version=VERSION),
            "Unit": _obj(["serial"], serial={"type": "string"}, model={"type": "string"},
                         dealer={"type": ["string", "null"]}, production_date=DATE,
                         batch={"type": "string"}, engine_no={"type": "string"},
                         shipped_on={**DATE, "type": ["string", "null"]},
                         card={"type": ["object", "null"]}),
            "FaultCode": _obj(["code", "description", "severity"], code={"type": "string"},
                              description={"type": "string"},
                              severity={"type": "string", "enum": ["serious", "general"]},
                              watched={"type": "boolean"}, is_active={"type": "boolean"}),
            "Entitlement": ENTITLEMENT,
            "Coverage": _obj(
                ["serial", "part", "on", "covered", "clock", "starts_on", "ends_on",
                 "extension_days", "reasons", "reimbursed", "reimbursement_reasons"],
                serial={"type": "string"}, part={"type": ["string", "null"]}, on=DATE,
                covered={"type": "boolean", "description": "the buyer's right: the repair is "
                         "free to him"},
                reimbursed={"type": "boolean", "description": "the maker reimburses the dealer "
                            "(covered, and the card filed and recognised)"},
                reimbursement_reasons={"type": "array", "items": {
                    "type": "string", "enum": ["no_card", "card_not_recognised"]}},
                clock={"type": "string", "enum": ["whole", "main", "wear", "part"]},
                starts_on={"type": ["string", "null"], "format": "date"},
                ends_on={"type": ["string", "null"], "format": "date"},
                extension_days={"type": "integer"},
                calendar_assumed={"type": "boolean"},
                calendar_source={"type": ["string", "null"],
                                 "enum": ["entered", "library", "weekends", None],
                                 "description": "whose rest days moved the end: entered by "
                                                "the administrator, the calendar library, "
                                                "or weekends only (a year nobody knows)"},
                reasons={"type": "array", "items": {"type": "string", "enum": [
                    "no_sale", "part_not_for_model", "before_sale", "out_of_period"]}}),
            **RETURNS_SCHEMAS,
            **LEDGER_SCHEMAS,
            **NOTICE_SCHEMAS,
            **PLAN_SCHEMAS,
            **CASE_SCHEMAS,
        },
    },
}


# What every text input of the API must be, stated where a field's own schema says nothing:
# no NUL anywhere (``home.web.refuse_nul_characters`` turns the request away), and a required
# text not blank (``api.views.text``).
ANY_TEXT = "^[^\\x00]*$"
FILLED_TEXT = "^[^\\x00]*[^\\x00\\s][^\\x00]*$"


def _with_text_rules(schema: dict, required: bool = False) -> dict:
    """``schema`` (a request's) with each plain string in it given its pattern: a copy, as
    schemas are shared between requests and answers."""
    kinds = schema.get("type")
    if (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and not any(
            key in schema for key in ("pattern", "enum", "const", "format", "$ref")):
        return {**schema, "pattern": FILLED_TEXT if required else ANY_TEXT}
    stated = dict(schema)
    if "properties" in schema:
        # A key the call does not read may still carry a NUL: the document takes none.
        stated.setdefault("additionalProperties", False)
        needed = set(schema.get("required", ()))
        stated["properties"] = {name: _with_text_rules(inner, name in needed)
                                for name, inner in schema["properties"].items()}
    if "items" in schema:
        stated["items"] = _with_text_rules(schema["items"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            stated[key] = [_with_text_rules(inner) for inner in schema[key]]
    return stated


def _state_input_rules(spec: dict) -> None:
    for operations in spec["paths"].values():
        for operation in operations.values():
            # home.web.refuse_nul_characters answers any call holding a NUL with 400
            operation.setdefault("responses", {}).setdefault("400", {
                "description": "The request is refused before it is read: a NUL character "
                               "anywhere in it, or a body that is not JSON"})
            for parameter in operation.get("parameters", ()):
                parameter["schema"] = _with_text_rules(parameter["schema"],
                                                       parameter.get("required", False))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                media["schema"] = _with_text_rules(media["schema"])


_state_input_rules(SPEC)


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(SPEC)
