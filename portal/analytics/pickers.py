"""The failure overview's typed part picker: a search box beside a short <select> of the parts
that match it, where a <select> of every active part (800) was much of the page's HTML and time.
It is the dealer pickers' Picker (portal.dealers.pickers, templates/_picker.html): the filter is
the select's ``part_id``, the box ``part_q``; its select follows the typing through
``analytics.part_choices``.
"""

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from portal.catalog.models import Part
from portal.dealers.pickers import Picker, pick
from portal.extensions import db


def _part_rows(where, limit: int | None = None) -> list[tuple[int, str]]:
    stmt = (sa.select(Part.id, Part.part_number, Part.name, Part.key_part).where(where)
            .order_by(Part.key_part.desc(), Part.part_number).limit(limit))
    return [(p.id, f"{p.part_number} {p.name}{' ★' * p.key_part}")
            for p in db.session.execute(stmt)]


def find_parts(q: str, limit: int) -> list[tuple[int, str]]:
    """Active parts whose number starts with ``q`` or whose name holds it, key parts first."""
    return _part_rows(sa.and_(Part.is_active, Part.matching(q)), limit)


def part_picker(q: str, part_id: int | None) -> Picker:
    """The part picker for the box's words ``q`` and the part asked for (any part id, as the
    filter always took: a link may name a part no longer active)."""
    picker = Picker("part_id", "part_q", url_for("analytics.part_choices"), _("Part"),
                    _("Find a part"), _("Part number or name"), _("All parts"), q, part_id)
    return pick(picker, find_parts,
                lambda part_id: next(iter(_part_rows(Part.id == part_id)), None))
