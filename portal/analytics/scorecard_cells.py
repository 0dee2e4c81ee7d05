"""How a scorecard figure is shown: its value, the fraction behind it, its colour against the
target. The ranked table, a dealer's card and the Excel export all read these."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

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


_TEXTS: dict[str, dict[str, str]] = {}  # language → the cells' words, looked up once


def _texts() -> dict[str, str]:
    """The cells' words in the reader's language (format strings, filled by the cells): a
    table of twenty dealers has 140 cells, and a translation lookup each was a tenth of it."""
    language = str(get_locale())
    if language not in _TEXTS:
        _TEXTS[language] = {
            "of": _("%(num)d of %(den)d"),
            "nothing": _("nothing to count in the period"),
            "undecided": _("no claims decided in the period"),
            "rejected": _("%(num)d of %(den)d claims rejected; %(lines)d of %(all)d lines "
                          "rejected"),
            "unrated": _("no customer reached and rated"),
            "rated": _("%(n)d customers rated the repair"),
            "per_100": _("%(per)s per 100 units sold (%(sold)d sold)"),
            "unsold": _("no units sold in the period")}
    return _TEXTS[language]


def _percent(ratio: Ratio, texts: dict) -> Cell:
    if ratio.rate is None:
        return Cell("—", texts["nothing"], "", None)
    tone = "ok" if ratio.rate >= 1 else "warn" if ratio.rate >= NEAR else "bad"
    return Cell(f"{ratio.percent} %", texts["of"] % {"num": ratio.num, "den": ratio.den}, tone,
                ratio.percent)


def _rejections(figures: Figures, texts: dict) -> Cell:
    claims, lines = figures.rejections, figures.lines
    if claims.rate is None:
        return Cell("—", texts["undecided"], "", None)
    title = texts["rejected"] % {"num": claims.num, "den": claims.den, "lines": lines.num,
                                 "all": lines.den}
    tone = "ok" if claims.num == 0 else "warn" if claims.rate <= 1 - NEAR else "bad"
    return Cell(f"{claims.percent} %", title, tone, claims.percent)


def _satisfaction(figures: Figures, texts: dict) -> Cell:
    average = figures.satisfaction
    if average is None:
        return Cell("—", texts["unrated"], "", None)
    tone = "ok" if average >= SATISFACTION_TARGET else "warn" if average >= 4 else "bad"
    return Cell(str(average), texts["rated"] % {"n": figures.satisfaction_count}, tone, average)


def _complaints(figures: Figures, texts: dict) -> Cell:
    per_100 = figures.complaints_per_100
    title = (texts["per_100"] % {"per": per_100, "sold": figures.units_sold}
             if per_100 is not None else texts["unsold"])
    return Cell(str(figures.complaints), title, "ok" if not figures.complaints else "bad",
                figures.complaints)


def cell(figures: Figures, key: str, texts: dict | None = None) -> Cell:
    """The figure ``key`` of FIGURES, ready to show."""
    texts = texts or _texts()
    if key == "rejections":
        return _rejections(figures, texts)
    if key == "satisfaction":
        return _satisfaction(figures, texts)
    if key == "complaints":
        return _complaints(figures, texts)
    return _percent(getattr(figures, key), texts)


def cells(figures: Figures) -> list[Cell]:
    """Every figure of FIGURES, in its order, ready to show: a table row's."""
    texts = _texts()
    return [cell(figures, key, texts) for key, _label, _target in FIGURES]


def badge_cells(shown: list[Cell]) -> Markup:
    """A table row's cells (``cells``) as its ``<td>`` badges, the counts behind each as its
    title, in one string: the ranked table and the monthly trend draw one a row, and a template
    loop over the cells was a fifth of those pages' time."""
    return Markup("".join(
        f'<td class="num"><span class="badge {c.tone}" title="{escape(c.title)}">'
        f'{escape(c.text)}</span></td>' for c in shown))


def value(figures: Figures, key: str) -> Decimal | int | None:
    """The number of the figure ``key`` (a chart's point, an Excel cell), without its words."""
    if key == "rejections":
        return figures.rejections.percent
    if key == "satisfaction":
        return figures.satisfaction
    if key == "complaints":
        return figures.complaints
    return getattr(figures, key).percent


def tone_of_score(score) -> str:
    if score is None:
        return ""
    return "ok" if score >= 90 else "warn" if score >= 75 else "bad"
