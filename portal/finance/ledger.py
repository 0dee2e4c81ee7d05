"""Each dealer's receivable ledger (应收经销商货款): balances, running balances, and the entries
the maker's ERP sends (opening balances, goods invoices, payments).

The ERP gives every amount as a positive number (an opening balance may carry either sign); the
ledger stores it signed: an invoice raises what the dealer owes, a payment lowers it. Offsets are
never entered here: they come only from confirmed write-off notices.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core import audit
from portal.core.db import money
from portal.core.errors import DomainError
from portal.core.pagination import decode_cursor, encode_cursor
from portal.dealers.models import Dealer
from portal.extensions import db
from portal.finance.models import LedgerEntry, LedgerKind, WriteOffNotice

ZERO = Decimal("0.00")
ERP_KINDS = (LedgerKind.OPENING, LedgerKind.INVOICE, LedgerKind.PAYMENT)
LIMIT = Decimal("1000000000")  # Numeric(12, 2)
LABELS = {"dealer": _l("Dealer code"), "date": _l("Date"), "kind": _l("Kind"),
          "reference": _l("Reference"), "amount": _l("Amount (yuan)"), "memo": _l("Memo")}


# --- balances --------------------------------------------------------------------------------

def balance(dealer_id: int, on: date | None = None) -> Decimal:
    """What the dealer owes at the end of ``on`` (or now)."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.dealer_id == dealer_id)
    if on is not None:
        stmt = stmt.where(LedgerEntry.entry_date <= on)
    return money(db.session.scalar(stmt))


def balance_before(dealer_id: int, start: date) -> Decimal:
    """The opening balance of a period: everything dated before ``start``."""
    return balance(dealer_id, start - timedelta(days=1))


def balances(dealer_ids, on: date | None = None) -> dict[int, Decimal]:
    """The balances of many dealers in one grouped query (a dealer with no entry owes 0)."""
    stmt = (sa.select(LedgerEntry.dealer_id, sa.func.sum(LedgerEntry.amount))
            .where(LedgerEntry.dealer_id.in_(dealer_ids)).group_by(LedgerEntry.dealer_id))
    if on is not None:
        stmt = stmt.where(LedgerEntry.entry_date <= on)
    return {dealer_id: money(total) for dealer_id, total in db.session.execute(stmt)}


# --- entries with their running balance ------------------------------------------------------

@dataclass
class LedgerRow:
    id: int
    entry_date: date
    kind: LedgerKind
    reference: str
    memo: str
    amount: Decimal
    balance: Decimal  # after this entry
    source: str
    notice_id: int | None
    notice_number: str | None
    period_start: date | None
    period_end: date | None


def _running(dealer_id: int, start: date | None, end: date | None):
    """Entries of a date range with the running sum of the range (by date, then id)."""
    e = LedgerEntry
    stmt = (sa.select(e.id, e.entry_date, e.kind, e.reference, e.memo, e.amount, e.source,
                      e.notice_id,
                      sa.func.sum(e.amount).over(order_by=(e.entry_date, e.id)).label("running"))
            .where(e.dealer_id == dealer_id))
    if start is not None:
        stmt = stmt.where(e.entry_date >= start)
    if end is not None:
        stmt = stmt.where(e.entry_date <= end)
    return stmt.subquery("running")


def _rows(subquery, opening: Decimal, where=(), descending=False, limit=None) -> list[LedgerRow]:
    order = (subquery.c.entry_date, subquery.c.id)
    stmt = (sa.select(subquery, WriteOffNotice.number, WriteOffNotice.period_start,
                      WriteOffNotice.period_end)
            .outerjoin(WriteOffNotice, WriteOffNotice.id == subquery.c.notice_id)
            .where(*where)
            .order_by(*((c.desc() for c in order) if descending else order)).limit(limit))
    return [LedgerRow(id=r.id, entry_date=r.entry_date, kind=LedgerKind(r.kind),
                      reference=r.reference, memo=r.memo, amount=money(r.amount),
                      balance=money(opening + money(r.running)), source=r.source,
                      notice_id=r.notice_id, notice_number=r.number,
                      period_start=r.period_start, period_end=r.period_end)
            for r in db.session.execute(stmt)]


def entries_with_balance(dealer_id: int, start: date | None,
                         end: date | None) -> tuple[Decimal, list[LedgerRow]]:
    """The opening balance before ``start`` and every entry of the range, oldest first, each
    with the balance after it (two queries, whatever the ledger's size)."""
    opening = balance_before(dealer_id, start) if start else ZERO
    return opening, _rows(_running(dealer_id, start, end), opening)


@dataclass
class LedgerPage:
    opening: Decimal
    rows: list[LedgerRow]  # newest first
    next_cursor: str | None


def ledger_page(dealer_id: int, start: date | None, end: date | None, cursor: str | None,
                size: int) -> LedgerPage:
    """One page of entries, newest first, continuing after ``cursor`` (keyset, never OFFSET)."""
    opening = balance_before(dealer_id, start) if start else ZERO
    subquery = _running(dealer_id, start, end)
    where = []
    after = decode_cursor(cursor)
    if after is not None:
        try:
            last_date, last_id = date.fromisoformat(after[0]), int(after[1])
        except (TypeError, ValueError):
            last_date = None
        if last_date is not None:
            where.append(sa.or_(subquery.c.entry_date < last_date,
                                sa.and_(subquery.c.entry_date == last_date,
                                        subquery.c.id < last_id)))
    rows = _rows(subquery, opening, where, descending=True, limit=size + 1)
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor([rows[-1].entry_date.isoformat(), rows[-1].id])
    return LedgerPage(opening, rows, next_cursor)


# --- entries from the ERP --------------------------------------------------------------------

@dataclass
class Problem:
    """Why one row (of a sheet, or of an API list) cannot be imported."""

    row: int
    field: str
    message: str

    @property
    def column(self) -> str:
        return str(LABELS.get(self.field, self.field))


@dataclass
class Planned:
    row: int
    dealer: Dealer
    kind: LedgerKind
    entry_date: date
    reference: str
    amount: Decimal  # signed, as stored
    memo: str
    existing: LedgerEntry | None = None  # the identical entry already in the ledger

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class ImportResult:
    planned: list[Planned] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: list[LedgerEntry] = field(default_factory=list)

    @property
    def new(self) -> list[Planned]:
        return [p for p in self.planned if p.is_new]

    @property
    def skipped(self) -> int:
        return len(self.planned) - len(self.new)


def signed(kind: LedgerKind, amount: Decimal) -> Decimal:
    """The amount as stored: a payment lowers the receivable."""
    return -amount if kind == LedgerKind.PAYMENT else amount


def _amount_problem(kind: LedgerKind, amount: Decimal) -> str | None:
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= LIMIT:
        return _("Enter an amount in yuan with at most two decimal places.")
    if kind != LedgerKind.OPENING and amount <= 0:
        return _("Enter a positive amount; a payment is lowered from the balance by itself.")
    return None


def _check_values(values: dict) -> list[tuple[str, str]]:
    """Problems of one row on its own: (field, message)."""
    problems = []
    kind = values.get("kind")
    if kind is not None and kind not in ERP_KINDS:
        problems.append(("kind", _("Offsets come only from confirmed write-off notices; "
                                   "use opening, invoice or payment.")))
        kind = None
    reference = values.get("reference")
    if reference is not None and not reference.strip():  # None: the reader said why
        problems.append(("reference", _("A reference (the ERP document number) is required.")))
    elif len(reference or "") > 40:
        problems.append(("reference", _("At most %(n)d characters.", n=40)))
    if len(values.get("memo") or "") > 200:
        problems.append(("memo", _("At most %(n)d characters.", n=200)))
    if kind is not None and values.get("amount") is not None and (
            message := _amount_problem(kind, values["amount"])):
        problems.append(("amount", message))
    return problems


def _existing(keys: set[tuple[int, str, str]]) -> dict[tuple, LedgerEntry]:
    """The entries already in the ledger with these (dealer id, kind, reference) keys."""
    found = {}
    keys = sorted(keys)
    for start in range(0, len(keys), 300):
        chunk = keys[start:start + 300]
        rows = db.session.scalars(sa.select(LedgerEntry).where(sa.tuple_(
            LedgerEntry.dealer_id, LedgerEntry.kind, LedgerEntry.reference).in_(chunk)))
        found.update({(r.dealer_id, r.kind.value, r.reference): r for r in rows})
    return found


def _openings(dealer_ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(sa.select(LedgerEntry.dealer_id, LedgerEntry.reference).where(
        LedgerEntry.kind == LedgerKind.OPENING, LedgerEntry.dealer_id.in_(dealer_ids)))
    return dict(rows.all())


def _differences(entry: LedgerEntry, planned: Planned) -> str:
    """How an entry already imported differs from the row (empty when identical)."""
    changed = []
    if entry.entry_date != planned.entry_date:
        changed.append(_("date %(value)s", value=entry.entry_date.isoformat()))
    if money(entry.amount) != planned.amount:
        changed.append(_("amount %(value)s", value=money(abs(entry.amount))))
    if (entry.memo or "") != planned.memo:
        changed.append(_("memo “%(value)s”", value=entry.memo))
    return ", ".join(changed)


def plan_entries(rows: list[tuple[int, dict]]) -> ImportResult:
    """Check every row (numbered) against the others and the ledger; write nothing.

    Each row's values: dealer (code), kind (LedgerKind), date, reference, amount (as the ERP
    gives it), memo; a value is None when it could not be read (its problem is reported by the
    reader). A row already in the ledger with the same values is planned as already imported.
    """
    result = ImportResult()
    codes = {v["dealer"] for _n, v in rows if v.get("dealer")}
    dealers = {d.code: d for d in db.session.scalars(
        sa.select(Dealer).where(Dealer.code.in_(codes)))} if codes else {}
    seen, usable = {}, []
    for number, values in rows:
        problems = _check_values(values)
        dealer = dealers.get(values.get("dealer"))
        if values.get("dealer") and dealer is None:
            problems.append(("dealer", _("Unknown dealer code.")))
        result.problems += [Problem(number, f, m) for f, m in problems]
        if problems or dealer is None or None in (values.get("kind"), values.get("date"),
                                                  values.get("amount")):
            continue
        kind = values["kind"]
        key = (dealer.id, kind.value, values["reference"].strip())
        if key in seen:
            result.problems.append(Problem(number, "reference", _(
                "Also on row %(row)d of this file.", row=seen[key])))
            continue
        seen[key] = number
        usable.append(Planned(number, dealer, kind, values["date"], key[2],
                              money(signed(kind, values["amount"])),
                              (values.get("memo") or "").strip()))
    _against_ledger(usable, result)
    result.problems.sort(key=lambda p: p.row)
    return result


def _against_ledger(usable: list[Planned], result: ImportResult) -> None:
    existing = _existing({(p.dealer.id, p.kind.value, p.reference) for p in usable})
    openings = _openings({p.dealer.id for p in usable if p.kind == LedgerKind.OPENING})
    opening_rows = {}
    for planned in usable:
        entry = existing.get((planned.dealer.id, planned.kind.value, planned.reference))
        if entry is not None:
            if differences := _differences(entry, planned):
                result.problems.append(Problem(planned.row, "reference", _(
                    "Already imported with other values (%(differences)s); an imported entry "
                    "cannot be changed.", differences=differences)))
                continue
            planned.existing = entry
        elif planned.kind == LedgerKind.OPENING:
            other = openings.get(planned.dealer.id)
            earlier = opening_rows.setdefault(planned.dealer.id, planned.row)
            if other is not None or earlier != planned.row:
                result.problems.append(Problem(planned.row, "kind", _(
                    "A dealer has one opening balance; %(dealer)s already has one (%(ref)s).",
                    dealer=planned.dealer.code,
                    ref=other if other is not None else _("row %(row)d", row=earlier))))
                continue
        result.planned.append(planned)


def _create(planned: Planned, *, source: str, actor) -> LedgerEntry:
    entry = LedgerEntry(dealer_id=planned.dealer.id, kind=planned.kind,
                        entry_date=planned.entry_date, reference=planned.reference,
                        memo=planned.memo, amount=planned.amount, source=source,
                        created_by_id=actor.id)
    db.session.add(entry)
    return entry


def _changes(entry: LedgerEntry) -> dict:
    return {"dealer_id": (None, entry.dealer_id), "kind": (None, entry.kind),
            "entry_date": (None, entry.entry_date), "reference": (None, entry.reference),
            "amount": (None, entry.amount), "memo": (None, entry.memo)}


def import_entries(rows: list[tuple[int, dict]], *, actor, source: str = "excel",
                   problems: list | None = None) -> ImportResult:
    """Import a whole sheet (or API list): every row checked first; with any problem (or any
    ``problems`` the reader found) nothing is written. Rows already imported are skipped, so
    running the same file again changes nothing."""
    result = plan_entries(rows)
    result.problems = sorted([*(problems or []), *result.problems], key=lambda p: p.row)
    if result.problems:
        return result
    result.created = [_create(p, source=source, actor=actor) for p in result.new]
    audit.record_many("import" if source == "excel" else "create",
                      [(e, _changes(e)) for e in result.created], actor=actor)
    return result


def add_entry(dealer: Dealer, kind: LedgerKind, entry_date: date, reference: str,
              amount: Decimal, memo: str = "", *, actor, source: str = "api"
              ) -> tuple[LedgerEntry, bool]:
    """Post one ERP entry; answer (entry, created). An identical entry already posted is
    returned as it is; a different one under the same reference is refused."""
    values = {"dealer": dealer.code, "kind": LedgerKind(kind),
              "date": entry_date, "reference": reference, "amount": amount, "memo": memo}
    result = import_entries([(1, values)], actor=actor, source=source)
    if result.problems:
        problem = result.problems[0]
        raise DomainError(problem.message, field=problem.field)
    if result.created:
        return result.created[0], True
    return result.planned[0].existing, False


def balances_after(entries: list[LedgerEntry]) -> dict[int, Decimal]:
    """The balance right after each entry, for entries of any dealers, in one query."""
    if not entries:
        return {}
    e = LedgerEntry
    running = (sa.select(e.id, sa.func.sum(e.amount).over(
        partition_by=e.dealer_id, order_by=(e.entry_date, e.id)).label("running"))
        .where(e.dealer_id.in_({x.dealer_id for x in entries})).subquery())
    wanted = [x.id for x in entries]
    rows = db.session.execute(sa.select(running).where(running.c.id.in_(wanted)))
    return {entry_id: money(total) for entry_id, total in rows}
