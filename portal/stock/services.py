"""Stock returns: a dealer asks, head office approves or refuses, the factory receives.

Every move is one function that checks the move is allowed, checks the version the user saw,
makes it, and puts it on the audit trail with its from and to state and its reason. Receiving
takes the unit out of the dealer's stock and, for a unit the dealer took apart, charges the
restoration labour to the dealer's receivable.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core import audit
from portal.core.db import CENT, SHANGHAI, shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.core.numbering import next_number
from portal.core.versioning import check_version
from portal.extensions import db
from portal.finance.models import LedgerEntry, LedgerKind
from portal.stock import deemed, rules
from portal.stock.access import (
    can_cancel_stock_return,
    can_decide_stock_returns,
    can_request_stock_returns,
)
from portal.stock.models import OPEN_RETURN, StockReturn, StockReturnReason, StockReturnStatus
from portal.units.models import Unit

S = StockReturnStatus
FEE_LIMIT = Decimal("100000000")  # far above any restoration; keeps Numeric(12, 2) safe
# action: (states it may start from, state it leads to)
MOVES = {"cancel": ({S.REQUESTED}, S.CANCELLED), "approve": ({S.REQUESTED}, S.APPROVED),
         "refuse": ({S.REQUESTED}, S.REFUSED), "receive": ({S.APPROVED}, S.RECEIVED)}
REFUSED = {
    "cancel": _l("Only a return still waiting for head office's decision can be cancelled."),
    "approve": _l("Only a requested return can be approved."),
    "refuse": _l("Only a requested return can be refused."),
    "receive": _l("Only an approved return can be received."),
}


def open_return(unit: Unit) -> StockReturn | None:
    """The return of this unit that is requested or approved, if any."""
    return db.session.scalar(sa.select(StockReturn).where(
        StockReturn.unit_id == unit.id, StockReturn.status.in_(OPEN_RETURN)))


def stock_problem(unit: Unit, dealer_id: int | None, today: date | None = None) -> str | None:
    """Why the unit cannot be returned from this dealer's stock, or None when it can: not the
    dealer's, sold, already in a return, or deemed sold (``portal/stock/deemed.py``)."""
    if dealer_id is None or unit.dealer_id != dealer_id:
        return _("This unit is not in your stock.")
    if unit.card is not None:
        return _("This unit is sold (it has a warranty card): it is no longer dealer stock.")
    if (current := open_return(unit)) is not None:
        return _("This unit is already in return %(number)s.", number=current.number)
    if (day := deemed.sold_on(unit, today or shanghai_today())) is not None:
        return _("This unit counts as sold since %(day)s: two operating seasons ended without "
                 "it being sold or returned, so the dealer is treated as having sold it and it "
                 "can no longer go back as stock.", day=day.isoformat())
    return None


def request_return(unit: Unit, reason, description: str, *, actor,
                   now: datetime | None = None) -> StockReturn:
    """A dealer asks to send an unsold unit of its stock back to the factory (not one deemed
    sold by the day asked)."""
    if not can_request_stock_returns(actor):
        raise DomainError(_("Only the dealer's own staff can ask to return its stock."))
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    if (problem := stock_problem(unit, actor.dealer_id, today)) is not None:
        raise DomainError(problem)
    reason = StockReturnReason.parse(reason)
    if reason is None:
        raise DomainError(_("Choose why the unit goes back."), field="reason")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe the unit's state and why it cannot be sold."),
                          field="description")
    ret = StockReturn(number=next_number("stock_return", now).text, dealer_id=unit.dealer_id,
                      unit=unit, reason=reason, description=description, status=S.REQUESTED,
                      freight_payer=rules.freight_payer(reason),
                      restoration_charged=rules.restoration_charged(reason),
                      requested_by_id=actor.id, requested_at=now)
    db.session.add(ret)
    audit.record("request_return", ret, actor=actor, to_state=S.REQUESTED, reason=description,
                 changes={"unit": (None, unit.serial), "reason": (None, reason),
                          "freight_payer": (None, ret.freight_payer),
                          "restoration_charged": (None, ret.restoration_charged)})
    return ret


def _require_decider(actor) -> None:
    if not can_decide_stock_returns(actor):
        raise DomainError(_("Your role is not allowed to do this."))


def _require(ret: StockReturn, action: str, *, version) -> None:
    """Refuse a move the return's state does not allow, or made on a stale page."""
    if ret.status not in MOVES[action][0]:
        raise DomainError(REFUSED[action])
    check_version(ret, version)


def _move(ret: StockReturn, action: str, *, actor, reason: str = "",
          changes: dict | None = None) -> None:
    target = MOVES[action][1]
    old, ret.status = ret.status, target
    audit.record(f"{action}_return", ret, actor=actor, from_state=old, to_state=target,
                 reason=reason, changes=changes)


def cancel_return(ret: StockReturn, reason: str = "", *, actor, version) -> None:
    """The dealer withdraws its request before head office decides."""
    if not can_cancel_stock_return(ret, actor):
        raise DomainError(_("Only the dealer's own staff can cancel its request."))
    _require(ret, "cancel", version=version)
    _move(ret, "cancel", actor=actor, reason=(reason or "").strip())


def parse_fee(value) -> Decimal | None:
    """A restoration fee as exact yuan; None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        fee = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(_("Enter an amount in yuan, like 850.00."),
                          field="restoration_fee") from None
    if not fee.is_finite():
        raise DomainError(_("Enter an amount in yuan, like 850.00."), field="restoration_fee")
    if abs(fee) >= FEE_LIMIT:
        raise DomainError(_("This amount is too large."), field="restoration_fee")
    if fee != fee.quantize(CENT):
        raise DomainError(_("Enter yuan with at most two decimal places."),
                          field="restoration_fee")
    return fee.quantize(CENT)


def _checked_fee(ret: StockReturn, value) -> Decimal | None:
    fee = parse_fee(value)
    if not ret.restoration_charged:
        if fee is not None:
            raise DomainError(_("No restoration labour is charged for this reason: leave the "
                                "fee empty."), field="restoration_fee")
        return None
    if fee is None or fee <= 0:
        raise DomainError(_("The dealer took this unit apart: enter the restoration labour "
                            "to charge (more than 0 yuan)."), field="restoration_fee")
    return fee


def _still_in_stock(ret: StockReturn) -> None:
    unit = ret.unit
    if unit.dealer_id != ret.dealer_id or unit.card is not None:
        raise DomainError(_("Unit %(serial)s is no longer in this dealer's unsold stock.",
                            serial=unit.serial))


def approve_return(ret: StockReturn, note: str, restoration_fee=None, *, actor, version,
                   now: datetime | None = None) -> None:
    """Head office lets the dealer send the unit; a dismantled unit gets its restoration fee."""
    _require_decider(actor)
    _require(ret, "approve", version=version)
    fee = _checked_fee(ret, restoration_fee)
    _still_in_stock(ret)
    ret.restoration_fee = fee
    ret.decided_by_id, ret.decided_at = actor.id, now or utcnow()
    ret.decision_note = (note or "").strip()
    changes = {"restoration_fee": (None, fee)} if fee is not None else None
    _move(ret, "approve", actor=actor, reason=ret.decision_note, changes=changes)


def refuse_return(ret: StockReturn, reason: str, *, actor, version,
                  now: datetime | None = None) -> None:
    """Head office refuses the return, saying why; the unit stays the dealer's stock."""
    _require_decider(actor)
    _require(ret, "refuse", version=version)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Tell the dealer why the return is refused."), field="note")
    ret.decided_by_id, ret.decided_at = actor.id, now or utcnow()
    ret.decision_note = reason
    _move(ret, "refuse", actor=actor, reason=reason)


def receive_return(ret: StockReturn, note: str = "", *, actor, version,
                   now: datetime | None = None) -> LedgerEntry | None:
    """The unit is back at the factory: it leaves the dealer's stock; a restoration fee is
    charged to the dealer's receivable. Answers the charge posted, if any."""
    _require_decider(actor)
    _require(ret, "receive", version=version)
    _still_in_stock(ret)
    now = now or utcnow()
    ret.received_by_id, ret.received_at = actor.id, now
    ret.received_note = (note or "").strip()
    _move(ret, "receive", actor=actor, reason=ret.received_note)
    return_to_factory(ret.unit, ret.number, actor=actor)
    if ret.restoration_charged and ret.restoration_fee:
        return _charge(ret, now, actor=actor)
    return None


def return_to_factory(unit: Unit, reason: str, *, actor) -> None:
    """The unit is back at the factory and leaves its dealer's stock: a stock return received,
    or the failed machine of an exchange or refund (``portal/cases``)."""
    dealer_code = unit.dealer.code if unit.dealer is not None else None
    changes = audit.apply_changes(unit, {"dealer_id": None, "shipped_on": None,
                                         "delivery_note_no": "", "delivery_confirmed": False})
    if changes.pop("dealer_id", None) is not None:
        changes["dealer"] = (dealer_code, None)
    audit.record("return_to_factory", unit, actor=actor, reason=reason, changes=changes)


def _charge(ret: StockReturn, now: datetime, *, actor) -> LedgerEntry:
    entry = LedgerEntry(dealer_id=ret.dealer_id, kind=LedgerKind.CHARGE,
                        entry_date=now.astimezone(SHANGHAI).date(), reference=ret.number,
                        memo=_("Restoration labour, unit %(serial)s returned from stock",
                               serial=ret.unit.serial)[:200],
                        amount=ret.restoration_fee, source="stock", created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    ret.ledger_entry_id = entry.id
    audit.record("create", entry, actor=actor, changes={
        "kind": (None, entry.kind), "reference": (None, entry.reference),
        "amount": (None, entry.amount)})
    return entry
