"""Small server-side SVG charts for the scorecards: the coordinates, and the <svg> of them."""

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Line:
    width: int
    height: int
    runs: list[str]  # "x,y x,y …" per unbroken run of values (a month with nothing breaks it)
    dots: list[tuple[float, float, str]]  # x, y, the value as text
    top: Decimal

    @property
    def empty(self) -> bool:
        return not self.dots


def line(values: list, *, width: int = 120, height: int = 28, top=100, pad: int = 3) -> Line:
    """Points of ``values`` (None = no data) scaled from 0 to ``top`` into the box. In floats:
    a tenth of a pixel needs no decimal arithmetic, which was most of the ranked table's lines."""
    top = Decimal(top) if top else Decimal(1)
    ceiling, span = float(top), height - 2 * pad
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    runs, run, dots = [], [], []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(" ".join(run))
            run = []
            continue
        share = min(float(value), ceiling) / ceiling
        x, y = round(pad + index * step, 1), round(height - pad - share * span, 1)
        run.append(f"{x},{y}")
        dots.append((x, y, str(value)))
    if run:
        runs.append(" ".join(run))
    return Line(width, height, runs, dots, top)


def svg(chart: Line, label: str, big: bool = False) -> Markup:
    """The line as an <svg> named ``label`` for screen readers, each point titled with its
    value. Built as one string, not a template loop over the points: the ranked table draws
    one a row, and the loop was a sixth of its time."""
    width, height, r = chart.width, chart.height, 2.5 if big else 1.5
    parts = [f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(label)}">',
             f'<line x1="0" y1="{height - 1}" x2="{width}" y2="{height - 1}" stroke="#c9d1d9" '
             'stroke-width="1"/>']
    parts += [f'<polyline points="{run}" fill="none" stroke="#2b6cb0" stroke-width="1.5"/>'
              for run in chart.runs]
    parts += [f'<circle cx="{x}" cy="{y}" r="{r}" fill="#2b6cb0"><title>{escape(value)}</title>'
              '</circle>' for x, y, value in chart.dots]
    return Markup("".join([*parts, "</svg>"]))
