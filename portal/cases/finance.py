"""Finance's decision on the money of an exchange or refund case (包换 / 包退).

The dealer gave the buyer a machine or his money; the maker then makes the dealer good for what
is the maker's (2010 regulation 第四条: the seller answers to the buyer and, after an exchange
or a refund, recovers from the producer what is the producer's). Seed 000 settles the money
once the failed machine is back at the company, so finance decides when the case is completed
and the clerk has received the machine (``settlement_problem``):

- **approve**: the settlement as ``portal.cases.settlement.settlement_of`` works it out now
  (refused with its message when it cannot), kept as figures: the amount, the lines with their
  arithmetic (in the portal's default language, like the ledger's memo), the months in use and
  the rate. A later price or rate change does not alter an approved settlement. It then waits
  for the dealer's next write-off notice (``notices.issue_notice``), settled by its
  ``settled_on`` (the Shanghai day of the approval, like a claim's ``finance_on``).
- **refuse**, with the reason (e.g. the technical verdict on the machine was misuse): the maker
  pays nothing on the case; no notice takes it.

One row in ``case_settlements`` (a finance table, ``portal/finance/models.py``: the notices
take it from there) per case; the decision is on the case's timeline, and it moves the case's
version, so two finance users at once cannot both decide. The queue of settlements to approve
is here too: finance's work, declared above finance in the package order because it reads the
cases.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.cases.models import CaseStatus, SanbaoCase
from portal.cases.scope import visible_cases
from portal.cases.settlement import settlement_of
from portal.core import audit
from portal.core.db import SHANGHAI, money, utcnow
from portal.core.errors import DomainError
from portal.core.queues import Queue
from portal.core.versioning import LATEST, check_version
from portal.extensions import db
from portal.finance.access import can_settle_cases
from portal.finance.models import CaseSettlement, SettlementStatus

REASON_MAX = 2000


def settlement_problem(case: SanbaoCase) -> str | None:
    """Why finance cannot decide the case's settlement now; None when it can. Seed 000: the
    failed machine comes back to the company before the money is settled."""
    if case.settlement is not None:
        return _("Finance has already decided the settlement of case %(number)s.",
                 number=case.number)
    if case.status != CaseStatus.COMPLETED:
        return _("The settlement is decided once the case is completed.")
    if case.machine_received_on is None:
        return _("The settlement is decided once the failed machine is back at the factory.")
    return None


def can_settle_case(case: SanbaoCase, user) -> bool:
    """Finance approves or refuses a completed case's settlement once its machine is back."""
    return can_settle_cases(user) and settlement_problem(case) is None


# The same conditions as ``settlement_problem``, as SQL: completed, machine back, no
# settlement decided yet. Oldest arrival first.
SETTLE = Queue(
    "case_settlements", _l("Case settlements to approve"), can_settle_cases, visible_cases,
    lambda user, now: (SanbaoCase.status == CaseStatus.COMPLETED,
                       SanbaoCase.machine_received_on.is_not(None),
                       ~sa.exists().where(CaseSettlement.case_id == SanbaoCase.id)),
    SanbaoCase.machine_received_on, SanbaoCase.id, "finance.case_settlements")


class WrongState(DomainError):
    """The case is not at the step where finance decides its settlement (the API answers 409)."""

    conflict = True


def _reason(reason: str | None, approve: bool) -> str:
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError(_("Say why the maker pays nothing on this case."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("Keep it under %(n)d characters.", n=REASON_MAX), field="reason")
    return reason


def _figures(case: SanbaoCase) -> dict:
    """The settlement as approved: worked out now, its words in the default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        settlement = settlement_of(case)
    if settlement.problem is not None:
        raise DomainError(settlement_of(case).problem)  # in the user's language
    return {"amount": settlement.amount, "months_in_use": settlement.months_in_use,
            "rate": settlement.rate, "lines": [
                {"key": line.key, "label": line.label, "arithmetic": line.arithmetic,
                 "amount": str(money(line.amount))} for line in settlement.lines]}


def settle_case(case: SanbaoCase, approve: bool, reason: str = "", *, actor, version=LATEST,
                now: datetime | None = None) -> CaseSettlement:
    """Finance approves the case's settlement as worked out now, or refuses it with a reason."""
    if not can_settle_cases(actor):
        raise DomainError(_("Only finance approves the settlement of a case."))
    if (problem := settlement_problem(case)) is not None:
        raise WrongState(problem)
    check_version(case, version)
    reason = _reason(reason, approve)
    figures = _figures(case) if approve else {"amount": money(0), "lines": []}
    now = now or utcnow()
    settlement = CaseSettlement(
        case=case, dealer_id=case.dealer_id, reason=reason, decided_by_id=actor.id,
        decided_at=now, settled_on=now.astimezone(SHANGHAI).date(),
        status=SettlementStatus.APPROVED if approve else SettlementStatus.REFUSED, **figures)
    db.session.add(settlement)
    flag_modified(case, "status")  # moves the case's version: a second decision is stale
    audit.record("approve_settlement" if approve else "refuse_settlement", case, actor=actor,
                 reason=reason, changes={"settlement": (None, settlement.amount)})
    return settlement

