"""Write operations on the catalogue and policy; every change goes to the audit trail."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalog.models import (
    FaultCode,
    FaultHours,
    FaultSeverity,
    LabourRate,
    LegalMinimum,
    ModelCategory,
    Part,
    PartKind,
    PolicySettings,
    ProductModel,
    Season,
    TravelBand,
)
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.versioning import LATEST, check_version
from portal.extensions import db

MODEL_FIELDS = ("code", "name", "category", "whole_months", "main_parts_months",
                "wear_parts_months", "running_in_hours", "main_parts_named", "is_active")
# Set when given: the dealer price (经销价) comes from the form always, from an import or the
# API only when they carry it (an older sheet or call leaves the price as it is).
OPTIONAL_MODEL_FIELDS = ("dealer_price",)
MAX_PRICE = Decimal(10_000_000)
PART_FIELDS = ("part_number", "name", "kind", "price", "return_required", "warranty_months",
               "supplier", "is_active")
# Set when given: watched and key_part on the form only, season_consumption on the form and
# in imports; the API leaves them alone.
OPTIONAL_PART_FIELDS = ("watched", "season_consumption", "key_part")


def legal_problems(category: ModelCategory, whole: int, main: int, wear: int | None = None
                   ) -> dict:
    """Fields where a model's periods fall below the legal minimum of its category
    (《农业机械产品修理、更换、退货责任规定》2010 第二十四条 and 附件1); a wear period of 0 states
    no period at all, which the same article requires the maker to state."""
    legal = db.session.get(LegalMinimum, category)
    problems = {}
    if wear is not None and wear < 1:
        problems["wear_parts_months"] = _("State a period of at least one month.")
    if legal is None:
        return problems
    if whole < legal.whole_months:
        problems["whole_months"] = _(
            "The legal minimum for this category is %(n)d months.", n=legal.whole_months)
    if legal.main_parts_months and main < legal.main_parts_months:
        problems["main_parts_months"] = _(
            "The legal minimum for this category is %(n)d months.", n=legal.main_parts_months)
    if main < whole:
        problems.setdefault("main_parts_months", _(
            "Main parts cannot be covered for less than the whole machine."))
    return problems


def dealer_price_problem(price) -> str | None:
    """Why a model's dealer price (经销价) cannot be taken, or None: none is allowed (then an
    exchange or refund of the model cannot be settled until it is set), else more than 0 yuan
    with at most two decimals."""
    if price is None:
        return None
    if not price.is_finite() or price <= 0 or price >= MAX_PRICE:
        return _("Enter a price above 0 yuan, below 10 million.")
    if price.as_tuple().exponent < -2:
        return _("At most two decimal places.")
    return None


def part_problems(kind, months: int | None, models) -> dict:
    """Where a part's own period breaks the law (2010 第二十四条): 0 months states no period; a
    main part's own period may not be shorter than the legal main-part minimum of the category
    of any model it fits. None means the part follows its kind's clock on the model."""
    if months is None:
        return {}
    if months < 1:
        return {"warranty_months": _("State a period of at least one month, or leave it empty "
                                     "to use the model's period.")}
    if PartKind(kind) != PartKind.MAIN:
        return {}
    floor = _main_part_floor({m.category for m in models})
    if floor is not None and months < floor.main_parts_months:
        return {"warranty_months": _(
            "The legal minimum for a main part of a %(category)s is %(n)d months.",
            category=floor.category.title, n=floor.main_parts_months)}
    return {}


def _main_part_floor(categories) -> LegalMinimum | None:
    """The legal row with the longest main-part minimum among ``categories``."""
    rows = db.session.scalars(sa.select(LegalMinimum).where(
        LegalMinimum.category.in_(categories), LegalMinimum.main_parts_months.is_not(None))
        .order_by(LegalMinimum.main_parts_months.desc())).all() if categories else []
    return rows[0] if rows else None


def _short_main_parts(model: ProductModel | None, category) -> list[Part]:
    """The main parts fitting ``model`` whose own period the new category's law would break."""
    legal = db.session.get(LegalMinimum, category)
    if model is None or model.id is None or legal is None or not legal.main_parts_months:
        return []
    return list(db.session.scalars(sa.select(Part).where(
        Part.models.any(ProductModel.id == model.id), Part.kind == PartKind.MAIN,
        Part.warranty_months < legal.main_parts_months).order_by(Part.part_number)))


def _raise_first(problems: dict) -> None:
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)


def _check_model(model: ProductModel | None, values: dict) -> None:
    category = ModelCategory(values["category"])
    if problem := dealer_price_problem(values.get("dealer_price")):
        raise DomainError(problem, field="dealer_price")
    _raise_first(legal_problems(category, values["whole_months"], values["main_parts_months"],
                                values["wear_parts_months"]))
    if short := _short_main_parts(model, category):
        raise DomainError(_("Main parts fitting this model have an own period below the legal "
                            "minimum of this category: %(parts)s.",
                            parts=", ".join(p.part_number for p in short)), field="category")


def save_model(model: ProductModel | None, values: dict, *, actor, version=LATEST) -> ProductModel:
    """Create a product model (model None) or change one; periods may not go below the law."""
    _check_model(model, values)
    if model is not None:
        check_version(model, version)
    fields = (*MODEL_FIELDS, *(k for k in OPTIONAL_MODEL_FIELDS if k in values))
    return audit.create_or_update(ProductModel, model, {k: values[k] for k in fields},
                                  actor=actor)


def save_part(part: Part | None, values: dict, models: list[ProductModel], *, actor,
              version=LATEST) -> Part:
    """Create a part (part None) or change one, including the models it fits; its own period
    may not break the law on any of them (``part_problems``)."""
    _raise_first(part_problems(values["kind"], values.get("warranty_months"), models))
    if part is None:
        part = Part(**{k: values[k] for k in (*PART_FIELDS, *OPTIONAL_PART_FIELDS)
                       if k in values})
        part.models = list(models)
        db.session.add(part)
        changes = {k: (None, values[k]) for k in (*PART_FIELDS, *OPTIONAL_PART_FIELDS)
                   if k in values}
        changes["models"] = (None, sorted(m.code for m in models))
        audit.record("create", part, actor=actor, changes=changes)
        return part
    check_version(part, version)
    changes = audit.apply_changes(part, {k: values[k] for k in (*PART_FIELDS,
                                                                *OPTIONAL_PART_FIELDS)
                                         if k in values})
    before, after = sorted(m.code for m in part.models), sorted(m.code for m in models)
    if before != after:
        part.models = list(models)
        changes["models"] = (before, after)
    if changes:
        audit.record("update", part, actor=actor, changes=changes)
    return part


def save_fault_code(fault: FaultCode | None, values: dict, hours: dict, *, actor) -> FaultCode:
    """Create or change a fault code with its standard hours per model category."""
    created = fault is None
    if created:
        fault = FaultCode(**{"watched": False, "severity": FaultSeverity.GENERAL, **values})
        db.session.add(fault)
        changes = {k: (None, v) for k, v in values.items()}
    else:
        changes = audit.apply_changes(fault, values)
    existing = {h.category: h for h in fault.hours}
    for category, value in hours.items():
        row = existing.get(category)
        old = row.standard_hours if row else None
        if value is None and row is not None:
            fault.hours.remove(row)
        elif value is not None and row is None:
            fault.hours.append(FaultHours(category=category, standard_hours=value))
        elif row is not None and value is not None and row.standard_hours != value:
            row.standard_hours = value
        if (old is None) != (value is None) or (old is not None and old != value):
            changes[f"hours_{category.value}"] = (old, value)
    if changes:
        audit.record("create" if created else "update", fault, actor=actor, changes=changes)
    return fault


def save_labour_rates(rates: dict, *, actor) -> None:
    """Set the hourly labour rate of each dealer grade."""
    for grade, value in rates.items():
        row = db.session.get(LabourRate, grade)
        if row is None:
            row = LabourRate(grade=grade, hourly_rate=value)
            db.session.add(row)
            audit.record("create", row, actor=actor, changes={"hourly_rate": (None, value)})
        elif changes := audit.apply_changes(row, {"hourly_rate": value}):
            audit.record("update", row, actor=actor, changes=changes)


def _check_band_overlap(band: TravelBand | None, min_km: int, max_km: int | None) -> None:
    others = db.session.scalars(
        sa.select(TravelBand).where(TravelBand.id != (band.id if band else -1))
    ).all()
    upper = max_km if max_km is not None else float("inf")
    for other in others:
        other_upper = other.max_km if other.max_km is not None else float("inf")
        if min_km < other_upper and other.min_km < upper:
            raise DomainError(
                _("Overlaps the band %(band)s.", band=other.audit_label), field="min_km")


def save_travel_band(band: TravelBand | None, values: dict, *, actor) -> TravelBand:
    """Create or change a travel-fee band; bands may not overlap."""
    _check_band_overlap(band, values["min_km"], values["max_km"])
    return audit.create_or_update(TravelBand, band, values, actor=actor)


def delete_travel_band(band: TravelBand, *, actor) -> None:
    audit.record("delete", band, actor=actor,
                 changes={"min_km": (band.min_km, None), "max_km": (band.max_km, None),
                          "fee": (band.fee, None)})
    db.session.delete(band)


def save_policy(values: dict, *, actor) -> PolicySettings:
    """Change the maker's policy settings."""
    policy = PolicySettings.current()
    if policy not in db.session:
        db.session.add(policy)
    if changes := audit.apply_changes(policy, values):
        audit.record("update", policy, actor=actor, changes=changes)
    return policy


def save_season(season: Season | None, values: dict, *, actor) -> Season:
    """Create or change an operating or selling season."""
    return audit.create_or_update(Season, season, values, actor=actor)


def delete_season(season: Season, *, actor) -> None:
    audit.record("delete", season, actor=actor, changes={"name": (season.name, None)})
    db.session.delete(season)


def save_legal_minimum(legal: LegalMinimum, values: dict, *, actor) -> None:
    """Change the legal-minimum periods of a category (e.g. after a new regulation)."""
    if changes := audit.apply_changes(legal, values):
        audit.record("update", legal, actor=actor, changes=changes)
