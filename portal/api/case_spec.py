"""The OpenAPI description of the exchange and refund case resources (portal/api/cases.py)."""

DATE = {"type": "string", "format": "date", "example": "2026-03-01"}
MONEY = {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$", "example": "58000.00"}
SIGNED_MONEY = {"type": "string", "pattern": r"^[+-]?\d{1,7}(\.\d{1,2})?$",
                "example": "-1500.00"}
NULL_MONEY = {"type": ["string", "null"], "pattern": r"^\d{1,7}(\.\d{1,2})?$"}
ERROR = {"$ref": "#/components/schemas/Error"}
CASE = {"$ref": "#/components/schemas/SanbaoCase"}
CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}
VERSION_IN = {"type": "integer", "description": "the version read; 409 when it changed since"}
TEXTS = {400: "Malformed input (the field is named)", 401: "No valid bearer token",
         403: "The role may not do this", 404: "Unknown, or outside the caller's scope",
         409: "Someone changed the case since the version sent",
         422: "Well-formed but against a rule (the field is named)"}


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(c): {"description": TEXTS[c], **_json(ERROR)} for c in codes}


def _post(summary: str, description: str, body: dict, status: str, answer: str,
          parameters=()) -> dict:
    return {"post": {
        "summary": summary, "description": description, "parameters": list(parameters),
        "requestBody": {"required": True, **_json(body)},
        "responses": {status: {"description": answer, **_json(CASE)},
                      **_errors(400, 401, 403, 404, 409, 422)}}}


OPEN_IN = _obj(
    ["serial", "kind", "reason"], serial={"type": "string", "maxLength": 40},
    kind={"type": "string", "enum": ["exchange", "refund"]},
    entitlement={"type": ["integer", "null"],
                 "description": "the open entitlement (unit flag) of the unit it comes from"},
    reason={"type": "string", "maxLength": 2000},
    origin={"type": "string", "enum": ["buyer_request", "early_choice"],
            "description": "without an entitlement: the buyer's request (default), or his "
                           "choice of an exchange for a failure in the first 15 days"},
    failed_on={**DATE, "description": "for early_choice: the day the machine failed"},
    invoice_amount={**MONEY, "description": "the price on the buyer's invoice (a refund)"})
DECIDE_IN = _obj(["approve", "reason"], approve={"type": "boolean"},
                 reason={"type": "string", "maxLength": 2000}, version=VERSION_IN)
COMPLETE_IN = _obj(
    ["completed_on"], completed_on=DATE, version=VERSION_IN,
    replacement_serial={"type": "string", "maxLength": 40,
                        "description": "an exchange: an unsold machine of "
                        "the same model in the dealer's stock or the factory's"},
    refund_amount={**MONEY, "description": "a refund: at least the whole invoice price"},
    buyer_receipt={"type": "string", "maxLength": 100},
    other_model_agreed={"type": "boolean", "default": False, "description": "an exchange: "
                        "the buyer agreed to another model of the same category instead of "
                        "the same model and specification"},
    buyer_difference={**SIGNED_MONEY, "description": "an exchange for another model: the "
                      "price difference the buyer settled with the dealer, + he paid more "
                      "(补差), − the dealer paid him back (返差); not in the maker's "
                      "settlement"})
RECEIVED_IN = _obj(["received_on"], received_on=DATE, version=VERSION_IN,
                   note={"type": "string", "maxLength": 2000})
VERDICT_IN = _obj(["verdict", "cause"], version=VERSION_IN,
                  verdict={"type": "string", "enum": ["quality_fault", "misuse", "no_defect"]},
                  cause={"type": "string", "maxLength": 2000},
                  part={"type": "string", "maxLength": 40,
                        "description": "a quality fault: the part number of "
                        "the main part that failed (a main part of the machine's model)"})
SETTLE_IN = _obj(["approve"], approve={"type": "boolean"}, version=VERSION_IN,
                 reason={"type": "string", "maxLength": 2000,
                         "description": "finance's note; required to refuse"})

CASE_PATHS = {
    "/sanbao-cases": _post(
        "Open an exchange or refund case (包换 / 包退)",
        "The dealer's users (its own units) or the sales clerk; one open case per unit.",
        OPEN_IN, "201", "Opened, status requested"),
    "/sanbao-cases/{case_id}": {"get": {
        "summary": "An exchange or refund case, with the refund's arithmetic",
        "parameters": [CASE_ID],
        "responses": {"200": {"description": "The case", **_json(CASE)}, **_errors(401, 404)}}},
    "/sanbao-cases/{case_id}/decide": _post(
        "Approve or refuse a requested case", "The technical department only.", DECIDE_IN,
        "200", "Decided", [CASE_ID]),
    "/sanbao-cases/{case_id}/complete": _post(
        "Record the exchange or the refund done",
        "The dealer's users or the clerk, on an approved case. An exchange moves the buyer's "
        "card to the replacement, whose periods start on completed_on; the failed machine goes "
        "back to the factory and the entitlement is closed.", COMPLETE_IN, "200", "Completed",
        [CASE_ID]),
    "/sanbao-cases/{case_id}/machine-received": _post(
        "Record the failed machine arrived at the factory",
        "The sales clerk, once, on a completed case; not before its completion day nor in the "
        "future.", RECEIVED_IN, "200", "Received", [CASE_ID]),
    "/sanbao-cases/{case_id}/machine-verdict": _post(
        "Give the verdict on the returned machine",
        "The technical department, once, after the machine is received.", VERDICT_IN, "200",
        "Judged", [CASE_ID]),
    "/sanbao-cases/{case_id}/settle": _post(
        "Approve or refuse the case's settlement with the dealer",
        "Finance only, once the case is completed and its failed machine received at the "
        "factory (409 before, or once decided). Approval keeps the settlement as worked out "
        "now (amount and lines, in finance_settlement); it goes on the dealer's next write-off "
        "notice as the cost type exchange_refund. A refusal (reason required) means the maker "
        "pays nothing on the case.", SETTLE_IN, "200", "Decided", [CASE_ID]),
}
CASE_SCHEMAS = {
    "SanbaoCase": _obj(
        ["id", "number", "kind", "status"], id={"type": "integer"},
        number={"type": "string", "example": "HT-2026-0001"},
        kind={"type": "string", "enum": ["exchange", "refund"]},
        status={"type": "string", "enum": ["requested", "approved", "refused", "completed"]},
        origin={"type": "string", "enum": ["entitlement", "buyer_request", "early_choice"]},
        version={"type": "integer"}, serial={"type": "string"}, model={"type": "string"},
        dealer={"type": "string"}, buyer=_obj(["name"], name={"type": "string"},
                                               phone={"type": "string"}),
        entitlement={"type": ["integer", "null"]}, failed_on={"type": ["string", "null"]},
        reason={"type": "string"}, requested_at={"type": "string", "format": "date-time"},
        decided_at={"type": ["string", "null"]}, decision_reason={"type": "string"},
        completed_on={"type": ["string", "null"]},
        replacement_serial={"type": ["string", "null"]}, invoice_amount=NULL_MONEY,
        refund_due={"type": ["object", "null"], "description": "invoice_amount − charges = due",
                    "properties": {"invoice_amount": MONEY, "charges": MONEY, "due": MONEY}},
        refund_amount=NULL_MONEY, buyer_receipt={"type": "string"},
        machine=_obj(["received_on", "verdict"], received_on={"type": ["string", "null"]},
                     verdict={"type": ["string", "null"],
                              "enum": ["quality_fault", "misuse", "no_defect", None]},
                     cause={"type": "string"}, part={"type": ["string", "null"]}),
        other_model_agreed={"type": "boolean"},
        buyer_difference={"type": ["string", "null"], "pattern": SIGNED_MONEY["pattern"]},
        settlement={"type": ["object", "null"], "description": "the maker's settlement with "
                    "the dealer once the case is completed (null before): the signed total (+ "
                    "the maker owes the dealer), its lines (return_credit, replacement, "
                    "difference, own_stock) with their arithmetic, or the problem that keeps "
                    "it from being worked out (no dealer price, no rate; then no lines)",
                    "properties": {
                        "amount": SIGNED_MONEY, "problem": {"type": ["string", "null"]},
                        "lines": {"type": "array", "items": _obj(
                            ["key", "label", "arithmetic", "amount"],
                            key={"type": "string", "enum": [
                                "return_credit", "replacement", "difference", "own_stock"]},
                            label={"type": "string"}, arithmetic={"type": "string"},
                            amount=SIGNED_MONEY)}}},
        finance_settlement={
            "type": ["object", "null"], "description": "finance's decision, the figures as "
            "approved (amount signed: + the maker owes the dealer); null before it",
            "properties": {
                "status": {"type": "string", "enum": ["approved", "refused", "written_off"]},
                "amount": {"type": "string"}, "lines": {"type": "array"},
                "months_in_use": {"type": ["integer", "null"]},
                "rate": {"type": ["string", "null"]}, "reason": {"type": "string"},
                "decided_at": {"type": "string", "format": "date-time"}, "settled_on": DATE,
                "notice": {"type": ["string", "null"]}}}),
}
