"""Write operations and rules for units."""

from datetime import date

from flask_babel import gettext as _

from portal.core import audit
from portal.core.errors import DomainError
from portal.units.coverage import (
    CardTerms,
    Clock,
    Coverage,
    ModelTerms,
    PartTerms,
    Period,
    coverage,
    extension_days,
    warranty_period,
)
from portal.units.models import Unit

UNIT_FIELDS = ("serial", "model_id", "engine_no", "frame_no", "production_date", "batch",
               "dealer_id", "shipped_on", "delivery_note_no", "delivery_confirmed")


def unit_problems(values: dict, today: date) -> dict:
    """Fields of a unit whose dates contradict each other or the calendar."""
    problems = {}
    produced, shipped = values.get("production_date"), values.get("shipped_on")
    if produced and produced > today:
        problems["production_date"] = _("The production date cannot be in the future.")
    if shipped and shipped > today:
        problems["shipped_on"] = _("The shipping date cannot be in the future.")
    elif shipped and produced and shipped < produced:
        problems["shipped_on"] = _("A unit cannot be shipped before it was produced.")
    return problems


def coverage_for(unit, part, on: date, *, exclude_claim_id: int | None = None) -> Coverage:
    """Apply the coverage rules to a unit's records: its model, its filed card, a part.

    Warranty repairs handed in before the failure extend the clocks by the days they took; a
    claim being judged does not extend its own coverage.
    """
    from portal.claims.repairs import warranty_repairs

    model = unit.model
    terms = ModelTerms(whole_months=model.whole_months, main_months=model.main_parts_months,
                       wear_months=model.wear_parts_months)
    card = unit.card
    card_terms = None
    if card is not None and card.status == "filed":
        card_terms = CardTerms(invoice_date=card.invoice_date or card.sale_date,
                               sale_date=card.sale_date, recognised=card.recognised)
    part_terms = None
    if part is not None:
        part_terms = PartTerms(part_number=part.part_number, kind=part.kind.value,
                               own_months=part.warranty_months,
                               fits_model=any(m.id == model.id for m in part.models))
    repairs = warranty_repairs(unit.id, before=on, exclude_claim_id=exclude_claim_id)
    return coverage(model=terms, card=card_terms, failure_date=on, part=part_terms,
                    repairs=repairs)


def save_unit(unit, values: dict, *, actor, today: date):
    """Create a unit (unit None) or update one, refusing impossible dates."""
    for field, message in unit_problems(values, today).items():
        raise DomainError(message, field=field)
    old_model_id = unit.model_id if unit is not None else None
    saved = audit.create_or_update(Unit, unit, values, actor=actor)
    if old_model_id is not None and saved.model_id != old_model_id:
        from portal.finance.cost_totals import move_unit  # the cost report counts by model
        move_unit(saved.id, old_model_id, saved.model_id)
    return saved


def clocks_for(unit) -> list[tuple[Clock, int, Period]]:
    """The unit's three clocks (whole machine, main parts, wear parts) when its card is filed,
    each extended by the unit's warranty repairs."""
    from portal.claims.repairs import warranty_repairs

    card = unit.card
    if card is None or card.status != "filed":
        return []
    start = card.invoice_date or card.sale_date
    model = unit.model
    extension = extension_days(warranty_repairs(unit.id))
    return [(clock, months, warranty_period(start, months, extension)) for clock, months in (
        (Clock.WHOLE, model.whole_months), (Clock.MAIN, model.main_parts_months),
        (Clock.WEAR, model.wear_parts_months))]
