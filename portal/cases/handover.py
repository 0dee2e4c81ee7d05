"""What completing a case does to the machines and the buyer's card.

Exchange: the replacement machine (the dealer's unsold stock, or a factory unit placed with the
dealer on the case's number) gets the buyer's card, filed that day, its clocks starting on the
exchange date (``WarrantyCard.exchanged_on``, read by ``portal.claims.repairs.clock_start``).
The 2010 regulation's exchange is for a product of the same model and specification
(同型号同规格: 第二十八条 and 第三十条); its refund rule reads the buyer as free to take another
model and specification instead (he may ask for a refund when he is "不愿调换其他型号、规格"), so
with his recorded agreement another model of the same category may replace the failed one, and
the price difference he settles with the dealer is recorded beside it (``buyer_difference``).
Refund: the amount paid back and the buyer's receipt are recorded against the regulation's
arithmetic (``rules.refund_due``). Either way the failed machine's card is void and the machine
goes back to the factory (``portal.stock.services.return_to_factory``), and the entitlement the
case came from is closed.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.cases import rules
from portal.cases.machine import is_defective
from portal.cases.models import SanbaoCase
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.service.entitlements import resolve_flag
from portal.stock.models import OPEN_RETURN, StockReturn
from portal.stock.services import return_to_factory
from portal.units.card_services import OWNER_FIELDS
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

FIELD = "replacement_serial"


def _find(serial: str) -> Unit:
    serial = (serial or "").strip()
    if not serial:
        raise DomainError(_("Give the replacement machine's serial number."), field=FIELD)
    unit = db.session.scalar(sa.select(Unit).where(Unit.serial == serial))
    if unit is None:
        raise DomainError(_("No machine has this serial number."), field=FIELD)
    return unit


def replacement_problem(failed: Unit, dealer_id: int, unit: Unit, *,
                        other_model_agreed: bool = False) -> str | None:
    """Why ``unit`` cannot replace the failed machine the dealer exchanges, or None when it
    can: an unsold machine of the same model (the regulation's same model and specification),
    or of another model of the same category when the buyer agreed to it, in the dealer's
    stock or the factory's, not itself on its way back."""
    if unit.id == failed.id:
        return _("This is the failed machine itself.")
    if unit.card is not None:
        return _("This machine is sold (it has a warranty card).")
    if unit.dealer_id not in (None, dealer_id):
        return _("This machine is in neither the dealer's stock nor the factory's.")
    if unit.model_id != failed.model_id and not other_model_agreed:
        return _("The replacement must be of the same model and specification (%(model)s).",
                 model=failed.model.code)
    if unit.model.category != failed.model.category:
        return _("Another model must be of the same category (%(category)s).",
                 category=failed.model.category.title)
    if _returning(unit):
        return _("This machine is on its way back to the factory.")
    return None


def _returning(unit: Unit) -> bool:
    """In an open stock return, or the failed machine of a completed case."""
    in_return = sa.exists().where(StockReturn.unit_id == unit.id,
                                  StockReturn.status.in_(OPEN_RETURN))
    return bool(db.session.scalar(sa.select(in_return))) or is_defective(unit.id)


def _place(case: SanbaoCase, unit: Unit, day: date, *, actor) -> None:
    """A factory unit goes straight to the dealer, on the case's number, to hand over."""
    if unit.dealer_id is not None:
        return
    case.replacement_from_factory = True
    changes = audit.apply_changes(unit, {
        "dealer_id": case.dealer_id, "shipped_on": day, "delivery_note_no": case.number,
        "delivery_confirmed": True})
    audit.record("update", unit, actor=actor, reason=case.number, changes=changes)


def _void(card: WarrantyCard, case: SanbaoCase, *, actor) -> None:
    old, card.status = card.status, CardStatus.VOID
    audit.record("change_status", card, actor=actor, from_state=old, to_state=CardStatus.VOID,
                 reason=case.number)


def _new_card(case: SanbaoCase, old: WarrantyCard, unit: Unit, day: date, *, actor,
              now: datetime) -> WarrantyCard:
    """The buyer's card on the replacement: his details and invoice, filed on the day."""
    values = {name: getattr(old, name) for name in (*OWNER_FIELDS, "invoice_no",
                                                    "invoice_date")}
    card = WarrantyCard(unit=unit, dealer_id=case.dealer_id, status=CardStatus.FILED,
                        sale_date=day, received_on=day, late_days=0, exchanged_on=day,
                        filed_by_id=actor.id, filed_at=now, created_by_id=actor.id, **values)
    db.session.add(card)
    audit.record("create", card, actor=actor, reason=case.number, changes={
        "buyer_name": (None, card.buyer_name), "exchanged_on": (None, day)})
    return card


def _other_model(case: SanbaoCase, unit: Unit, difference) -> dict:
    """Record an exchange for another model and the buyer's price difference; refuse a
    difference where the model is the same (there is none to settle)."""
    if unit.model_id == case.unit.model_id:
        if difference is not None:
            raise DomainError(_("Only an exchange for another model has a price difference "
                                "with the buyer."), field="buyer_difference")
        return {}
    if difference is None:
        raise DomainError(_("Give the price difference settled with the buyer (0 when "
                            "none)."), field="buyer_difference")
    case.other_model_agreed, case.buyer_difference = True, difference
    return {"other_model_agreed": (False, True), "buyer_difference": (None, difference)}


def exchange(case: SanbaoCase, serial: str, day: date, *, actor, now: datetime,
             other_model_agreed: bool = False, buyer_difference=None) -> dict:
    """Hand the replacement to the buyer with his card; answer the case's changes."""
    unit = _find(serial)
    if (problem := replacement_problem(case.unit, case.dealer_id, unit,
                                       other_model_agreed=other_model_agreed)) is not None:
        raise DomainError(problem, field=FIELD)
    other = _other_model(case, unit, buyer_difference)
    old = case.unit.card or case.card
    _place(case, unit, day, actor=actor)
    case.replacement_unit_id = unit.id
    case.new_card = _new_card(case, old, unit, day, actor=actor, now=now)
    _void(old, case, actor=actor)
    return {"replacement": (None, unit.serial), **other}


def refund(case: SanbaoCase, paid, receipt: str, *, actor) -> dict:
    """Record the refund paid against what the regulation gives; answer the case's changes."""
    if paid is None:
        raise DomainError(_("Give the amount refunded to the buyer."), field="refund_amount")
    if case.invoice_amount is None:  # the invoice price was not given before: this is it
        case.invoice_amount = paid
    due = rules.refund_due(case.invoice_amount)
    if paid < due.due:
        raise DomainError(_("A 三包 refund is the whole invoice price, %(due)s yuan, with "
                            "nothing charged to the buyer.", due=due.due), field="refund_amount")
    case.refund_amount, case.buyer_receipt = paid, receipt
    if (card := case.unit.card) is not None:
        _void(card, case, actor=actor)
    return {"refund_amount": (None, paid), "buyer_receipt": (None, receipt)}


def back_to_factory(case: SanbaoCase, *, actor) -> None:
    """The failed machine leaves the dealer for the factory (the maker pays the freight)."""
    return_to_factory(case.unit, case.number, actor=actor)


def close_entitlement(case: SanbaoCase, *, actor, now: datetime) -> None:
    """Close the entitlement the case came from, saying how (left alone if already closed)."""
    flag = case.flag
    if flag is None or flag.resolved_at is not None:
        return
    note = (_("Machine exchanged in case %(number)s.", number=case.number)
            if case.replacement_unit_id else
            _("Refunded in case %(number)s.", number=case.number))
    resolve_flag(flag, note, actor=actor, now=now, replacement_unit=case.replacement)
