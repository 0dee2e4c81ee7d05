"""The technical department's 鉴定 with its photos, and the parts waiting for one."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.catalog.models import Part
from portal.core import audit
from portal.core.uploads import StoredFile
from portal.core.versioning import LATEST, check_version
from portal.dealers.models import Dealer
from portal.dealers.scope import scope
from portal.returns.models import TO_COME_BACK, OwedPart, OwedStatus, VerdictPhoto
from portal.returns.owed import record_verdict


def adjudicate(owed: OwedPart, values: dict, photos: list[StoredFile], *, actor, today: date,
               version=LATEST) -> None:
    """Record the verdict (which changes the claim line) and keep its photos, all or none."""
    check_version(owed, version)
    record_verdict(owed, values["verdict"], actor=actor, today=today,
                   cause_code_id=values.get("cause_code_id"), cause=values.get("cause", ""),
                   destination=values.get("destination"))
    for kept in photos:
        owed.photos.append(VerdictPhoto(path=kept.path, name=kept.name, size=kept.size,
                                        content_type=kept.content_type, uploaded_by_id=actor.id))
    if photos:
        audit.record("attach", owed, actor=actor,
                     changes={"photo": (None, ", ".join(p.name for p in photos))})


def _listed(stmt, part: str, dealer: str):
    """Load what a row shows in fixed queries; filter by the start of a part or dealer code."""
    stmt = stmt.options(selectinload(OwedPart.claim), selectinload(OwedPart.line),
                        selectinload(OwedPart.part), selectinload(OwedPart.dealer),
                        selectinload(OwedPart.unit))
    if part:
        stmt = stmt.where(OwedPart.part_id.in_(
            sa.select(Part.id).where(Part.part_number.startswith(part))))
    if dealer:
        stmt = stmt.where(OwedPart.dealer_id.in_(
            sa.select(Dealer.id).where(Dealer.code.startswith(dealer))))
    return stmt


def awaiting_verdict(user, *, part: str = "", dealer: str = ""):
    """A SELECT of received parts with no verdict yet of the dealers ``user`` sees (None: of
    every dealer); sort by received_on, oldest first."""
    stmt = sa.select(OwedPart).where(OwedPart.status == OwedStatus.RECEIVED,
                                     OwedPart.verdict.is_(None))
    return _listed(scope(stmt, OwedPart.dealer_id, user), part, dealer)


def past_due(user, today: date, *, part: str = "", dealer: str = ""):
    """A SELECT of parts still owed (or on their way) after their return date, no verdict, of
    the dealers ``user`` sees (None: of every dealer). Sorted by (due_on, id) it reads the
    partial index ix_owed_parts_to_come_due in order."""
    stmt = sa.select(OwedPart).where(
        OwedPart.status.in_([sa.literal_column(f"'{s.value}'") for s in TO_COME_BACK]),
        OwedPart.verdict.is_(None), OwedPart.due_on < today)
    return _listed(scope(stmt, OwedPart.dealer_id, user), part, dealer)

