"""Typed pickers: a search box beside a short <select> of what matches it, where a <select> of
every dealer (1,000 at the bench scale) was much of a page's HTML and time, and grew with the
dealer table.

The choice is the select's value as before (a list's ``dealer``, a form's ``dealer_id``); the
box is ``dealer_q``. Without JavaScript the form sends the words typed: a single match is taken
as the choice, several are offered in the select to choose from. With htmx the select follows
the typing (``dealers.choices``). Dealers are those the user may see (``portal.dealers.scope``);
a dealer's own users get no dealer picker (``scope.picks_dealers``).
"""

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.core.converters import record_id
from portal.core.options import options
from portal.dealers.scope import find_dealers, picks_dealers, visible_dealer_row

OFFERED = 20  # matches offered at once; more is "type more"


@dataclass
class Picker:
    """What a picker shows (templates/_picker.html, _choice.html): the select named ``name``
    with "none" (``everything``) and ``rows``, the box ``q_name`` whose words ``q`` found
    ``found`` matches (counted up to OFFERED + 1), fed by ``url``."""

    name: str
    q_name: str
    url: str
    label: str  # the select's
    find: str  # the box's label
    placeholder: str
    everything: str
    q: str = ""
    chosen: int | None = None
    rows: list = field(default_factory=list)  # (id, text) offered beside "none"
    found: int = 0
    in_form: bool = False  # a form's field, not a filter with a Show button


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
        if self.in_form:  # no Show button: the list is the choice, the form's errors say more
            return ""
        return _("%(n)d match: choose one, then Show.", n=self.found)


def pick(picker: Picker, find, row_of, scoped: bool = False) -> Picker:
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


@dataclass(frozen=True)
class Purpose:
    """What a dealer picker is for: its select's name and words, and which dealers it offers."""

    name: str
    label: str
    find: str
    everything: str
    active_only: bool = False
    in_form: bool = False


PURPOSES = {
    "filter": Purpose("dealer", _l("Dealer"), _l("Find a dealer"), _l("All dealers")),
    "selling": Purpose("dealer_id", _l("Selling dealer"), _l("Find a selling dealer"),
                       _l("All dealers")),
    "route": Purpose("dealer_id", _l("Dealer"), _l("Find a dealer"), "—", active_only=True,
                     in_form=True),
}


def typed(args, q_name: str = "dealer_q") -> str:
    """The words typed in a picker's box."""
    return args.get(q_name, "").strip()[:40]


def dealer_picker(user, q: str, dealer_id: int | None, purpose: str = "filter") -> Picker:
    """The dealer picker for ``purpose`` among the dealers ``user`` may see (a dealer not among
    them, or an inactive one where only active ones are offered, is no choice)."""
    p = PURPOSES[purpose]

    def row_of(dealer_id):
        row = visible_dealer_row(user, dealer_id, active_only=p.active_only)
        return None if row is None else _text(row)

    def find(q, limit):
        return [_text(d) for d in find_dealers(user, q, limit, active_only=p.active_only)]

    picker = Picker(p.name, "dealer_q", url_for("dealers.choices", purpose=purpose), str(p.label),
                    str(p.find), _("Dealer code or name"), str(p.everything), q, dealer_id,
                    in_form=p.in_form)
    return pick(picker, find, row_of, scoped=True)


def _text(dealer) -> tuple[int, str]:
    return dealer.id, f"{dealer.code} {dealer.name}"


def dealer_filter(user, args) -> tuple[int | None, Picker | None]:
    """For a list head office and reps may narrow to one dealer: (the chosen dealer's id — asked
    by id as ``dealer``, or by the words typed in ``dealer_q`` that match it alone — if ``user``
    sees it, else None; the list's picker). Dealer users get (None, None): no picker."""
    if not picks_dealers(user):
        return None, None
    picker = dealer_picker(user, typed(args), args.get("dealer", type=record_id))
    return picker.chosen, picker
