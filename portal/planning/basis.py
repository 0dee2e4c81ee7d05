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
    prior = number(basis.get("prior_rate", 0), "0.0001")
    kind_words = KINDS.get(kind, _l("parts of this kind"))
    if not basis.get("exposure"):
        if basis.get("prior") == "default":
            return _("no failure history yet: the default rate of %(kind)s", kind=kind_words)
        return _("no failure history for this part yet: the %(prior)s average of %(kind)s",
                 prior=prior, kind=kind_words)
    words = _("%(failures)s failures over %(exposure)s unit-seasons in %(seasons)s",
              failures=number(basis.get("failures", 0)),
              exposure=number(basis.get("exposure", 0)),
              seasons=", ".join(basis.get("seasons") or []))
    if basis.get("history") == "thin":
        words += "; " + _("thin history, pulled towards the %(prior)s average of %(kind)s",
                          prior=prior, kind=kind_words)
    return words


def explain(basis: dict, suggested_qty: int, kind: str = "") -> str:
    """E.g. "42 working units × (0.031 failures + 0.5 consumed) per unit and season = 14.2 → 14;
    rate: 9 failures over 290 unit-seasons in 2025 秋季; thin history, …"."""
    if not basis:
        return ""
    rate = number(basis.get("rate", 0), "0.0001")
    consumption = Decimal(str(basis.get("consumption") or 0))
    values = {"units": number(basis.get("units", 0)), "rate": rate,
              "expected": number(basis.get("expected", 0), "0.01"), "qty": suggested_qty,
              "consumed": number(consumption), "history": history_words(basis, kind)}
    if consumption:
        return _("%(units)s working units × (%(rate)s failures + %(consumed)s consumed) per unit "
                 "and season = %(expected)s → %(qty)s; rate: %(history)s", **values)
    return _("%(units)s working units × %(rate)s failures per unit and season = %(expected)s "
             "→ %(qty)s; rate: %(history)s", **values)
