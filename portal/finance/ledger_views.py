"""The receivable ledger pages: dealers with their balance, one dealer's entries with the
running balance, the dealer statement (page, PDF, Excel) and the ERP's Excel import."""

from datetime import date

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.catalog.forms import ImportForm
from portal.core.db import named, shanghai_today
from portal.core.downloads import download
from portal.core.excel import ExcelError, uploaded_sheet
from portal.core.htmx import render
from portal.core.pagination import request_page
from portal.core.permissions import requires
from portal.dealers.models import Dealer
from portal.dealers.scope import get_dealer, visible_dealers
from portal.extensions import db
from portal.finance import access, ledger_import
from portal.finance.ledger import ZERO, balance, balances, ledger_page
from portal.finance.statement import (
    build_statement,
    default_range,
    statement_pdf,
    statement_xlsx,
)
from portal.finance.views import bp

ledger_readers = requires(access.can_read_ledger)
importers = requires(access.can_import_ledger)


def notice_links() -> bool:
    """Offsets link to their notice once the notice pages exist."""
    return "finance.notice" in current_app.view_functions


def _date_arg(name: str, errors: list) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(_("Enter dates like 2026-03-01."))
        return None


def _range(today: date | None = None) -> tuple[date | None, date | None, list]:
    """The ?start=&end= range; with ``today``, a missing end is today and a missing start the
    first of January of the end's year (a statement always has both)."""
    errors = []
    start, end = _date_arg("start", errors), _date_arg("end", errors)
    if start and end and start > end:
        errors.append(_("The start date is after the end date."))
        start = end = None
    if today is not None:
        end = end or max(today, start or today)
        start = start or default_range(end)[0]
    return start, end, errors


@bp.route("/ledger")
@ledger_readers
def ledger():
    """Dealers with what each owes now; a dealer goes straight to its own ledger."""
    if current_user.role.is_dealer:
        return redirect(url_for("finance.ledger_detail", dealer_id=current_user.dealer_id))
    q = request.args.get("q", "").strip()
    stmt = _listed(visible_dealers(current_user))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(Dealer.code.ilike(like), Dealer.name.ilike(like)))
    page = request_page(stmt, Dealer.code, Dealer.id, rows=True)
    owed = balances([d.id for d in page.items]) if page.items else {}
    return render("finance/ledger.html", "finance/_ledger_dealers.html", page=page, q=q,
                  owed=owed, zero=ZERO, importer=access.can_import_ledger(current_user))


def _listed(stmt):
    """``stmt`` (a SELECT of dealers) as the rows the ledger's list shows: plain columns and the
    sales rep's name by a subquery per shown row, not whole dealers with their reps."""
    rep_name = named(Dealer, User.display_name, User.id == Dealer.sales_rep_id, "rep_name")
    return stmt.with_only_columns(Dealer.id, Dealer.code, Dealer.name, rep_name)


@bp.route("/ledger/<id:dealer_id>")
@ledger_readers
def ledger_detail(dealer_id):
    """One dealer's entries, newest first, with the balance after each; a date range narrows."""
    dealer = get_dealer(dealer_id, current_user)
    start, end, errors = _range()
    page = ledger_page(dealer.id, start, end, request.args.get("after"),
                       current_app.config["PAGE_SIZE"])
    return render("finance/ledger_detail.html", "finance/_ledger_rows.html", dealer=dealer,
                  page=page, start=start, end=end, errors=errors, current=balance(dealer.id),
                  closing=balance(dealer.id, end) if end else None, notice_links=notice_links())


def _statement(dealer_id, traced: bool = True):
    dealer = get_dealer(dealer_id, current_user)
    start, end, errors = _range(shanghai_today())
    return build_statement(dealer, start, end, traced=traced), errors


@bp.route("/ledger/<id:dealer_id>/statement")
@ledger_readers
def statement(dealer_id):
    """The dealer statement for a date range (this year by default); each offset with how many
    claims and cases its notice holds (the notice, the PDF and the Excel list them)."""
    built, errors = _statement(dealer_id, traced=False)
    return render("finance/statement.html", s=built, errors=errors, notice_links=notice_links())


@bp.route("/ledger/<id:dealer_id>/statement.pdf")
@ledger_readers
def statement_as_pdf(dealer_id):
    """The dealer statement as a PDF."""
    built, _errors = _statement(dealer_id)
    return download(statement_pdf(built), _file_name(built, "pdf"), attachment=False)


@bp.route("/ledger/<id:dealer_id>/statement.xlsx")
@ledger_readers
def statement_as_xlsx(dealer_id):
    """The dealer statement as an Excel workbook (amounts as numbers)."""
    built, _errors = _statement(dealer_id)
    return download(statement_xlsx(built), _file_name(built, "xlsx"), attachment=False)


def _file_name(built, suffix: str) -> str:
    return f"statement-{built.dealer.code}-{built.start:%Y%m%d}-{built.end:%Y%m%d}.{suffix}"


@bp.route("/ledger/import", methods=["GET", "POST"])
@importers
def ledger_import_sheet():
    """Upload the ERP's sheet: every row checked and previewed; nothing is written yet."""
    form = ImportForm()
    result, token = None, None
    if form.validate_on_submit():
        data = uploaded_sheet(form.file.data)
        try:
            result = ledger_import.preview(data)
        except ExcelError as error:
            form.file.errors.append(str(error))
        else:
            if not result.problems and result.new:
                token = ledger_import.keep_upload(data)
    failed = bool(form.errors or (result and result.problems))
    return render("finance/ledger_import.html", status=422 if failed else 200, form=form,
                  result=result, token=token, errors=result.problems if result else [])


@bp.route("/ledger/import/confirm", methods=["POST"])
@importers
def ledger_import_confirm():
    """Import the previewed sheet in one transaction: all rows or none."""
    token = request.form.get("token", "")
    data = ledger_import.kept_upload(token)
    if data is None:
        flash(_("That upload is no longer available; please upload the file again."), "error")
        return redirect(url_for("finance.ledger_import_sheet"), 303)
    result = ledger_import.import_sheet(data, actor=current_user)
    if result.problems:  # the ledger changed since the preview
        db.session.rollback()
        return render("finance/ledger_import.html", status=422, form=ImportForm(),
                      result=result, token=None, errors=result.problems)
    db.session.commit()
    ledger_import.drop_upload(token)
    flash(_("Imported %(created)d entries; %(skipped)d were already in the ledger.",
            created=len(result.created), skipped=result.skipped), "success")
    return redirect(url_for("finance.ledger"), 303)


@bp.route("/ledger/import/template.xlsx")
@importers
def ledger_import_template():
    """Download the empty ledger sheet with its headings."""
    return download(ledger_import.template(), "ledger-template.xlsx")
