"""What each line of a claim costs, from the catalogue's tables; nothing is typed in but counts.

Parts: quantity × catalogue price (plus the configured mark-up). Labour: hours × the hourly rate
of the dealer's grade, hours defaulting to the fault code's standard for the model category.
Travel: the fee of the distance's band. Other costs: an amount, always with a reason.

Paid service (what lies outside the buyer's rights) is priced for the customer from the same
tables, without padding: parts at their retail (catalogue) price, never the warranty mark-up the
maker pays the dealer; labour at the standard hours unless the customer agreed to more, which the
line records; travel by band; no other costs.
"""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalog.models import FaultCode, LabourRate, Part, PolicySettings, TravelBand
from portal.claims.models import LineKind
from portal.core.db import money
from portal.core.errors import DomainError
from portal.extensions import db

HOURS = Decimal("0.01")


@dataclass
class Priced:
    """The columns of a claim line that the tables decide."""

    kind: LineKind
    amount: Decimal
    part: Part | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    fault_code: FaultCode | None = None
    hours: Decimal | None = None
    standard_hours: Decimal | None = None
    hourly_rate: Decimal | None = None
    km: int | None = None
    reason: str = ""


def part_price(part: Part, markup_percent: Decimal) -> Decimal:
    """The catalogue price with the mark-up, to the cent."""
    return money(part.price * (1 + Decimal(markup_percent) / 100))


def retail_price(part: Part) -> Decimal:
    """What a customer pays for a part: its catalogue price, without the warranty mark-up."""
    return money(part.price)


def reprice_part(line, paid: bool) -> None:
    """Price a part line for its payer: the customer at retail, the maker with the mark-up."""
    markup = PolicySettings.current().parts_markup_percent
    line.unit_price = retail_price(line.part) if paid else part_price(line.part, markup)
    line.amount = money(line.unit_price * line.quantity)


def hours_need_agreement(line) -> bool:
    """Labour above the fault's standard hours: a customer pays it only if he agreed to it."""
    return line.kind == LineKind.LABOUR and line.hours > line.standard_hours


def price_part(part: Part, quantity: int) -> Priced:
    if quantity is None or quantity < 1:
        raise DomainError(_("Enter a quantity of at least 1."), field="quantity")
    if quantity > 99:
        raise DomainError(_("A repair replaces at most 99 of one part."), field="quantity")
    unit_price = part_price(part, PolicySettings.current().parts_markup_percent)
    return Priced(LineKind.PART, money(unit_price * quantity), part=part, quantity=quantity,
                  unit_price=unit_price)


def price_labour(fault_code: FaultCode, category, grade, hours: Decimal | None,
                 reason: str) -> Priced:
    standard = fault_code.hours_for(category)
    if standard is None:
        raise DomainError(_("This fault code has no standard hours for the model's category."),
                          field="fault_code")
    rate = db.session.get(LabourRate, grade)
    if rate is None:
        raise DomainError(_("No labour rate is set for the dealer's grade."), field="hours")
    hours = standard if hours is None else Decimal(hours).quantize(HOURS)
    if hours <= 0:
        raise DomainError(_("Enter more than zero hours."), field="hours")
    if hours > standard and not reason.strip():
        raise DomainError(
            _("%(hours)s h is more than the standard %(standard)s h: give the reason.",
              hours=hours, standard=standard), field="reason")
    return Priced(LineKind.LABOUR, money(hours * rate.hourly_rate), fault_code=fault_code,
                  hours=hours, standard_hours=standard, hourly_rate=rate.hourly_rate,
                  reason=reason.strip() if hours > standard else "")


def travel_band(km: int) -> TravelBand | None:
    return db.session.scalar(
        sa.select(TravelBand).where(TravelBand.min_km <= km,
                                    sa.or_(TravelBand.max_km.is_(None), TravelBand.max_km > km))
        .order_by(TravelBand.min_km.desc()).limit(1))


def price_travel(km: int) -> Priced:
    if km is None or km < 0:
        raise DomainError(_("Enter the one-way distance in whole kilometres."), field="km")
    band = travel_band(km)
    if band is None:
        raise DomainError(_("No travel band covers %(km)d km.", km=km), field="km")
    return Priced(LineKind.TRAVEL, money(band.fee), km=km)


def price_other(amount: Decimal | None, reason: str) -> Priced:
    if amount is None or amount <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("Enter yuan with at most two decimal places."), field="amount")
    if not reason.strip():
        raise DomainError(_("Say what this cost is for."), field="reason")
    return Priced(LineKind.OTHER, money(amount), reason=reason.strip())
