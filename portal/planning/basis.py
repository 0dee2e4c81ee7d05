"""A suggested quantity's basis in plain words, so the dealer can trust or override it."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KINDS = {"main": _l("main parts"), "wear": _l("wear parts"), "other": _l("other parts")}


def number(value, places: str | None = None) -> str:
    """A stored decimal string as people write it: no trailing zeros, maybe rounded."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value or "")
    if places:
        amount = amount.quantize(Decimal(places))
    text = f"{amount.normalize():f}"
    return "0" if text in ("-0", "") else text


def history_words(basis: dict, kind: str = "") -> str:
    """Where the rate comes from: failures over unit-seasons, in which seasons, how solid."""
    seasons = ", ".join(basis.get("seasons") or [])
    words = _("%(failures)s failures over %(exposure)s unit-seasons in %(seasons)s",
              failures=number(basis.get("failures", 0)),
              exposure=number(basis.get("exposure", 0), "0.1"), seasons=seasons) \
        if seasons else _("no failure history yet")
    if basis.get("history") == "thin":
        prior = number(basis.get("prior_rate", 0), "0.0001")
        words += "; " + (_("thin history, pulled towards the %(prior)s average of %(kind)s",
                           prior=prior, kind=KINDS[kind]) if kind in KINDS else
                         _("thin history, pulled towards the prior rate of %(prior)s",
                           prior=prior))
    return words


def explain(basis: dict, suggested_qty: int, kind: str = "") -> str:
    """E.g. "42 working units × 0.031 failures per unit and season (9 failures over 290
    unit-seasons in 2025 秋季; thin history, …) + 0.5 consumed per unit = 14.2 → 14"."""
    if not basis:
        return ""
    text = _("%(units)s working units × %(rate)s failures per unit and season (%(history)s)",
             units=number(basis.get("units", 0)), rate=number(basis.get("rate", 0), "0.0001"),
             history=history_words(basis, kind))
    consumption = Decimal(str(basis.get("consumption") or 0))
    if consumption:
        text += " + " + _("%(qty)s consumed per unit", qty=number(consumption))
    return f"{text} = {number(basis.get('expected', 0), '0.01')} → {suggested_qty}"
