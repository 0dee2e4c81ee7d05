"""The rules a unit's own record obeys (saving it: ``portal.finance.cost_totals.save_unit``;
its coverage: ``portal.claims.repairs``)."""

from datetime import date

from flask_babel import gettext as _

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
