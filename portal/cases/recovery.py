"""Supplier recovery, whole: the old parts of repair claims (``portal/returns/recovery.py``)
and the failed main part of an exchange or refund case, grouped by supplier.

After an exchange or a refund the seller may recover from the maker where the fault is the
maker's (《农业机械产品修理、更换、退货责任规定》(2010) 第四条); the maker in turn claims the faulty
part's cost from whoever supplied it, which is between them and no article of the regulation
(issue 18: "the failed main part's cost is recovered from its supplier like other parts"). When
the technical department judges a machine back from a case a quality fault, it names the main
part that failed (``portal/cases/machine.py``); that part's supplier owes its cost beside its
quality-fault old parts. It is put together here, above both domains, since returns may not
read cases.
"""

from datetime import date

import sqlalchemy as sa

from portal.cases.models import MachineVerdict, SanbaoCase
from portal.catalog.models import Part
from portal.core.db import money
from portal.extensions import db
from portal.returns.recovery import (
    RecoveryKind,
    RecoveryRow,
    SupplierRecovery,
    by_supplier,
    in_range,
    part_rows,
)
from portal.units.models import Unit


def recovery(start: date | None = None, end: date | None = None) -> list[SupplierRecovery]:
    """Every quality fault whose verdict fell in the range (Shanghai dates, both inclusive),
    grouped by supplier: old parts of claims and the main parts of returned machines (three
    queries at most)."""
    return by_supplier([*part_rows(start, end), *machine_rows(start, end)])


def machine_rows(start: date | None = None, end: date | None = None) -> list[RecoveryRow]:
    """The main part named by each quality-fault verdict on a returned machine, dated by the
    verdict (one query).

    It counts once (quantity 1) at its catalogue price (``Part.price``) on the day of the
    verdict, kept as ``machine_part_cost`` (a later price change leaves what the supplier owes as
    it was, as a repair line keeps its price). The case has no repair line whose price the maker
    paid a dealer — the machine was replaced or refunded whole, and
    the exchange's money is settled apart — so what the supplier owes is the part itself at the
    price the maker's catalogue gives it, without the warranty mark-up (an allowance to dealers
    on their repairs, not part of the part's value). No labour: nobody repaired the machine.
    """
    found = db.session.execute(
        sa.select(SanbaoCase.id, SanbaoCase.number, SanbaoCase.machine_judged_at, Unit.serial,
                  Part.part_number, Part.name, Part.supplier, SanbaoCase.machine_part_cost)
        .join(Part, Part.id == SanbaoCase.machine_part_id)
        .join(Unit, Unit.id == SanbaoCase.unit_id)
        .where(SanbaoCase.machine_verdict == MachineVerdict.QUALITY_FAULT,
               *in_range(SanbaoCase.machine_judged_at, start, end))).all()
    return [RecoveryRow(RecoveryKind.CASE, r.id, r.number, None, None, (r.supplier or "").strip(),
                        r.part_number, r.name, r.serial, r.machine_judged_at,
                        money(r.machine_part_cost))
            for r in found]
