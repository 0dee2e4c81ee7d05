"""Small server-side SVG charts for the scorecards: coordinates only, the template draws them."""

from dataclasses import dataclass
from decimal import Decimal


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
    """Points of ``values`` (None = no data) scaled from 0 to ``top`` into the box."""
    top = Decimal(top) if top else Decimal(1)
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    runs, run, dots = [], [], []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(" ".join(run))
            run = []
            continue
        share = float(min(Decimal(value), top) / top)
        x, y = round(pad + index * step, 1), round(height - pad - share * (height - 2 * pad), 1)
        run.append(f"{x},{y}")
        dots.append((x, y, str(value)))
    if run:
        runs.append(" ".join(run))
    return Line(width, height, runs, dots, top)
