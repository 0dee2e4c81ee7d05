"""What the early warning counts in the database: the key parts' units in service and their
failures, by batch, model, half-year of sale and age (``portal.quality.stats.Counts``).

Two grouped queries, never one per unit or pair: units by (model, batch, sale day) and failures
by (part, model, batch, sale day, failure day); the day arithmetic is done here in Python, so
it works alike on SQLite and PostgreSQL. A unit counts from its sale (the sale day is its first
day in service) while its warranty card is in force; a failure counts on such a unit only, so
the failures and the time in service are of the same units.
"""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from portal.catalog.models import Part, part_models
from portal.claims.models import Claim, ClaimLine, ClaimStatus, Decision, LineKind
from portal.extensions import db
from portal.quality.stats import Counts, band_days, band_of, half_year
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

# A failure: a claim past draft and not rejected outright (the shared definition).
FAILURE_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
                    ClaimStatus.PARTLY_APPROVED)


def key_part_ids() -> list[int]:
    return list(db.session.scalars(
        sa.select(Part.id).where(Part.key_part.is_(True), Part.is_active.is_(True))))


def in_force():
    """The join condition of a unit's warranty card in force (at most one per unit)."""
    return sa.and_(WarrantyCard.unit_id == Unit.id, WarrantyCard.status != CardStatus.VOID)


def failure_lines(part_ids):
    """The conditions of a claim line that counts as a failure of one of ``part_ids``."""
    return (ClaimLine.part_id.in_(part_ids), ClaimLine.kind == LineKind.PART,
            ClaimLine.decision != Decision.REJECTED, Claim.status.in_(FAILURE_STATUSES))


def count(as_of: date, part_ids) -> Counts:
    """The counts of ``part_ids`` up to and including ``as_of``."""
    part_ids = list(part_ids)
    counts = Counts()
    _count_service(counts, as_of, part_ids)
    _count_failures(counts, as_of, part_ids)
    return counts


def _parts_of_models(part_ids) -> dict[int, list[int]]:
    fits = defaultdict(list)
    for part_id, model_id in db.session.execute(
            sa.select(part_models.c.part_id, part_models.c.model_id)
            .where(part_models.c.part_id.in_(part_ids))
            .order_by(part_models.c.part_id)):
        fits[model_id].append(part_id)
    return fits


def _count_service(counts: Counts, as_of: date, part_ids) -> None:
    """Units sold and unit-days in service per band, first per (model, batch, half-year), then
    handed to every key part the model has."""
    fits = _parts_of_models(part_ids)
    rows = db.session.execute(
        sa.select(Unit.model_id, Unit.batch, WarrantyCard.sale_date, sa.func.count())
        .join(WarrantyCard, in_force())
        .where(Unit.model_id.in_(list(fits)), WarrantyCard.sale_date <= as_of)
        .group_by(Unit.model_id, Unit.batch, WarrantyCard.sale_date))
    days, units, reached = defaultdict(int), defaultdict(int), defaultdict(int)
    for model_id, batch, sale_date, n in rows:
        in_service = (as_of - sale_date).days + 1
        period = half_year(sale_date)
        units[model_id, batch] += n
        for band, spent in enumerate(band_days(in_service)):
            if spent:
                days[model_id, batch, period, band] += n * spent
                reached[model_id, batch, band] += n
    for (model_id, batch, period, band), spent in days.items():
        for part_id in fits[model_id]:
            counts.days[part_id, batch, model_id, period, band] += spent
    for (model_id, batch), n in units.items():
        for part_id in fits[model_id]:
            counts.units[part_id, batch] += n
    for (model_id, batch, band), n in reached.items():
        for part_id in fits[model_id]:
            counts.reached[part_id, batch, band] += n


def _count_failures(counts: Counts, as_of: date, part_ids) -> None:
    """The quantity of each key part on failures dated up to ``as_of``, by the age of its unit
    at the failure (one dated before the sale counts at age 0)."""
    rows = db.session.execute(
        sa.select(ClaimLine.part_id, Unit.model_id, Unit.batch, WarrantyCard.sale_date,
                  Claim.failure_date, sa.func.sum(ClaimLine.quantity))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(Unit, Unit.id == Claim.unit_id)
        .join(WarrantyCard, in_force())
        .where(*failure_lines(part_ids), Claim.failure_date <= as_of,
               WarrantyCard.sale_date <= as_of)
        .group_by(ClaimLine.part_id, Unit.model_id, Unit.batch, WarrantyCard.sale_date,
                  Claim.failure_date))
    for part_id, model_id, batch, sale_date, failure_date, quantity in rows:
        band = band_of((failure_date - sale_date).days)
        counts.failed[part_id, batch, model_id, half_year(sale_date), band] += int(quantity or 0)

