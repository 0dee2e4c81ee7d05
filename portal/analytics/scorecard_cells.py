"""How a scorecard figure is shown: its value, the fraction behind it, its colour against the
target. The ranked table, a dealer's card and the Excel export all read these."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.analytics.scorecards import SATISFACTION_TARGET, Figures, Ratio

# (key, column heading, target text) in the order the pages show them.
FIGURES = [
    ("cards", _l("Cards filed on time"), _l("target 100 %")),
    ("arrange", _l("Arranged within 2 h"), _l("target 100 %")),
    ("returns", _l("Old parts returned on time"), _l("target 100 %")),
    ("rejections", _l("Claims rejected"), _l("lower is better")),
    ("visits", _l("Return-visit rate"), _l("target 100 %")),
    ("satisfaction", _l("Average satisfaction (1–5)"), _l("target 4.9 (98 %)")),
    ("complaints", _l("Complaints"), _l("none is the target")),
]
NEAR = Decimal("0.9")  # within 10 % of a 100 % target: a warning, not a failure


@dataclass(frozen=True)
class Cell:
    text: str
    title: str
    tone: str  # ok, warn, bad, or "" when there is nothing to judge
    value: Decimal | int | None  # the number itself, for charts and Excel


def _percent(ratio: Ratio) -> Cell:
    fraction = _("%(num)d of %(den)d", num=ratio.num, den=ratio.den)
    if ratio.rate is None:
        return Cell("—", _("nothing to count in the period"), "", None)
    tone = "ok" if ratio.rate >= 1 else "warn" if ratio.rate >= NEAR else "bad"
    return Cell(f"{ratio.percent} %", fraction, tone, ratio.percent)


def _rejections(figures: Figures) -> Cell:
    claims, lines = figures.rejections, figures.lines
    if claims.rate is None:
        return Cell("—", _("no claims decided in the period"), "", None)
    title = _("%(num)d of %(den)d claims rejected; %(lines)d of %(all)d lines rejected",
              num=claims.num, den=claims.den, lines=lines.num, all=lines.den)
    tone = "ok" if claims.num == 0 else "warn" if claims.rate <= 1 - NEAR else "bad"
    return Cell(f"{claims.percent} %", title, tone, claims.percent)


def _satisfaction(figures: Figures) -> Cell:
    average = figures.satisfaction
    if average is None:
        return Cell("—", _("no customer reached and rated"), "", None)
    tone = "ok" if average >= SATISFACTION_TARGET else "warn" if average >= 4 else "bad"
    title = _("%(n)d customers rated the repair", n=figures.satisfaction_count)
    return Cell(str(average), title, tone, average)


def _complaints(figures: Figures) -> Cell:
    per_100 = figures.complaints_per_100
    title = (_("%(per)s per 100 units sold (%(sold)d sold)", per=per_100,
               sold=figures.units_sold) if per_100 is not None
             else _("no units sold in the period"))
    return Cell(str(figures.complaints), title, "ok" if not figures.complaints else "bad",
                figures.complaints)


def cell(figures: Figures, key: str) -> Cell:
    """The figure ``key`` of FIGURES, ready to show."""
    if key == "rejections":
        return _rejections(figures)
    if key == "satisfaction":
        return _satisfaction(figures)
    if key == "complaints":
        return _complaints(figures)
    return _percent(getattr(figures, key))


def tone_of_score(score) -> str:
    if score is None:
        return ""
    return "ok" if score >= 90 else "warn" if score >= 75 else "bad"
