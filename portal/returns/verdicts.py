"""The technical department's 鉴定 with its photos, and the parts waiting for one."""

from datetime import date

import sqlalchemy as sa

from portal.catalog.models import Part
from portal.claims.search import searched_claims
from portal.core import audit
from portal.core.uploads import StoredFile
from portal.core.versioning import LATEST, check_version
from portal.dealers.models import Dealer
from portal.returns.models import OwedPart, VerdictPhoto
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


def listed(stmt, part: str = "", dealer: str = "", q: str = ""):
    """Filter by the start of a part or dealer code, and by the claims' search
    (``portal.claims.search``); what a row shows of the part's records is
    ``scope.owed_rows_shown``."""
    stmt = searched_claims(stmt, q, OwedPart.claim_id)
    if part:
        stmt = stmt.where(OwedPart.part_id.in_(
            sa.select(Part.id).where(Part.part_number.startswith(part))))
    if dealer:
        stmt = stmt.where(OwedPart.dealer_id.in_(
            sa.select(Dealer.id).where(Dealer.code.startswith(dealer))))
    return stmt



