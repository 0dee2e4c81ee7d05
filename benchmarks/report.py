"""The benchmark's results as Markdown: one section per database."""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from benchmarks.documents import BatchTiming, NoticeTiming
from benchmarks.load import Measure

P99_MS = 50.0
FLOOR_SHARE = 4  # a page must reach 1/4 of the throughput of the portal's signed-in empty page
ONE_PAGE_S = 0.5
ONE_PAGE_BYTES = 1_000_000
BATCH_PER_S = 2.0


@dataclass
class PageResult:
    name: str
    role: str
    path: str
    measure: Measure | None = None
    bytes: int = 0
    error: str = ""

    @property
    def title(self) -> str:
        return f"{self.name} `{unquote(self.path)}`" if self.path else self.name

    def met(self, need_rps: float | None) -> bool:
        """p99 and throughput targets met, with no error; ``need_rps`` is the throughput
        target (``target_rps``), None when the floor it comes from was not measured."""
        m = self.measure
        return (not self.error and m is not None and m.not_ok == 0 and m.socket_errors == 0
                and m.p99_ms <= P99_MS and need_rps is not None and m.rps >= need_rps)


@dataclass
class Reference:
    """A row measured for comparison, with no target of its own."""

    title: str
    role: str
    measure: Measure


def target_rps(references: Sequence[Reference]) -> float | None:
    """The throughput target: 1/FLOOR_SHARE of the portal's signed-in empty page, the last
    reference row (``benchmarks/floor.py``); None when it was not measured or got no answer."""
    floor = references[-1].measure if references else None
    if floor is None or not floor.rps:
        return None
    return floor.rps / FLOOR_SHARE


def _yes(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def page_table(hello: Measure, pages: list[PageResult],
               references: Sequence[Reference] = ()) -> list[str]:
    lines = ["| page | role | requests/s | p50 ms | p99 ms | KB | target met |",
             "|---|---|--:|--:|--:|--:|---|"]
    for ref in [Reference("bare Flask `/hello`", "—", hello), *references]:
        lines.append(f"| {ref.title} (reference) | {ref.role} | {ref.measure.rps:.0f} | "
                     f"{ref.measure.p50_ms:.1f} | {ref.measure.p99_ms:.1f} | — | — |")
    need = target_rps(references)
    for page in pages:
        m = page.measure
        if m is None:
            lines.append(f"| {page.title} | {page.role} | — | — | — | — | "
                         f"**ERROR**: {page.error} |")
            continue
        trouble = f" ({m.not_ok} not 200, {m.socket_errors} socket errors)" if (
            m.not_ok or m.socket_errors) else ""
        lines.append(f"| {page.title} | {page.role} | {m.rps:.0f} | {m.p50_ms:.1f} | "
                     f"{m.p99_ms:.1f} | {page.bytes / 1024:.0f} | "
                     f"{_yes(page.met(need))}{trouble} |")
    return lines


def notice_met(timing: NoticeTiming) -> bool:
    return (timing.warm_s is not None and timing.warm_s <= ONE_PAGE_S
            and timing.size < ONE_PAGE_BYTES and timing.pages == 1)


def document_table(notices: list[NoticeTiming], batch: BatchTiming) -> list[str]:
    lines = ["| document | claims | cold s | warm s | bytes | pages | target met |",
             "|---|--:|--:|--:|--:|--:|---|"]
    for t in notices:
        if t.cold_s is None:
            lines.append(f"| {t.label} | — | — | — | — | — | **ERROR**: {t.note} |")
            continue
        target = _yes(notice_met(t)) if t.label.startswith("one-page") else "(no target)"
        note = f" — {t.note}" if t.note else ""
        lines.append(f"| {t.label} | {t.claims} | {t.cold_s:.2f} | {t.warm_s:.2f} | "
                     f"{t.size:,} | {t.pages} | {target}{note} |")
    lines += ["", "| batch | notices | dealers | claims | seconds | notices/s | target met |",
              "|---|--:|--:|--:|--:|--:|---|"]
    if batch.seconds:
        note = f" — {batch.note}" if batch.note else ""
        lines.append(f"| notice run {batch.period} | {batch.notices} | {batch.dealers} | "
                     f"{batch.claims} | {batch.seconds:.1f} | {batch.per_second:.2f} | "
                     f"{_yes(batch.per_second >= BATCH_PER_S)}{note} |")
    else:
        lines.append(f"| notice run | — | — | — | — | — | **ERROR**: {batch.note} |")
    return lines


def tally(references: Sequence[Reference], pages, notices, batch) -> tuple[int, int]:
    """(targets met, targets): each page, the one-page notice and the batch."""
    need = target_rps(references)
    met = sum(p.met(need) for p in pages)
    met += sum(notice_met(t) for t in notices if t.label.startswith("one-page"))
    met += batch.per_second >= BATCH_PER_S
    return met, len(pages) + 2


def floor_line(hello: Measure, references: Sequence[Reference]) -> str:
    """The throughput target in requests per second, the floor it comes from (the last
    reference row, a signed-in empty page) and where that floor stands against the bare route;
    empty when the floor was not measured."""
    need = target_rps(references)
    if need is None or not hello.rps:
        return ""
    floor = references[-1].measure
    return (f"The throughput target is {need:.0f} requests/s: 1/{FLOOR_SHARE} of the portal's "
            f"signed-in empty page, which serves {floor.rps:.0f}/s (1/"
            f"{hello.rps / floor.rps:.1f} of the bare route). It leaves "
            f"{1000 / need - 1000 / floor.rps:.2f} ms per request for a page's own work.")


def section(label: str, facts: dict, hello: Measure, pages, notices, batch,
            references: Sequence[Reference] = ()) -> str:
    met, total = tally(references, pages, notices, batch)
    slowest = sorted((p for p in pages if p.measure), key=lambda p: -p.measure.p99_ms)[:5]
    lines = [f"## {label}", "", f"**targets met: {met} of {total}**", ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    floor = floor_line(hello, references)
    lines += ["", *page_table(hello, pages, references), "", *([floor, ""] if floor else []),
              "Slowest by p99: " + ", ".join(f"{p.title} ({p.role}) {p.measure.p99_ms:.1f} ms"
                                             for p in slowest), "",
              *document_table(notices, batch), ""]
    return "\n".join(lines)
