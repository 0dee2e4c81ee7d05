"""Write operations and rules for warranty cards."""

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalog.models import PolicySettings
from portal.core import audit
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.units.access import can_backdate_cards, can_grant_card_exceptions
from portal.units.cards import CardOwnerChange, CardStatus, WarrantyCard
from portal.units.models import Unit

OWNER_FIELDS = ("buyer_name", "buyer_phone", "buyer_id_no", "province", "city", "county",
                "address")
CARD_FIELDS = (*OWNER_FIELDS, "invoice_no", "invoice_date", "sale_date")
NEEDED_TO_FILE = ("buyer_phone", "province", "city", "address", "invoice_no", "invoice_date")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
SCAN_TYPES = {"image/jpeg", "image/png", "application/pdf"}


class CardConflict(DomainError):
    """The unit already has a filed card."""

    conflict = True


def mobile_ok(phone: str) -> bool:
    return bool(MOBILE_RE.match(phone or ""))


def late_days(sale_date: date, received_on: date, deadline_days: int) -> int:
    """Days past the card deadline; 0 when on time."""
    return max(0, (received_on - sale_date).days - deadline_days)


def left_factory_on(unit) -> date:
    """The day the unit left the factory: its shipping day, else its production date."""
    return unit.shipped_on or unit.production_date


def date_problems(unit, values: dict, today: date, received_on: date | None = None) -> dict:
    """The card's dates must agree. Neither the invoice nor the sale may come after the day the
    card was received (before filing: after today); the sale may not precede the shipment nor the
    invoice the day the unit left the factory (《农业机械产品修理、更换、退货责任规定》2010
    第二十四条: the periods run from the invoice date, so it must be a day the machine existed
    and was sold by then)."""
    problems = {}
    latest = received_on or today
    for key in ("invoice_date", "sale_date"):
        day = values.get(key)
        if not day:
            continue
        if day > latest:
            problems[key] = (_("This date cannot be in the future.") if latest == today else _(
                "This date cannot be after the card was received (%(day)s).",
                day=latest.isoformat()))
        elif day < left_factory_on(unit):
            problems[key] = _("This date cannot be before the unit left the factory (%(day)s).",
                              day=left_factory_on(unit).isoformat())
    return problems


def card_problems(unit, values: dict, today: date, filing: bool,
                  received_on: date | None = None) -> dict:
    """Every problem of the card's values, by field, at once (the form shows them all)."""
    problems = date_problems(unit, values, today, received_on)
    if values.get("buyer_phone") and not mobile_ok(values["buyer_phone"]):
        problems["buyer_phone"] = _("Enter an 11-digit mobile number.")
    for key in NEEDED_TO_FILE if filing else ():
        if not values.get(key):
            problems.setdefault(key, _("Needed to file the card."))
    return problems


def _check(unit, values: dict, today: date, filing: bool,
           received_on: date | None = None) -> None:
    for key, message in card_problems(unit, values, today, filing, received_on).items():
        raise DomainError(message, field=key)


def sale_problems(unit, values: dict, *, actor, today: date, file: bool,
                  received_on: date | None = None) -> dict:
    """Every problem of recording this sale (or filing this card), by field, at once: what
    ``save_card`` would refuse, for the form to show side by side."""
    problems, received = {}, None
    if file:
        try:
            received = _received_on(actor, received_on, today)
        except DomainError as refusal:
            problems[refusal.field] = refusal.message
    return {**card_problems(unit, values, today, file, received), **problems}


def _received_on(actor, wanted: date | None, today: date) -> date:
    """Dealers file today; a head-office clerk digitising paper may give the receipt date (the
    card's dates must then not come after it: ``date_problems``)."""
    if wanted is None or not can_backdate_cards(actor):
        return today
    if wanted > today:
        raise DomainError(_("The receipt date cannot be in the future."), field="received_on")
    return wanted


def save_card(unit, values: dict, *, actor, today: date, file: bool,
              received_on: date | None = None, scan=None) -> WarrantyCard:
    """Record the sale (a draft) or file the card; filing fixes the receipt date and lateness."""
    card = unit.card
    if card is not None and card.status == CardStatus.FILED:
        raise CardConflict(_("This unit already has a filed warranty card."))
    received = _received_on(actor, received_on, today) if file else None
    _check(unit, values, today, filing=file, received_on=received)
    created = card is None
    if created:
        card = WarrantyCard(unit=unit, dealer_id=unit.dealer_id, created_by_id=actor.id)
        db.session.add(card)
    changes = audit.apply_changes(card, {k: values.get(k) or _blank(k) for k in CARD_FIELDS})
    if scan is not None:
        card.scan_path, card.scan_name, card.scan_type = scan.path, scan.name, scan.content_type
        changes["scan"] = (None, scan.name)
    if file:
        _file(card, actor, received, changes)
    audit.record("create" if created else "update", card, actor=actor,
                 from_state=None if created else CardStatus.DRAFT, to_state=card.status,
                 changes=changes)
    return card


def _blank(key: str):
    return None if key in ("invoice_date", "sale_date") else ""


def _file(card: WarrantyCard, actor, received_on: date, changes: dict) -> None:
    deadline = PolicySettings.current().card_deadline_days
    card.status = CardStatus.FILED
    card.received_on = received_on
    card.late_days = late_days(card.sale_date, received_on, deadline)
    card.filed_by_id, card.filed_at = actor.id, utcnow()
    changes.update(received_on=(None, received_on), late_days=(None, card.late_days))


def grant_exception(card: WarrantyCard, reason: str, *, actor) -> None:
    """Let the technical department recognise a late card, with the reason on record."""
    if not can_grant_card_exceptions(actor):
        raise DomainError(_("Your role is not allowed to do this."))
    if card.status != CardStatus.FILED or not card.is_late:
        raise DomainError(_("Only a late filed card needs an exception."))
    if card.exception_at:
        raise DomainError(_("An exception was already granted."))
    if not reason.strip():
        raise DomainError(_("Give a reason."), field="reason")
    card.exception_reason, card.exception_by_id = reason.strip(), actor.id
    card.exception_at = utcnow()
    audit.record("grant_exception", card, actor=actor, from_state="late",
                 to_state="recognised", reason=card.exception_reason)


def transfer_card(card: WarrantyCard, owner: dict, *, changed_on: date, today: date,
                  actor) -> None:
    """Pass the card to a new owner on resale; the warranty dates stay as they were."""
    if card.status != CardStatus.FILED:
        raise DomainError(_("Only a filed card can pass to a new owner."))
    if changed_on > today or changed_on < card.sale_date:
        raise DomainError(_("The resale date must lie between the first sale and today."),
                          field="changed_on")
    if owner.get("buyer_phone") and not mobile_ok(owner["buyer_phone"]):
        raise DomainError(_("Enter an 11-digit mobile number."), field="buyer_phone")
    previous = {k: getattr(card, k) for k in OWNER_FIELDS}
    changes = audit.apply_changes(card, {k: owner.get(k) or "" for k in OWNER_FIELDS})
    card.owners.append(CardOwnerChange(changed_on=changed_on, previous_owner=previous,
                                       new_owner={k: getattr(card, k) for k in OWNER_FIELDS},
                                       by_id=actor.id))
    audit.record("transfer", card, actor=actor, changes=changes,
                 reason=_("Resold on %(day)s", day=changed_on.isoformat()))


def cards_to_file(dealer_id: int, today: date, first: int | None = None
                  ) -> tuple[list[tuple[sa.Row, int]], int]:
    """A dealer's recorded sales whose card is not filed yet (unit id, serial, buyer, sale
    date), with the days left (negative: already late), most urgent first: the first
    ``first`` of them (all without it), and how many there are."""
    deadline = PolicySettings.current().card_deadline_days
    stmt = (sa.select(WarrantyCard.unit_id, Unit.serial, WarrantyCard.buyer_name,
                      WarrantyCard.sale_date, sa.func.count().over().label("total"))
            .join(Unit, Unit.id == WarrantyCard.unit_id)
            .where(WarrantyCard.dealer_id == dealer_id, WarrantyCard.status == CardStatus.DRAFT)
            .order_by(WarrantyCard.sale_date, WarrantyCard.id))
    drafts = db.session.execute(stmt if first is None else stmt.limit(first)).all()
    return ([(card, deadline - (today - card.sale_date).days) for card in drafts],
            drafts[0].total if drafts else 0)
