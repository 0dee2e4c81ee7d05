"""The checks that catch bad or false claims, each a pass, a warning or a blocking problem.

They run while the dealer fills the record, so it sees what the technical department will see;
blocking checks prevent submission. Messages are plain words in the user's language.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalog.models import PolicySettings, part_models
from portal.claims.models import Claim, ClaimLine, ClaimStatus, LineKind
from portal.extensions import db
from portal.units.coverage_text import REASONS


class Level(StrEnum):
    PASS = "pass"
    WARNING = "warning"
    BLOCKING = "blocking"


@dataclass(frozen=True)
class Check:
    code: str
    level: Level
    message: str
    line: int | None = None  # the line's position, when the check is about one line

    def as_dict(self) -> dict:
        return {k: (str(v) if k == "level" else v) for k, v in asdict(self).items()}


# Claims that count as records of a repair: anything filed and not rejected outright.
COUNTED = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED,
           ClaimStatus.PARTLY_APPROVED)


@dataclass
class OtherClaim:
    """What the checks compare of another claim on the unit: its facts and the parts it
    replaced."""
    id: int
    number: str
    failure_date: date
    hour_meter: Decimal | None
    part_ids: set[int]


def other_claims(claim: Claim) -> list[OtherClaim]:
    """The unit's other filed, not rejected claims with the parts they replaced, oldest failure
    first: one query of the columns compared (a claim repeats once per part line)."""
    stmt = (sa.select(Claim.id, Claim.number, Claim.failure_date, Claim.hour_meter,
                      ClaimLine.part_id)
            .outerjoin(ClaimLine, sa.and_(ClaimLine.claim_id == Claim.id,
                                          ClaimLine.part_id.is_not(None)))
            .where(Claim.unit_id == claim.unit_id, Claim.status.in_(COUNTED))
            .order_by(Claim.failure_date, Claim.id))
    if claim.id is not None:
        stmt = stmt.where(Claim.id != claim.id)
    found: dict[int, OtherClaim] = {}
    for claim_id, number, failure_date, hour_meter, part_id in db.session.execute(stmt):
        other = found.get(claim_id)
        if other is None:
            other = found[claim_id] = OtherClaim(claim_id, number, failure_date, hour_meter,
                                                 set())
        if part_id is not None:
            other.part_ids.add(part_id)
    return list(found.values())


# Checks another domain adds, each ``check(claim, today)`` yielding Checks, run last: the held
# dealer (``portal.workflow.claims.held_check``, which reads the owed old parts).
EXTRA_CHECKS: list = []


def run_checks(claim: Claim, today: date) -> list[Check]:
    """Every check, in a fixed order; lines must already carry their coverage."""
    policy = PolicySettings.current()
    others = other_claims(claim)
    return [
        *_signature(claim), *_lines(claim), *_dates(claim, today, policy.late_claim_days),
        *_card(claim), *_before_sale(claim), *_same_day(claim, others),
        *_duplicates(claim, others, policy.duplicate_window_days),
        *_hour_meter(claim, others), *_running_in(claim), *_fit(claim), *_labour(claim),
        *_coverage(claim), *(check for extra in EXTRA_CHECKS for check in extra(claim, today)),
    ]


def blocking(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.level == Level.BLOCKING]


def all_pass(checks: list[Check]) -> bool:
    return all(c.level == Level.PASS for c in checks)


def _signature(claim):
    if claim.signature is None:
        yield Check("signature", Level.BLOCKING,
                    _("The customer has not signed: draw the signature or attach the signed "
                      "paper record."))
    else:
        yield Check("signature", Level.PASS, _("The customer's signature is attached."))


def _lines(claim):
    if not [line for line in claim.lines if not line.paid_service]:
        yield Check("lines", Level.BLOCKING,
                    _("There is nothing to claim: add a part, labour, travel or other cost."))


def _dates(claim, today, late_days):
    if claim.handed_in_on is None or claim.completed_on is None:
        yield Check("completed", Level.BLOCKING,
                    _("Enter the hand-in and completion dates: only a finished repair is "
                      "claimed."))
        return
    waited = (today - claim.completed_on).days
    if waited > late_days:
        yield Check("filed_late", Level.BLOCKING,
                    _("The repair was completed %(days)d days ago; claims must be filed within "
                      "%(limit)d days.", days=waited, limit=late_days))
    else:
        yield Check("filed_late", Level.PASS,
                    _("Filed %(days)d days after completion (limit %(limit)d).", days=waited,
                      limit=late_days))


def _card(claim):
    """The card decides who pays, never whether the buyer is covered (第四条, 第五条): only a
    unit with no sale recorded blocks, since nothing dates the buyer's rights."""
    card = claim.unit.card
    if card is None:
        yield Check("card", Level.BLOCKING,
                    _("No sale is recorded for this unit, so nothing dates the buyer's rights: "
                      "record the sale from the buyer's invoice, or record the work as paid "
                      "service."))
    elif card.status != "filed":
        yield Check("card", Level.WARNING,
                    _("The warranty card has not been filed: the repair is free to the buyer, "
                      "but the maker does not reimburse it."))
    elif not card.recognised:
        yield Check("card", Level.WARNING,
                    _("The warranty card was filed %(days)d days late and has not been excused "
                      "by the technical department: the repair is free to the buyer, but the "
                      "maker does not reimburse it.", days=card.late_days))
    else:
        yield Check("card", Level.PASS, _("The warranty card was filed on time or excused."))


def _before_sale(claim):
    card = claim.unit.card
    if card is None:
        return
    if claim.failure_date < card.sale_date:
        yield Check("before_sale", Level.BLOCKING,
                    _("The failure date %(failure)s is before the sale on %(sale)s.",
                      failure=claim.failure_date.isoformat(), sale=card.sale_date.isoformat()))
    else:
        yield Check("before_sale", Level.PASS, _("The failure happened after the sale."))


def _same_day(claim, others):
    same = [o.number for o in others if o.failure_date == claim.failure_date]
    if same:
        yield Check("same_day", Level.WARNING,
                    _("This unit already has a repair record for the same day: %(numbers)s.",
                      numbers=", ".join(same)))
    else:
        yield Check("same_day", Level.PASS, _("No other repair record of this unit that day."))


def _duplicates(claim, others, window_days):
    window = timedelta(days=window_days)
    for line in claim.lines:
        if line.kind != LineKind.PART or line.part_id is None:
            continue
        earlier = [o.number for o in others
                   if abs(o.failure_date - claim.failure_date) <= window
                   and line.part_id in o.part_ids]
        if earlier:
            yield Check("duplicate", Level.WARNING,
                        _("Part %(part)s of this unit was already claimed within %(days)d days: "
                          "%(numbers)s.", part=line.part.part_number, days=window_days,
                          numbers=", ".join(earlier)), line.position)
        else:
            yield Check("duplicate", Level.PASS,
                        _("Part %(part)s not claimed for this unit in the last %(days)d days.",
                          part=line.part.part_number, days=window_days), line.position)


def _hour_meter(claim, others):
    if claim.hour_meter is None:
        yield Check("hour_meter", Level.BLOCKING, _("Enter the hour-meter reading."))
        return
    earlier = [o for o in others if o.hour_meter is not None
               and (o.failure_date, o.id) < (claim.failure_date, claim.id or 10**12)]
    highest = max(earlier, key=lambda o: o.hour_meter, default=None)
    if highest is not None and highest.hour_meter > claim.hour_meter:
        yield Check("hour_meter", Level.BLOCKING,
                    _("The hour meter reads %(now)s h, lower than the %(then)s h of the earlier "
                      "record %(number)s.", now=claim.hour_meter, then=highest.hour_meter,
                      number=highest.number))
    else:
        yield Check("hour_meter", Level.PASS,
                    _("The hour-meter reading is not below any earlier reading."))


def _running_in(claim):
    limit = claim.unit.model.running_in_hours
    if claim.hour_meter is not None and limit and claim.hour_meter <= limit:
        yield Check("running_in", Level.WARNING,
                    _("The failure came within the %(hours)d running-in hours: check the machine "
                      "was not worked hard while running in.", hours=limit))


def _fit(claim):
    model_id = claim.unit.model_id
    lines = [line for line in claim.lines
             if line.kind == LineKind.PART and line.part is not None]
    if not lines:
        return
    # Which of the lines' parts are listed for the model: one query, not one per part.
    fitting = set(db.session.scalars(sa.select(part_models.c.part_id).where(
        part_models.c.model_id == model_id,
        part_models.c.part_id.in_({line.part.id for line in lines}))))
    for line in lines:
        if line.part.id not in fitting:
            yield Check("part_fit", Level.BLOCKING,
                        _("Part %(part)s does not fit model %(model)s.",
                          part=line.part.part_number, model=claim.unit.model.code),
                        line.position)


def _labour(claim):
    for line in claim.lines:
        if line.kind != LineKind.LABOUR:
            continue
        if line.hours > line.standard_hours:
            yield Check("labour", Level.WARNING,
                        _("%(hours)s h of labour is above the standard %(standard)s h: "
                          "%(reason)s", hours=line.hours, standard=line.standard_hours,
                          reason=line.reason), line.position)
        else:
            yield Check("labour", Level.PASS,
                        _("%(hours)s h is within the standard %(standard)s h.", hours=line.hours,
                          standard=line.standard_hours), line.position)


def _coverage(claim):
    """Each line's two answers: paid service, covered and reimbursed, covered for the buyer
    but not reimbursed to the dealer, or not covered."""
    for line in claim.lines:
        if line.paid_service:
            yield Check("coverage", Level.PASS,
                        _("Paid service: the customer pays this line."), line.position)
        elif line.reimbursed:
            yield Check("coverage", Level.PASS, _("Covered by the warranty."), line.position)
        elif line.covered:
            yield Check("not_reimbursed", Level.WARNING,
                        _("Covered for the buyer, not reimbursed to the dealer: %(why)s The "
                          "repair is free to the customer and is not claimed from the maker.",
                          why=_words(line.not_reimbursed)), line.position)
        else:
            yield Check("coverage", Level.WARNING,
                        _("Not covered: %(why)s It will be rejected unless you make it paid "
                          "service.", why=_words(line.not_covered)), line.position)


def _words(codes) -> str:
    return " ".join(str(REASONS.get(code, code)) for code in codes)
