"""The v1 ledger resource: the ERP posts opening balances, goods invoices and payments."""

import re
from datetime import date
from decimal import Decimal

from flask import g, jsonify, request

from portal.api.views import DATE_RE, ApiError, bp, token_required
from portal.extensions import db
from portal.finance.access import can_post_ledger_entries
from portal.finance.ledger import ERP_KINDS, Problem, balances_after, import_entries
from portal.finance.models import LedgerEntry, LedgerKind

MAX_ENTRIES = 1000
AMOUNT_RE = re.compile(r"^-?\d{1,10}(\.\d{1,2})?$")


def _parse(item, n: int) -> tuple[dict, list[Problem]]:
    """One entry's values as the ledger takes them, and its malformed fields."""
    if not isinstance(item, dict):
        return {}, [Problem(n, "", "an object is required")]
    values, problems = {}, []

    def bad(name, message):
        problems.append(Problem(n, name, message))

    for name in ("dealer", "reference"):
        value = item.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
        else:
            bad(name, "a non-empty string is required")
    kind = item.get("kind")
    if kind in [k.value for k in ERP_KINDS] or kind == LedgerKind.OFFSET.value:
        values["kind"] = LedgerKind(kind)
    else:
        bad("kind", "one of opening, invoice, payment")
    values["date"] = _date(item.get("date"))
    if values["date"] is None:
        bad("date", "a date YYYY-MM-DD is required")
    amount = item.get("amount")
    if isinstance(amount, str) and AMOUNT_RE.match(amount.strip()):
        values["amount"] = Decimal(amount.strip())
    else:
        values["amount"] = None
        bad("amount", 'a decimal string with at most two places is required, e.g. "123.45"')
    memo = item.get("memo", "")
    if not isinstance(memo, str | None):
        bad("memo", "a string is required")
    values["memo"] = memo if isinstance(memo, str) else ""
    return values, problems


def _date(value) -> date | None:
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _field(problem: Problem, single: bool) -> str:
    if single:
        return problem.field
    return f"[{problem.row}].{problem.field}" if problem.field else f"[{problem.row}]"


def entry_json(entry: LedgerEntry, balance: Decimal, created: bool) -> dict:
    posted = -entry.amount if entry.kind == LedgerKind.PAYMENT else entry.amount
    return {"id": entry.id, "dealer": entry.dealer.code, "kind": entry.kind.value,
            "date": entry.entry_date.isoformat(), "reference": entry.reference,
            "amount": str(posted), "ledger_amount": str(entry.amount), "memo": entry.memo,
            "source": entry.source, "balance": str(balance), "created": created}


@bp.post("/ledger-entries")
@token_required(can_post_ledger_entries)
def post_ledger_entries():
    """Post one entry or a list, all or nothing: 201 when any is new, 200 for a repeat."""
    data = request.get_json(silent=True)
    single = isinstance(data, dict)
    items = [data] if single else data
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ENTRIES:
        raise ApiError(400, "bad_request",
                       f"The body must be an entry object or a list of 1 to {MAX_ENTRIES}.")
    rows, problems = [], []
    for n, item in enumerate(items):
        values, found = _parse(item, n)
        rows.append((n, values))
        problems += found
    result = import_entries(rows, actor=g.api_user, source="api", problems=problems)
    if result.problems:
        db.session.rollback()
        errors = [{"field": _field(p, single), "message": p.message} for p in result.problems]
        return jsonify(error="invalid_entries", message="Nothing was posted; see errors.",
                       errors=errors), 422
    db.session.commit()
    created = {id(e) for e in result.created}
    new = iter(result.created)
    entries = [p.existing or next(new) for p in result.planned]
    after = balances_after(entries)
    body = [entry_json(e, after[e.id], id(e) in created) for e in entries]
    return jsonify(body[0] if single else body), 201 if created else 200
