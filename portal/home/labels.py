"""Human names for what the audit trail stores as codes: actions, record types, fields, states."""

from functools import cache

from flask_babel import lazy_gettext as _l

from portal.catalog.models import ModelCategory
from portal.core.enums import TitledEnum
from portal.extensions import db
from portal.finance.models import SettlementStatus
from portal.returns.models import OwedStatus

ACTIONS = {
    "create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
    "sign_in": _l("Signed in"), "deactivate": _l("Deactivated"), "reactivate": _l("Reactivated"),
    "reset_password": _l("Password reset"), "change_password": _l("Password changed"),
    "issue_token": _l("API token issued"), "revoke_token": _l("API token revoked"),
    "assign_dealers": _l("Dealers assigned"),
    "change_status": _l("Status changed"), "grant_exception": _l("Exception granted"),
    "transfer": _l("Passed to a new owner"),
    "call": _l("Customer called"), "escalate": _l("Escalated"), "resolve": _l("Resolved"),
    "archive": _l("Archived"), "reopen": _l("Reopened"),
    "add_line": _l("Cost added"), "remove_line": _l("Cost removed"),
    "paid_service": _l("Made paid service"), "warranty_line": _l("Back to warranty"),
    "attach": _l("File attached"), "detach": _l("File removed"), "submit": _l("Submitted"),
    "decide_by_rules": _l("Decided by the rules"), "raise_flag": _l("Entitlement flagged"),
    "start_review": _l("Taken for review"), "decide": _l("Decided line by line"),
    "send_back": _l("Sent back to the dealer"), "confirm_rules": _l("Rules' decision confirmed"),
    "reverse_rules": _l("Rules' decision reversed"),
    "route": _l("Routed"), "reroute": _l("Routed to someone else"), "arrange": _l("Arranged"),
    "check": _l("Checked"), "close": _l("Closed"),
    "receive": _l("Receipt recorded"), "reconcile": _l("Shipment reconciled"),
    "ship": _l("Shipped back"), "cancel_shipment": _l("Shipment cancelled"),
}

ENTITIES = {
    "users": _l("User"), "dealers": _l("Dealer"), "product_models": _l("Product model"),
    "parts": _l("Part"), "fault_codes": _l("Fault code"), "labour_rates": _l("Labour rate"),
    "travel_bands": _l("Travel band"), "policy_settings": _l("Policy settings"),
    "seasons": _l("Season"), "legal_minimums": _l("Legal minimum"),
    "discount_rates": _l("Discount standard"), "units": _l("Unit"),
    "warranty_cards": _l("Warranty card"),
    "return_visits": _l("Return visit"), "complaints": _l("Complaint"),
    "unit_flags": _l("Entitlement"), "claims": _l("Repair record"),
    "service_requests": _l("Service request"),
    "return_shipments": _l("Old-part shipment"), "owed_parts": _l("Old part owed"),
}

STATES = {
    "active": _l("Active"), "inactive": _l("Deactivated"), "suspended": _l("Suspended"),
    "draft": _l("Sale recorded, card not filed"), "filed": _l("Filed"), "void": _l("Void"),
    "late": _l("Late"), "recognised": _l("Recognised"),
    "open": _l("Open"), "done": _l("Called"), "escalated": _l("Escalated"),
    "resolved": _l("Resolved"), "archived": _l("Archived"),
    "replace_main_part": _l("Entitled to a replacement main part"),
    "replace_part": _l("Entitled to a replacement main part or system"),
    "exchange": _l("Entitled to an exchange of the machine"),
    "refund": _l("Entitled to a refund"),
    "new": _l("Not routed"), "routed": _l("Routed, to arrange"),
    "arranged": _l("Arranged, to check"), "checked": _l("Checked"), "closed": _l("Closed"),
}

# Where one code means different things for different records.
ENTITY_STATES = {
    "claims": {
        "draft": _l("Draft"), "submitted": _l("Submitted"),
        "under_review": _l("Under technical review"), "approved": _l("Approved"),
        "partly_approved": _l("Partly approved"), "rejected": _l("Rejected"),
    },
    "return_shipments": {
        "shipped": _l("On its way"), "receiving": _l("Being received"),
        "reconciled": _l("Reconciled"), "cancelled": _l("Cancelled"),
    },
    "owed_parts": {
        "owed": _l("To ship"), "shipped": _l("Shipped"), "received": _l("Received"),
        "missing": _l("Missing"), "waived": _l("Return waived"), "cancelled": _l("Cancelled"),
    },
}

FIELDS = {
    "code": _l("Code"), "name": _l("Name"), "province": _l("Province"), "city": _l("City"),
    "address": _l("Address"), "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact phone"), "service_phone": _l("Service hotline"),
    "email": _l("Email"), "grade": _l("Grade"), "sales_rep": _l("Sales rep"),
    "display_name": _l("Name"), "phone": _l("Phone"), "dealer": _l("Dealer"),
    "dealer_id": _l("Dealer"), "dealers": _l("Dealers"), "category": _l("Category"),
    "whole_months": _l("Whole machine (months)"), "main_parts_months": _l("Main parts (months)"),
    "wear_parts_months": _l("Wear parts (months)"), "running_in_hours": _l("Running-in hours"),
    "main_parts_named": _l("Main parts named"), "is_active": _l("In use"),
    "dealer_price": _l("Dealer price (经销价, yuan)"),
    "from_month": _l("From whole months in use"), "rate": _l("Rate (per cent of the dealer price)"),
    "part_number": _l("Part number"), "kind": _l("Kind"), "price": _l("Price (yuan)"),
    "return_required": _l("Old part must be returned"),
    "warranty_months": _l("Own warranty (months)"), "supplier": _l("Supplier"),
    "models": _l("Fits models"), "description": _l("Description"), "severity": _l("Severity"),
    "hourly_rate": _l("Yuan per hour"), "min_km": _l("From (km, inclusive)"),
    "max_km": _l("To (km, exclusive; empty = no limit)"), "fee": _l("Fee (yuan)"),
    "card_deadline_days": _l("Warranty card deadline (days after sale)"),
    "arrange_deadline_hours": _l("Arrange deadline (hours from reaching the assignee)"),
    "check_deadline_hours": _l("Check deadline (hours from routing)"),
    "return_date_1_month": _l("First old-part return date: month"),
    "return_date_1_day": _l("First old-part return date: day"),
    "return_date_2_month": _l("Second old-part return date: month"),
    "return_date_2_day": _l("Second old-part return date: day"),
    "plan_lead_days": _l("Stocking plan lead time (days before season)"),
    "parts_markup_percent": _l("Parts mark-up (%)"), "start_on": _l("Starts on"),
    "end_on": _l("Ends on"), "categories": _l("Product categories"),
    "provinces": _l("Provinces (none = all)"), "serial": _l("Serial number"),
    "model_id": _l("Model"), "engine_no": _l("Engine number"), "frame_no": _l("Frame number"),
    "production_date": _l("Production date"), "batch": _l("Production batch"),
    "shipped_on": _l("Shipped on"), "delivery_note_no": _l("Delivery note number"),
    "delivery_confirmed": _l("Delivery note confirmed"), "buyer_name": _l("Buyer name"),
    "buyer_phone": _l("Mobile phone"), "buyer_id_no": _l("ID card number or company"),
    "county": _l("County"), "invoice_no": _l("Invoice number"),
    "invoice_date": _l("Invoice date"), "sale_date": _l("Sale date"),
    "received_on": _l("Card received"), "late_days": _l("Days late"), "scan": _l("Scan"),
    "due_on": _l("Due on"), "reached": _l("Reached"), "satisfaction": _l("Satisfaction"),
    "comment": _l("Comment"), "attempts": _l("Calls tried"), "channel": _l("Channel"),
    "received_at": _l("Received at"), "customer_name": _l("Customer name"),
    "customer_phone": _l("Customer phone"), "unit": _l("Unit"),
    "claim": _l("Repair record"),
    "watched": _l("Watched"), "duplicate_window_days": _l("Duplicate check window (days)"),
    "late_claim_days": _l("Claims filed within (days after completion)"),
    "auto_approve": _l("Clean claims decided by rules"),
    "auto_max_total": _l("Rules approve up to (yuan)"),
    "auto_sample_percent": _l("Share sampled for review (%)"),
    "good_standing_days": _l("Good standing (days)"),
    "hold_overdue_days": _l("Hold when old parts overdue by (days)"),
    "failure_date": _l("Failure date"),
    "handed_in_on": _l("Handed in"), "completed_on": _l("Completed on"),
    "hour_meter": _l("Hour meter"), "fault_code_id": _l("Fault code"), "cause": _l("Cause"),
    "work_done": _l("Work done"), "technician": _l("Technician"),
    "total_claimed": _l("Claimed (yuan)"), "total_approved": _l("Approved (yuan)"),
    "photo": _l("Photo"), "signature": _l("Customer signature"),
    "location": _l("Where the machine is"), "urgency": _l("Urgency"),
    "assignee": _l("Route to"), "check_due_at": _l("Check by"),
    "plan": _l("What will be done"), "planned_for": _l("When"), "who_goes": _l("Who goes"),
    "customer_told": _l("The customer has been told"),
    "receipt": _l("Receipt"), "received": _l("Received"), "missing": _l("Missing"),
    "damaged": _l("Damaged in transit"),
    "method": _l("Sent"), "waybill": _l("Waybill number"), "owed_parts": _l("Old parts"),
}


# Old-part verdicts, waivers and stores.
ACTIONS.update({"verdict": _l("Technical verdict"), "waive": _l("Return waived"),
                "store_move": _l("Left the store")})
ENTITIES.update({"owed_parts": _l("Old part"), "store_items": _l("Store item")})
ENTITY_STATES.update({
    "owed_parts": {
        "owed": _l("To ship"), "shipped": _l("Shipped"), "received": _l("Received"),
        "missing": _l("Missing"), "waived": _l("Return waived"), "cancelled": _l("Cancelled"),
        "quality_fault": _l("Quality fault (三包成立)"), "misuse": _l("Misuse"),
        "not_warranty_part": _l("Not a warranty part"),
        "wrong_part": _l("Wrong part (not the one claimed)"),
        "no_defect": _l("No defect found"), "not_received": _l("Not received"),
    },
    "store_items": {"in_store": _l("In store"), "reused": _l("Reused"),
                    "scrapped": _l("Scrapped"), "dispatched": _l("Sent to the supplier")},
})
FIELDS.update({"destination": _l("Where the part goes")})

# The finance track of claims: the rep's forwarding and finance's cost audit.
ACTIONS.update({"forward": _l("Forwarded to finance"),
                "return_to_technical": _l("Returned to the technical department"),
                "finance_approve": _l("Cost approved by finance"),
                "finance_reject": _l("Cost rejected by finance"),
                "reopen_audit": _l("Finance audit reopened")})
ENTITY_STATES["claims"].update({"forwarded": _l("With finance"),
                                "written_off": _l("Written off")})
FIELDS.update({"total_finance": _l("Accepted by finance (yuan)"),
               "finance_amount": _l("Accepted by finance (yuan)"),
               "finance_stage": _l("Finance")})
# The receivable ledger.
ACTIONS.update({"import": _l("Imported from Excel")})
ENTITIES.update({"ledger_entries": _l("Ledger entry")})
FIELDS.update({"entry_date": _l("Date"), "reference": _l("Reference"), "memo": _l("Memo"),
               "amount": _l("Amount (yuan)")})
# Write-off notices and the runs that generate them (helper NOTICES).
ACTIONS.update({"issue": _l("Notice issued"), "start_run": _l("Generation started"),
                "cancel_run": _l("Generation cancelled")})
ENTITIES.update({"write_off_notices": _l("Write-off notice"),
                 "notice_runs": _l("Notice generation")})
ENTITY_STATES.setdefault("write_off_notices", {}).update({"issued": _l("Awaiting dealer")})
ENTITY_STATES.setdefault("notice_runs", {}).update({
    "running": _l("Running"), "done": _l("Done"), "cancelled": _l("Cancelled"),
    "failed": _l("Failed")})
FIELDS.update({"claims": _l("Repair records"), "total": _l("Total (yuan)"),
               "maker_name": _l("Maker's name"), "maker_address": _l("Maker's address"),
               "maker_phone": _l("Maker's phone"), "maker_tax_no": _l("Maker's tax number"),
               "maker_service_line": _l("Maker's service line")})

# Write-off notices after issue, and the claims they write off (helper LIFECYCLE).
ACTIONS.update({"confirm": _l("Confirmed by the dealer"), "dispute": _l("Disputed by the dealer"),
                "void": _l("Voided"), "reissue": _l("Reissued"),
                "write_off": _l("Written off"), "release": _l("Released from a notice")})
ENTITY_STATES["write_off_notices"].update({
    "confirmed": _l("Confirmed"), "disputed": _l("Disputed"), "voided": _l("Voided")})
FIELDS.update({"offset": _l("Offset (yuan)"), "notice": _l("Write-off notice"),
               "replaced_by": _l("Replaced by"), "finance_stage": _l("Finance")})

# Stock returned to the factory (helper STOCK).
ACTIONS.update({"request_return": _l("Return requested"),
                "cancel_return": _l("Return cancelled by the dealer"),
                "approve_return": _l("Return approved"), "refuse_return": _l("Return refused"),
                "receive_return": _l("Returned unit received"),
                "return_to_factory": _l("Returned to the factory")})
ENTITIES.update({"stock_returns": _l("Stock return")})
ENTITY_STATES["stock_returns"] = {
    "requested": _l("Requested"), "approved": _l("Approved, to be sent"),
    "refused": _l("Refused"), "received": _l("Received at the factory"),
    "cancelled": _l("Cancelled")}
FIELDS.update({"reason": _l("Reason"), "freight_payer": _l("Freight paid by"),
               "restoration_charged": _l("Restoration labour charged"),
               "restoration_fee": _l("Restoration fee (yuan)")})
# Stocking plans (helper PLANS).
ACTIONS.update({"refresh_suggestions": _l("Suggestions recalculated"),
                "approve": _l("Approved")})
ENTITIES.update({"stocking_plans": _l("Stocking plan")})
ENTITY_STATES.setdefault("stocking_plans", {}).update({
    "draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved")})
FIELDS.update({"working_units": _l("Working units"), "total_amount": _l("Total asked (yuan)"),
               "approved_amount": _l("Total approved (yuan)"), "note": _l("Note"),
               "lines_added": _l("Parts added"), "lines_followed": _l("Quantities following "
                                                                      "the suggestion")})
# Catalogue fields stocking plans read (helper REALITY).
FIELDS.update({"plan_required": _l("Stocking plan required"),
               "season_consumption": _l("Consumed per working unit and season")})
# Delivery notes (销售发货清单).
ACTIONS.update({"deliver": _l("Shipped to the dealer"),
                "confirm_delivery": _l("Receipt confirmed by the dealer")})
ENTITIES.update({"delivery_notes": _l("Delivery note")})
ENTITY_STATES.setdefault("delivery_notes", {}).update({
    "shipped": _l("Shipped, not confirmed"), "confirmed": _l("Receipt confirmed")})
FIELDS.update({"carrier": _l("Carrier / vehicle"), "units": _l("Units"), "parts": _l("Parts"),
               "delivery_confirm_days": _l("Delivery notes confirmed within (days)"),
               "stocking_plan": _l("Stocking plan")})

# Dealer scorecards and grade reviews (helper SCORECARDS).
ACTIONS.update({"grade_review": _l("Grade review recorded")})
ENTITIES.update({"grade_reviews": _l("Grade review")})
FIELDS.update({"recommendation": _l("Recommendation"), "score": _l("Score")})

# Early warning on production batches.
ACTIONS.update({"raise_alert": _l("Alert raised"), "acknowledge": _l("Acknowledged"),
                "run_alert_check": _l("Early-warning check run")})
ENTITIES.update({"batch_alerts": _l("Batch alert"), "alert_runs": _l("Early-warning check")})
ENTITY_STATES.setdefault("batch_alerts", {}).update({
    "open": _l("Open"), "acknowledged": _l("Acknowledged"), "closed": _l("Closed")})
FIELDS.update({"failures": _l("Failures"), "expected": _l("Expected failures"),
               "unit_days": _l("Unit-days in the field"), "p_value": _l("p-value"),
               "baseline_rate": _l("Baseline rate per unit-day"),
               "key_part": _l("Key part (early warning)"),
               "alert_false_rate": _l("False alert rate of the early warning"),
               "close_reason": _l("Closed by the check because"),
               "alert_min_failures": _l("Minimum failures for an alert")})

# Exchange and refund cases (包换 / 包退, portal/cases).
ACTIONS.update({"open_case": _l("Case opened"), "approve_case": _l("Case approved"),
                "refuse_case": _l("Case refused"), "complete_case": _l("Case completed"),
                "receive_machine": _l("Failed machine received"),
                "judge_machine": _l("Failed machine inspected")})
ENTITIES.update({"sanbao_cases": _l("Exchange or refund case")})
ENTITY_STATES["sanbao_cases"] = {
    "requested": _l("Requested"), "approved": _l("Approved, to carry out"),
    "refused": _l("Refused"), "completed": _l("Completed")}
FIELDS.update({"origin": _l("Where the case comes from"),
               "replacement": _l("Replacement machine"), "refund_amount": _l("Refunded (yuan)"),
               "buyer_receipt": _l("The buyer's receipt"),
               "other_model_agreed": _l("The buyer agreed to another model"),
               "buyer_difference": _l("Price difference with the buyer (yuan)"),
               "exchanged_on": _l("Exchanged on (the periods run from it)"),
               "machine_received_on": _l("Failed machine received on"),
               "machine_verdict": _l("Verdict on the failed machine"),
               "machine_part": _l("Main part that failed")})


# A change's coded values, by (record type, field), where the field is no enum column of that
# record (``column_enums`` finds those): shown by their title in the reader's language.
VALUE_ENUMS = {("sanbao_cases", "settlement"): SettlementStatus,
               ("seasons", "categories"): ModelCategory,
               ("claims", "#"): OwedStatus}  # "#2": the old part of the claim's line 2


@cache
def column_enums() -> dict:
    """Every titled enum column of the models: by (table, column), and by (None, column) where
    the column's name holds one enum in every table (a change may name a related record's field,
    as an owed part's entry names its shipment line's receipt)."""
    found, by_name = {}, {}
    for mapper in db.Model.registry.mappers:
        for column in getattr(mapper.local_table, "columns", ()):
            enum = getattr(column.type, "enum_class", None)
            if enum and issubclass(enum, TitledEnum):
                found[(mapper.local_table.name, column.key)] = enum
                by_name.setdefault(column.key, set()).add(enum)
    found.update({(None, name): enums.pop() for name, enums in by_name.items()
                  if len(enums) == 1})
    return found


def _enum_for(entity, field):
    enums = column_enums()
    field = "#" if str(field).startswith("#") else field
    return (VALUE_ENUMS.get((entity, field)) or enums.get((entity, field))
            or enums.get((None, field)))


def value_title(value, field: str, entity: str | None = None) -> str:
    """A value in a change: a coded one by its title, a yes/no in words, a list as
    comma-separated text, else as stored; "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):  # JSON keeps a flag's change as true/false
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list | tuple):
        return ", ".join(value_title(v, field, entity) for v in value) or "—"
    enum = _enum_for(entity, field)
    member = enum.parse(value) if enum else None
    return str(member.title) if member else str(value)


def state_title(code, entity: str | None = None) -> str:
    """A from- or to-state: by the titles above, else by the record's status column, else by any
    enum column of that record holding the code (a role, a grade)."""
    if code is None or code in STATES or code in ENTITY_STATES.get(entity, {}):
        return label({**STATES, **ENTITY_STATES.get(entity, {})}, code)
    enums = column_enums()
    candidates = [enums.get((entity, "status"))] + [
        enum for (table, _column), enum in enums.items() if table == entity]
    for enum in filter(None, candidates):
        if member := enum.parse(code):
            return str(member.title)
    return str(code)


def label(table: dict, code) -> str:
    """The translated name of ``code``; standard hours fields name their category."""
    if code is None:
        return ""
    if code in table:
        return str(table[code])
    if isinstance(code, str) and code.startswith("hours_"):
        member = ModelCategory.parse(code.removeprefix("hours_"))
        if member:
            return f"{_l('Standard hours')}: {member.title}"
    return str(code)


def category_title(value) -> str:
    """A model category's translated title; an unknown code shows as it is."""
    member = ModelCategory.parse(value)
    return member.title if member else str(value)


def register(app) -> None:
    app.jinja_env.filters["action_title"] = lambda code: label(ACTIONS, code)
    app.jinja_env.filters["entity_title"] = lambda code: label(ENTITIES, code)
    app.jinja_env.filters["state_title"] = state_title
    app.jinja_env.filters["field_title"] = lambda code: label(FIELDS, code)
    app.jinja_env.filters["category_title"] = category_title
    app.jinja_env.filters["value_title"] = value_title

# The weekly report (helper REPORTS).
ACTIONS.update({"generate": _l("Generated"), "regenerate": _l("Generated again")})
ENTITIES.update({"weekly_reports": _l("Weekly report")})
FIELDS.update({"generated_at": _l("Generated")})

# Official holidays entered from the State Council's notice.
ENTITIES.update({"official_days": _l("Official holiday")})
ENTITY_STATES["official_days"] = {"holiday": _l("Official holiday (rest day)"),
                                  "working": _l("Adjusted working day (调休)")}
FIELDS.setdefault("day", _l("Date"))
FIELDS.setdefault("arrange_due_at", _l("Arrange by"))

# Finance's settlement of an exchange or refund case (portal/finance/case_settlements.py).
ACTIONS.update({"approve_settlement": _l("Settlement approved by finance"),
                "refuse_settlement": _l("Settlement refused by finance")})
FIELDS.update({"settlement": _l("Settlement (yuan)"),
               "cases": _l("Exchange and refund cases")})
