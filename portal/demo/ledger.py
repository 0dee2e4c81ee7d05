"""Demo receivable ledgers: what each dealer owes the maker for goods, as the ERP reports it.

The ledger starts with each dealer's opening balance at the start of the history: the credit
the maker gives it, which it keeps using, so the offsets never outrun what it owes. The ERP
invoices the units shipped to a dealer twice a month (XS-…), and books the dealer's payments
(SK-…): each invoice paid three to seven weeks later, mostly by wire, sometimes by a bank
acceptance bill in round figures (the rest follows with the next payment). Every Monday
finance imports the previous week's entries from the ERP's Excel export; the offsets of
confirmed write-off notices post themselves.
"""

import itertools
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.catalog.models import ProductModel
from portal.core.db import money
from portal.dealers.models import Dealer
from portal.demo import finance_data as text
from portal.demo.claims import at
from portal.extensions import db
from portal.finance import ledger
from portal.finance.models import LedgerEntry, LedgerKind
from portal.units.models import Unit

BILL = "银行承兑汇票"


def ledger_stories(f, start: date) -> list:
    """The weekly import of the ERP's entries, from the opening balances on."""
    opened = start.replace(day=1)
    entries = sorted(_erp_entries(f, opened), key=lambda e: (e["date"], e["reference"]))
    first = opened + timedelta(days=7 - opened.weekday())
    return [(at(first, f.rng), next(f.numbers), _imports(f, entries))]


def _imports(f, entries: list[dict]):
    """Every Monday finance imports the ERP's entries dated before it."""
    pending = iter(entries)
    waiting = next(pending, None)
    while waiting is not None:
        rows = []
        while waiting is not None and waiting["date"] < f.on:
            rows.append(waiting)
            waiting = next(pending, None)
        if rows:
            result = ledger.import_entries(list(enumerate(rows, start=2)), actor=f.clerk,
                                           source="excel")
            if result.problems:
                raise AssertionError(result.problems)
        yield f.day_at(f.on + timedelta(days=7 - f.on.weekday()))


def _erp_entries(f, opened: date) -> list[dict]:
    prices = {m.id: (m.code, text.DEALER_PRICES[m.code])
              for m in db.session.scalars(sa.select(ProductModel))}
    shipped = defaultdict(list)  # (dealer code, half-month) → model codes
    for code, model_id, day in db.session.execute(
            sa.select(Dealer.code, Unit.model_id, Unit.shipped_on).join(Unit.dealer)
            .where(Unit.shipped_on >= opened, Unit.shipped_on < f.today)
            .order_by(Unit.shipped_on, Unit.id)):
        shipped[code, day.replace(day=1 if day.day <= 15 else 16)].append((day, model_id))
    invoices = []
    for (code, _half), units in sorted(shipped.items()):
        count = Counter(prices[m][0] for _d, m in units)
        invoices.append({"dealer": code, "kind": LedgerKind.INVOICE, "date": units[-1][0],
                         "amount": money(sum(prices[m][1] for _d, m in units)),
                         "memo": "销售发货：" + "，".join(f"{c}×{n}" for c, n in sorted(
                             count.items()))})
    openings = [{"dealer": code, "kind": LedgerKind.OPENING, "date": opened,
                 "reference": f"QC-{opened:%Y-%m}",
                 "amount": money(Decimal(f.rng.randint(40_000_000, 160_000_000)) / 100),
                 "memo": f"期初应收余额（截至{opened - timedelta(days=1):%Y-%m-%d}）"}
                for code in db.session.scalars(sa.select(Dealer.code).order_by(Dealer.code))]
    payments = _payments(f, invoices)
    _number(invoices, "XS")
    _number(payments, "SK")
    return [*openings, *invoices, *payments]


def _payments(f, owed: list[dict]) -> list[dict]:
    """Each dealer pays the invoices it was billed some weeks before; a bank acceptance bill
    comes in round ten thousands, and what it leaves is paid with the next payment."""
    payments = []
    for code, billed in itertools.groupby(sorted(owed, key=lambda e: (e["dealer"], e["date"])),
                                          key=lambda e: e["dealer"]):
        carried = Decimal(0)
        for entry in billed:
            day = entry["date"] + timedelta(days=f.rng.randint(20, 50))
            while day.weekday() >= 5:
                day += timedelta(days=1)
            if day >= f.today:
                continue
            due, memo = entry["amount"] + carried, f.rng.choice(text.PAYMENT_MEMOS)
            amount = (due // 10_000 * 10_000) if memo == BILL else due
            carried = due - amount
            if amount > 0:
                payments.append({"dealer": code, "kind": LedgerKind.PAYMENT, "date": day,
                                 "amount": money(amount), "memo": memo})
    return payments


def _number(entries: list[dict], prefix: str) -> None:
    """ERP document numbers: a sequence per month over all dealers, in date order."""
    entries.sort(key=lambda e: (e["date"], e["dealer"]))
    for month, group in itertools.groupby(entries, key=lambda e: e["date"].strftime("%Y-%m")):
        for n, entry in enumerate(group, start=1):
            entry["reference"] = f"{prefix}-{month}-{n:04d}"


def summary() -> str:
    kinds = dict(db.session.execute(sa.select(LedgerEntry.kind, sa.func.count())
                                    .group_by(LedgerEntry.kind)).all())
    first = db.session.scalar(sa.select(sa.func.min(LedgerEntry.entry_date)))
    return (f"receivable ledgers since {first} ("
            + ", ".join(f"{k.value} {kinds.get(k, 0)}" for k in LedgerKind) + ")")
