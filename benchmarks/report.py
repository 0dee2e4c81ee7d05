"""The benchmark's results as Markdown: one section per database.

A page is measured as each subject of its role (benchmarks/subjects.py) at each data size; the
main table shows, per page, the worst subject at the largest size, the page's growth from the
smallest size and what it does with more connections than workers. Every figure stands against
its target; the section opens with how many targets were met and names the misses.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from benchmarks.documents import BatchTiming, NoticeTiming
from benchmarks.load import Measure

# The paragraph benchmarks/RESULTS.md opens with (scripts/benchmark.sh writes it).
HOW_TO_READ = """\
Each database's section starts with `<database>: targets met: N of M` and names each miss. Under
the machine and data facts it lists the **subjects** at each size: five dealers (`largest`,
`median`, `small`, `old`: all its records more than two years old, `new`: none at all) and two
reps (`many`, `few` dealers), found by the rules of `benchmarks/subjects.py`. The main table has
one row per page, at the largest size, as its **worst subject** (the one missing a target, else
the one with the highest p50; "old (of 5)" names it): requests/s, p50, p99, size; the worst
subject's p50 at the smallest size and the **growth** (p50 large / p50 small, target ≤ 1.5×); the
p99 and errors with **8 connections** on the workers; and the targets it missed. The table "Every
subject" under it gives each subject's p50 / p99 at each size; "skipped: no claim" means that
subject has no such record, so it has no such detail page. Targets: p99 ≤ 50 ms, throughput ≥ 1/4
of the portal's signed-in empty page (the reference row), 0 errors (non-200, socket errors,
timeouts) at any subject or size, growth ≤ 1.5×, with 8 connections p99 ≤ 50 ms and 0 errors; a
one-page notice ≤ 0.5 s warm and < 1 MB; a notice run ≥ 2 notices/s.
"""

P99_MS = 50.0
FLOOR_SHARE = 4  # a page must reach 1/4 of the throughput of the portal's signed-in empty page
GROWTH = 1.5  # p50 at the largest size / p50 at the smallest
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
    subject: str = ""  # the subject's kind: "largest", "old", "new", "many", …
    skipped: str = ""  # why this subject has no such page ("no notice"): neither met nor missed

    @property
    def key(self) -> tuple[str, str]:
        return self.role, self.name

    @property
    def title(self) -> str:
        return f"{self.name} `{unquote(self.path)}`" if self.path else self.name

    def misses(self, need_rps: float | None) -> list[str]:
        """The targets this measurement misses: p99, throughput (``need_rps``, None when the
        floor it comes from was not measured), errors (answers other than 200, socket errors,
        timeouts)."""
        m = self.measure
        if self.error or m is None:
            return [f"error: {self.error or 'not measured'}"]
        found = []
        if m.p99_ms > P99_MS:
            found.append(f"p99 {m.p99_ms:.1f} ms")
        if need_rps is None or m.rps < need_rps:
            found.append(f"{m.rps:.0f} requests/s")
        if m.not_ok or m.socket_errors:
            found.append(f"{m.not_ok} not 200, {m.socket_errors} socket errors")
        return found

    def met(self, need_rps: float | None) -> bool:
        return not self.misses(need_rps)


@dataclass
class Reference:
    """A row measured for comparison, with no target of its own."""

    title: str
    role: str
    measure: Measure


@dataclass
class SizeRun:
    """The pages of one data size, every subject's."""

    scale: str
    pages: list[PageResult]
    subjects: str = ""  # who the subjects were at this size, for the facts


@dataclass
class Row:
    """One page of the main table: its worst subject at the largest size and its other
    figures."""

    worst: PageResult
    subjects: int  # how many subjects it was measured as
    small: PageResult | None = None  # the worst subject at the smallest size
    queued: PageResult | None = None  # the worst subject with more connections than workers
    misses: list[str] = field(default_factory=list)

    @property
    def growth(self) -> float | None:
        if self.small is None or not (self.small.measure and self.worst.measure):
            return None
        return self.worst.measure.p50_ms / self.small.measure.p50_ms if (
            self.small.measure.p50_ms) else None


def target_rps(references: Sequence[Reference]) -> float | None:
    """The throughput target: 1/FLOOR_SHARE of the portal's signed-in empty page, the last
    reference row (``benchmarks/floor.py``); None when it was not measured or got no answer."""
    floor = references[-1].measure if references else None
    if floor is None or not floor.rps:
        return None
    return floor.rps / FLOOR_SHARE


def by_page(results: Sequence[PageResult]) -> dict[tuple[str, str], list[PageResult]]:
    """The results grouped per page (role, name), in the order measured."""
    pages: dict[tuple[str, str], list[PageResult]] = {}
    for result in results:
        pages.setdefault(result.key, []).append(result)
    return pages


def worst(results: Sequence[PageResult], need_rps: float | None) -> PageResult:
    """The page's worst subject: one that misses a target, else the one with the highest p50;
    a skipped subject only when every subject was skipped."""
    def badness(result):
        if result.skipped:
            return (0, 0.0)
        p50 = result.measure.p50_ms if result.measure else float("inf")
        return (1 + len(result.misses(need_rps)), p50)

    return max(results, key=badness)


def rows(runs: Sequence[SizeRun], queued: Sequence[PageResult],
         need_rps: float | None) -> list[Row]:
    """The main table's rows: per page of the largest size, its worst subject, the worst at
    the smallest size (growth) and the queued measurement; each with its misses."""
    large = runs[-1]
    small = by_page(runs[0].pages) if len(runs) > 1 else {}
    queue = {q.key: q for q in queued}
    table = []
    for key, results in by_page(large.pages).items():
        row = Row(worst(results, need_rps), len(results), queued=queue.get(key))
        if key in small:
            row.small = worst(small[key], need_rps)
        row.misses = _row_misses(row, results + small.get(key, []), need_rps)
        table.append(row)
    return table


def _row_misses(row: Row, every: list[PageResult], need_rps: float | None) -> list[str]:
    if row.worst.skipped:
        return [f"error: every subject skipped ({row.worst.skipped})"]
    found = row.worst.misses(need_rps)
    found += [f"{r.subject} (another subject or size): {_error(r)}" for r in every
              if r is not row.worst and _error(r)]
    if row.growth is not None and row.growth > GROWTH:
        found.append(f"growth {row.growth:.2f}×")
    if row.queued is not None:
        found += [f"queued: {miss}" for miss in row.queued.misses(0.0)]
    return found


def _error(result: PageResult) -> str:
    """What went wrong with a measurement: no answer, or answers other than 200."""
    m = result.measure
    if result.error:
        return result.error
    if m is not None and (m.not_ok or m.socket_errors):
        return f"{m.not_ok} not 200, {m.socket_errors} socket errors"
    return ""


def _yes(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _figures(m: Measure) -> str:
    return f"{m.rps:.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f}"


def reference_lines(hello: Measure, references: Sequence[Reference]) -> list[str]:
    return [f"| {ref.title} (reference) | {ref.role} | — | {_figures(ref.measure)} | — | — | — "
            f"| — | — | — |"
            for ref in [Reference("bare Flask `/hello`", "—", hello), *references]]


def page_table(hello: Measure, table: list[Row], references: Sequence[Reference] = (),
               scales: tuple[str, str] = ("", ""), connections: int = 0) -> list[str]:
    small, large = scales
    lines = [f"| page | role | worst subject | requests/s | p50 ms | p99 ms | KB | "
             f"p50 ms at {small or '—'} | growth | p99 ms at {connections or '—'} conn. | "
             f"errors at {connections or '—'} conn. | targets met |",
             "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    lines += reference_lines(hello, references)
    for row in table:
        lines.append(_row_line(row))
    return lines


def _row_line(row: Row) -> str:
    page, m = row.worst, row.worst.measure
    subject = f"{page.subject} (of {row.subjects})" if page.subject else "—"
    figures = f"{_figures(m)} | {page.bytes / 1024:.0f}" if m else "— | — | — | —"
    small = f"{row.small.measure.p50_ms:.1f}" if row.small and row.small.measure else "—"
    growth = f"{row.growth:.2f}×" if row.growth is not None else "—"
    q = row.queued.measure if row.queued else None
    queued = f"{q.p99_ms:.1f} | {q.not_ok + q.socket_errors}" if q else "— | —"
    verdict = "yes" if not row.misses else "**NO**: " + "; ".join(row.misses)
    return (f"| {page.title} | {page.role} | {subject} | {figures} | {small} | {growth} | "
            f"{queued} | {verdict} |")


def subject_table(runs: Sequence[SizeRun]) -> list[str]:
    """Every subject's p50 / p99 at each size: the compact table under the main one."""
    heads = " | ".join(f"p50 / p99 ms at {run.scale or '—'}" for run in runs)
    lines = [f"| page | role | subject | {heads} |",
             "|---|---|---|" + "--:|" * len(runs)]
    per_size = [{(r.key, r.subject): r for r in run.pages} for run in runs]
    for result in runs[-1].pages:
        cells = [_cell(size.get((result.key, result.subject))) for size in per_size]
        lines.append(f"| {result.name} | {result.role} | {result.subject or '—'} | "
                     + " | ".join(cells) + " |")
    return lines


def _cell(result: PageResult | None) -> str:
    if result is None:
        return "—"
    if result.skipped:
        return f"skipped: {result.skipped}"
    if result.measure is None:
        return f"**ERROR**: {result.error}"
    return f"{result.measure.p50_ms:.1f} / {result.measure.p99_ms:.1f}"


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


def targets_per_row(row: Row) -> int:
    """p99, throughput and errors; growth when two sizes were measured; p99 and errors with
    more connections when queued."""
    return 3 + (row.small is not None) + 2 * (row.queued is not None)


def tally(table: Sequence[Row], notices, batch) -> tuple[int, int, list[str]]:
    """(targets met, targets, the misses, one entry per page): each page's figures, and the
    one-page notice and the notice run unless they were not measured (``notices`` None)."""
    total = sum(targets_per_row(row) for row in table)
    missed = sum(len(row.misses) for row in table)
    misses = [f"{row.worst.title} ({row.worst.role}, {row.worst.subject or '—'}): "
              + ", ".join(row.misses) for row in table if row.misses]
    if notices is not None:
        total += 2
        one_page = [t for t in notices if t.label.startswith("one-page")]
        if not any(notice_met(t) for t in one_page):
            missed += 1
            misses.append("one-page notice: " + (
                f"{one_page[0].warm_s or 0:.2f} s warm, {one_page[0].size:,} bytes, "
                f"{one_page[0].pages} pages" if one_page else "not measured"))
        if batch.per_second < BATCH_PER_S:
            missed += 1
            misses.append(f"notice run: {batch.per_second:.2f} notices/s")
    return total - missed, total, misses


def summary_line(label: str, table: Sequence[Row], notices, batch) -> str:
    met, total, misses = tally(table, notices, batch)
    line = f"**{label}: targets met: {met} of {total}**"
    return line + (" — missed: " + "; ".join(misses) if misses else "")


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


def section(label: str, facts: dict, hello: Measure, runs: Sequence[SizeRun],
            queued: Sequence[PageResult], notices, batch,
            references: Sequence[Reference] = (), connections: int = 0) -> str:
    table = rows(runs, queued, target_rps(references))
    scales = (runs[0].scale if len(runs) > 1 else "", runs[-1].scale)
    lines = [f"## {label}", "", summary_line(label, table, notices, batch), ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += [f"- subjects at scale {run.scale or '—'}: {run.subjects}" for run in runs]
    floor = floor_line(hello, references)
    lines += ["", f"Pages at scale {scales[1] or '—'}, each as its worst subject:", "",
              *page_table(hello, table, references, scales, connections), "",
              *([floor, ""] if floor else []),
              "Every subject (p50 / p99 ms):", "", *subject_table(runs), "",
              *(document_table(notices, batch) if notices is not None else
                ["Notices: not measured (--skip-documents)."]), ""]
    return "\n".join(lines)
