"""What each user may see of write-off notices: those of the dealers they may see."""

from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.core.db import named
from portal.dealers.models import Dealer
from portal.dealers.scope import scope, scoped
from portal.extensions import db
from portal.finance.access import can_read_notices
from portal.finance.models import NoticeDocument, NoticeStatus, WriteOffNotice
from portal.finance.notices import case_options, sheet_options


def visible_notices(user):
    """A SELECT of the notices ``user`` may see."""
    stmt = scope(sa.select(WriteOffNotice), WriteOffNotice.dealer_id, user)
    if not scoped(user) and not can_read_notices(user):
        stmt = stmt.where(sa.false())
    return stmt


def listed_notices(stmt):
    """``stmt`` (a SELECT of notices) as the rows a list of notices shows: its number, status,
    period, total and issue time, and the dealer's code and name by a subquery per shown row;
    not whole notices (each with two JSON columns to decode) and their dealers."""
    return stmt.with_only_columns(*_listed_columns())


@cache
def _listed_columns() -> tuple:
    """``listed_notices``' columns, built once (they are the same every time)."""
    def of_dealer(column, label):
        return named(WriteOffNotice, column, Dealer.id == WriteOffNotice.dealer_id, label)

    return (WriteOffNotice.id, WriteOffNotice.number, WriteOffNotice.status,
            WriteOffNotice.period_start, WriteOffNotice.period_end, WriteOffNotice.total,
            WriteOffNotice.issued_at, of_dealer(Dealer.code, "dealer_code"),
            of_dealer(Dealer.name, "dealer_name"))


def find_notice(number: str, user, *, claims: bool = True) -> WriteOffNotice | None:
    """The notice with its dealer, cases and (unless ``claims`` is false: the page shows them
    a page at a time) claims if ``user`` may see it, else None."""
    return db.session.scalar(visible_notices(user).where(WriteOffNotice.number == number)
                             .options(*_notice_options(claims)))


@cache
def _notice_options(claims: bool) -> tuple:
    """``find_notice``'s loader options, built once for each kind of reading."""
    return (selectinload(WriteOffNotice.dealer), *sheet_options()) if claims else (
        case_options(),  # its dealer, and whether it has its PDF (not the PDF), in its own row
        joinedload(WriteOffNotice.dealer),
        joinedload(WriteOffNotice.document).load_only(NoticeDocument.rendered_at),
        # who issued it, by name (those who answered it are mostly the reader or in its history)
        joinedload(WriteOffNotice.issued_by).load_only(User.display_name))


def get_notice(number: str, user, *, claims: bool = True) -> WriteOffNotice:
    """The notice if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    return find_notice(number, user, claims=claims) or abort(404)


def month_bounds(text: str | None) -> tuple[date, date] | None:
    """"2026-10" → (1 Oct 2026, 1 Nov 2026); None for anything else."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return None
    return first, date(year + month // 12, month % 12 + 1, 1)


def filter_notices(stmt, *, status: str = "", period: str = "", dealer_id: int | None = None):
    """Narrow a SELECT of notices by status, the month their period starts in, and dealer."""
    if status in NoticeStatus.__members__.values():
        stmt = stmt.where(WriteOffNotice.status == status)
    if bounds := month_bounds(period):
        stmt = stmt.where(WriteOffNotice.period_start >= bounds[0],
                          WriteOffNotice.period_start < bounds[1])
    if dealer_id:
        stmt = stmt.where(WriteOffNotice.dealer_id == dealer_id)
    return stmt


def replacement_of(notice: WriteOffNotice) -> WriteOffNotice | None:
    """The notice reissued in place of a voided one, if any."""
    return db.session.scalar(
        sa.select(WriteOffNotice).where(WriteOffNotice.replaces_id == notice.id)
        .order_by(WriteOffNotice.id.desc()).limit(1))


def period_text(start, end) -> str:
    """A period as people name it: "2026-10" for a calendar month, else "from/to" dates."""
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    if start.day == 1 and end == following - timedelta(days=1):
        return f"{start:%Y-%m}"
    return f"{start.isoformat()}/{end.isoformat()}"
