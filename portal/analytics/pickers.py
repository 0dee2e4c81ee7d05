"""The failure overview's typed pickers of a part and of a selling dealer: a search box beside a
short <select> of what matches it, where a <select> of every active part (800) and every dealer
(1,000) was half the page's HTML and a third of its time.

The filter is the select's ``part_id`` / ``dealer_id`` as before; the box is ``part_q`` /
``dealer_q``. Without JavaScript the form sends the words typed: a single match is taken as the
choice, several are offered in the select to choose from. With htmx the select follows the
typing (``analytics.part_choices``, ``analytics.dealer_choices``). Dealers are those the user
may see (``portal.dealers.scope``), as the select offered.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup

from portal.catalog.models import Part
from portal.core.options import options
from portal.dealers.scope import find_dealers, visible_dealer_row
from portal.extensions import db

OFFERED = 20  # matches offered at once; more is "type more"


@dataclass
class Picker:
    kind: str  # "part" or "dealer": the filter is <kind>_id, the search box <kind>_q
    q: str = ""
    chosen: int | None = None
    rows: list = field(default_factory=list)  # (id, text) offered beside "all"
    found: int = 0  # matches of ``q``, counted up to OFFERED + 1

    @property
    def options(self) -> Markup:
        return options(self.rows, self.chosen)

    @property
    def note(self) -> str:
        """What the search found, when it is not simply the choice."""
        if not self.q or (self.found == 1 and self.chosen is not None):
            return ""
        if not self.found:
            return _("Nothing matches “%(q)s”.", q=self.q)
        if self.found > OFFERED:
            return _("More than %(n)d match: the first %(n)d are offered; type more to narrow.",
                     n=OFFERED)
        return _("%(n)d match: choose one, then Show.", n=self.found)


def _part_rows(where, limit: int | None = None) -> list[tuple[int, str]]:
    stmt = (sa.select(Part.id, Part.part_number, Part.name, Part.key_part).where(where)
            .order_by(Part.key_part.desc(), Part.part_number).limit(limit))
    return [(p.id, f"{p.part_number} {p.name}{' ★' * p.key_part}")
            for p in db.session.execute(stmt)]


def find_parts(q: str, limit: int) -> list[tuple[int, str]]:
    """Active parts whose number starts with ``q`` or whose name holds it, key parts first."""
    return _part_rows(sa.and_(Part.is_active, Part.matching(q)), limit)


def _pick(picker: Picker, find, row_of, scoped: bool = False) -> Picker:
    """Fill ``picker`` (its q and chosen id as asked): the matches of q, one match taken as the
    choice, the chosen one offered even when q does not match it. When ``row_of`` does not
    know the chosen id it is offered no row, and with ``scoped`` (a dealer the user may not
    see) it is no choice."""
    found = find(picker.q, OFFERED + 1) if picker.q else []
    picker.found, picker.rows = len(found), found[:OFFERED]
    if picker.chosen is None and len(found) == 1:
        picker.chosen = found[0][0]
    if picker.chosen is not None and picker.chosen not in {r[0] for r in picker.rows}:
        row = row_of(picker.chosen)
        if row is not None:
            picker.rows.insert(0, row)
        elif scoped:
            picker.chosen = None
    return picker


def part_picker(q: str, part_id: int | None) -> Picker:
    """The part picker for the box's words ``q`` and the part asked for (any part id, as the
    filter always took: a link may name a part no longer active)."""
    return _pick(Picker("part", q, part_id), find_parts,
                 lambda part_id: next(iter(_part_rows(Part.id == part_id)), None))


def dealer_picker(user, q: str, dealer_id: int | None) -> Picker:
    """The selling-dealer picker among the dealers ``user`` may see (a dealer not among them is
    no choice)."""
    def row_of(dealer_id):
        row = visible_dealer_row(user, dealer_id)
        return None if row is None else _text(row)

    return _pick(Picker("dealer", q, dealer_id),
                 lambda q, limit: [_text(d) for d in find_dealers(user, q, limit)], row_of,
                 scoped=True)


def _text(dealer) -> tuple[int, str]:
    return dealer.id, f"{dealer.code} {dealer.name}"
