"""Horizontal bar charts drawn on the server as SVG: geometry here, markup in
templates/analytics/_charts.html. Bars run left to right so long labels stay readable on a phone.
"""

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 400  # viewBox units; the SVG scales to the width of its box
LABEL_WIDTH = 150
FONT = 12  # px in viewBox units; a CJK character is about FONT wide, a Latin one about half
VALUE_WIDTH = 70
BAR_HEIGHT = 18
GAP = 8
MAX_BARS = 15


@dataclass
class Bar:
    label: str
    value: Decimal | int | None
    text: str  # what is written after the bar
    href: str = ""
    highlight: bool = False
    y: int = 0
    width: float = 0
    short: str = ""  # the label cut to fit the label column


@dataclass
class Chart:
    title: str
    desc: str
    bars: list[Bar] = field(default_factory=list)
    height: int = 0
    more: int = 0  # bars left out (the table below lists them all)
    label_width: int = LABEL_WIDTH
    bar_space: int = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    width: int = WIDTH

    @property
    def text_y(self) -> int:
        return BAR_HEIGHT // 2 + 4


def fit(label: str, room: float = LABEL_WIDTH - 8) -> str:
    """The label cut (with …) to what fits ``room`` viewBox units."""
    used = 0.0
    for index, char in enumerate(label):
        used += FONT if ord(char) > 0x2E7F else FONT * 0.6
        if used > room:
            return label[:max(index - 1, 1)] + "…"
    return label


def bar_chart(title: str, desc: str, bars: list[Bar], count: int | None = None) -> Chart:
    """Lay out up to MAX_BARS bars, lengths proportional to the largest value; ``count`` is
    how many there are when ``bars`` holds only the first (those drawn)."""
    count = len(bars) if count is None else count
    chart = Chart(str(title), str(desc), bars[:MAX_BARS], more=max(0, count - MAX_BARS))
    top = max((b.value or 0 for b in chart.bars), default=0)
    for index, bar in enumerate(chart.bars):
        bar.y, bar.short = index * (BAR_HEIGHT + GAP), fit(bar.label)
        bar.width = round(float((bar.value or 0) / top) * chart.bar_space, 1) if top else 0
    chart.height = max(len(chart.bars) * (BAR_HEIGHT + GAP), BAR_HEIGHT + GAP)
    return chart
