"""Exchange and refund cases: open, decide, complete.

Each move is one function that checks who may make it and that the case's state allows it,
checks the version the user saw, makes it and puts it on the case's timeline (the audit trail)
with its from and to state and its reason. Completing one also moves the buyer's card or records
his refund, sends the failed machine back to the factory and closes the entitlement
(``portal/cases/handover.py``).
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.cases import handover, rules
from portal.cases.access import can_complete_case, can_decide_cases, can_open_case
from portal.cases.models import OPEN_CASE, CaseKind, CaseOrigin, CaseStatus, SanbaoCase
from portal.core import audit
from portal.core.db import SHANGHAI, utcnow
from portal.core.errors import DomainError
from portal.core.excel import parse_money
from portal.core.numbering import next_number
from portal.core.versioning import check_version
from portal.extensions import db

REASON_MAX = 2000
S = CaseStatus


def open_case_of(unit) -> SanbaoCase | None:
    """The unit's case that is requested or approved, if any."""
    return db.session.scalar(sa.select(SanbaoCase).where(
        SanbaoCase.unit_id == unit.id, SanbaoCase.status.in_(OPEN_CASE)))


def case_problem(unit) -> str | None:
    """Why no case can be opened on this unit now, or None when one can."""
    if unit.card is None:
        return _("This unit has no warranty card: there is no buyer to exchange or refund for.")
    if (current := open_case_of(unit)) is not None:
        return _("This unit is already in case %(number)s.", number=current.number)
    return None


def amount(value, field: str) -> Decimal | None:
    """An amount in yuan typed or sent; None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return parse_money(value)
    except (ValueError, ArithmeticError) as error:
        message = str(error) if isinstance(error, ValueError) else _("Enter an amount in yuan.")
        raise DomainError(message, field=field) from None


def signed_amount(value, field: str) -> Decimal | None:
    """A signed amount in yuan (+ or −, two decimals at most); None when left empty."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text and text[0] in "+-−":  # ("" is in every string)
        size = amount(text[1:], field)
        if size is None:
            raise DomainError(_("Enter an amount in yuan."), field=field)
        return -size if text[0] != "+" else size
    return amount(text, field)


def _text(value, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(missing, field=field)
    if len(value) > REASON_MAX:
        raise DomainError(_("Keep it under %(n)d characters.", n=REASON_MAX), field=field)
    return value


def _origin(unit, kind: CaseKind, flag, origin, failed_on, today: date) -> CaseOrigin:
    """Where the case comes from: the entitlement given, else the buyer's request or his
    early-days choice (checked against the sale date)."""
    if flag is not None:
        if flag.unit_id != unit.id or flag.resolved_at is not None:
            raise DomainError(_("This entitlement is not open on this unit."), field="entitlement")
        if kind not in rules.kinds_for_flag(flag.kind):
            raise DomainError(_("This entitlement does not give a %(kind)s.", kind=kind.title),
                              field="kind")
        return CaseOrigin.ENTITLEMENT
    origin = CaseOrigin.parse(origin) or CaseOrigin.BUYER_REQUEST
    if origin == CaseOrigin.ENTITLEMENT:
        raise DomainError(_("Choose the entitlement the case comes from."), field="entitlement")
    if origin == CaseOrigin.EARLY_CHOICE:
        if kind != CaseKind.EXCHANGE:
            raise DomainError(_("The early-days choice is between an exchange and a repair."),
                              field="kind")
        if problem := rules.early_choice_problem(unit.card.sale_date, failed_on, today):
            raise DomainError(problem, field="failed_on")
    return origin


def open_case(unit, kind, reason: str, *, actor, today: date, flag=None, origin=None,
              failed_on: date | None = None, invoice_amount=None,
              now: datetime | None = None) -> SanbaoCase:
    """The dealer or the clerk opens an exchange or refund case for the unit's buyer."""
    if not can_open_case(unit, actor):
        raise DomainError(_("Only the dealer's own staff or the sales clerk can open a case."))
    if (problem := case_problem(unit)) is not None:
        raise DomainError(problem)
    kind = CaseKind.parse(kind)
    if kind is None:
        raise DomainError(_("Choose exchange or refund."), field="kind")
    origin = _origin(unit, kind, flag, origin, failed_on, today)
    reason = _text(reason, "reason", _("Say what the buyer asks for and why."))
    now, card = now or utcnow(), unit.card
    case = SanbaoCase(
        number=next_number("sanbao_case", now).text, kind=kind, origin=origin, unit=unit,
        dealer_id=card.dealer_id, card=card, buyer_name=card.buyer_name,
        buyer_phone=card.buyer_phone, flag=flag, failed_on=failed_on, reason=reason,
        invoice_amount=amount(invoice_amount, "invoice_amount"), status=S.REQUESTED,
        requested_by_id=actor.id, requested_at=now)
    db.session.add(case)
    audit.record("open_case", case, actor=actor, to_state=S.REQUESTED, reason=reason, changes={
        "unit": (None, unit.serial), "kind": (None, kind), "origin": (None, origin),
        "buyer_name": (None, case.buyer_name)})
    return case


def _require(case: SanbaoCase, status: CaseStatus, refused: str, version) -> None:
    # The version first, as the claims' workflow does: whoever acted on a case that changed
    # meanwhile is told so (409), whichever database, and whether the other's change had
    # committed before he read the case (SQLite, locked up front) or only after (PostgreSQL).
    check_version(case, version)
    if case.status != status:
        raise DomainError(refused)


def _move(case: SanbaoCase, target: CaseStatus, action: str, *, actor, reason: str = "",
          changes: dict | None = None) -> None:
    old, case.status = case.status, target
    audit.record(action, case, actor=actor, from_state=old, to_state=target, reason=reason,
                 changes=changes)


def decide_case(case: SanbaoCase, approve: bool, reason: str, *, actor, version,
                now: datetime | None = None) -> SanbaoCase:
    """The technical department approves or refuses a requested case, saying why."""
    if not can_decide_cases(actor):
        raise DomainError(_("Only the technical department decides exchange and refund cases."))
    _require(case, S.REQUESTED, _("Only a requested case can be decided."), version)
    reason = _text(reason, "reason", _("Give the reason for the decision."))
    case.decided_by_id, case.decided_at = actor.id, now or utcnow()
    case.decision_reason = reason
    if approve:
        _move(case, S.APPROVED, "approve_case", actor=actor, reason=reason)
    else:
        _move(case, S.REFUSED, "refuse_case", actor=actor, reason=reason)
    return case


def _completion_day(case: SanbaoCase, completed_on: date | None, today: date) -> date:
    if completed_on is None:
        raise DomainError(_("Give the day the buyer got his machine or money."),
                          field="completed_on")
    if completed_on > today:
        raise DomainError(_("This date cannot be in the future."), field="completed_on")
    decided = case.decided_at.astimezone(SHANGHAI).date()
    if completed_on < decided:
        raise DomainError(_("This date cannot be before the case was approved (%(day)s).",
                            day=decided.isoformat()), field="completed_on")
    return completed_on


def complete_case(case: SanbaoCase, completed_on: date | None, *, actor, version, today: date,
                  replacement_serial: str = "", refund_amount=None, buyer_receipt: str = "",
                  other_model_agreed: bool = False, buyer_difference=None,
                  now: datetime | None = None) -> SanbaoCase:
    """The dealer or the clerk records the exchange or refund done: the buyer's card moves to
    the replacement (another model only with his agreement, and his price difference), or his
    refund is recorded; the failed machine goes back to the factory, the entitlement is
    closed."""
    if case.status != S.APPROVED:
        raise DomainError(_("Only an approved case can be completed."))
    if not can_complete_case(case, actor):
        raise DomainError(_("Only the dealer's own staff or the sales clerk complete a case."))
    check_version(case, version)
    day, now = _completion_day(case, completed_on, today), now or utcnow()
    difference = signed_amount(buyer_difference, "buyer_difference")
    if case.kind == CaseKind.EXCHANGE:
        changes = handover.exchange(case, replacement_serial, day, actor=actor, now=now,
                                    other_model_agreed=other_model_agreed,
                                    buyer_difference=difference)
    elif other_model_agreed or difference is not None:
        raise DomainError(_("A refund has no replacement machine and no price difference."),
                          field="buyer_difference")
    else:
        changes = handover.refund(case, amount(refund_amount, "refund_amount"),
                                  (buyer_receipt or "").strip()[:100], actor=actor)
    case.completed_by_id, case.completed_at, case.completed_on = actor.id, now, day
    handover.back_to_factory(case, actor=actor)
    handover.close_entitlement(case, actor=actor, now=now)
    _move(case, S.COMPLETED, "complete_case", actor=actor, changes={
        "completed_on": (None, day), **changes})
    return case
