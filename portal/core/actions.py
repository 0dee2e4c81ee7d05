"""The one way a view answers a form: validate, run one service call, commit, answer.

A view loads its record (404) and checks access (403) first, then hands the form to
``form_action``: a valid form runs the action as the request's transaction (files stored on the
way are removed again if it fails), and the answer is a redirect with a flash, or the page with
the form again, its messages next to the fields, with status 422.
"""

from collections.abc import Callable

from flask import flash, make_response, redirect
from flask_babel import gettext as _

from portal.core.excel import ExcelError, uploaded_sheet
from portal.core.forms import attempt
from portal.core.htmx import wants_fragment
from portal.core.uploads import staged
from portal.extensions import db


def form_action(form, action: Callable, *, done, again: Callable, success=None,
                then: Callable | None = None, leave: bool = False,
                in_place: Callable | None = None):
    """Answer ``form``: run ``action`` when it is valid, then redirect to ``done``.

    ``done`` and ``success`` (the flash) may be callables of the action's result; ``then(result)``
    is what must wait for the commit (removing a detached file, starting work that reads the
    committed rows). ``leave`` says the redirect leaves the page a plain htmx form sits in
    (``HX-Redirect``, see ``see_other``); otherwise htmx follows the 303 and swaps the page's
    fragment in place. ``again(form)`` renders the page with the form; it is answered 422 when
    the form holds errors (200 on a first GET). ``in_place(form)``, when given, answers a plain
    htmx request instead, done or not: the fragment the form sits in (a row), updated where it is.
    """
    fragment = in_place is not None and wants_fragment()
    if form.validate_on_submit():
        with staged() as files:
            ok, result = attempt(form, action)
            files.committed = ok
        if ok:
            if then is not None:
                then(result)
            return make_response(in_place(form) if fragment
                                 else _redirect(done, success, result, leave))
    failed = bool(form.errors)  # before ``again`` moves a line's message off the form
    response = make_response((in_place if fragment else again)(form))
    if failed and response.status_code == 200:
        response.status_code = 422
    return response


def sheet_import(form, run: Callable, *, done: str, again: Callable):
    """Answer an Excel import form: all rows or none.

    ``run(data)`` reads the uploaded sheet and returns (created, updated, row errors). With no
    error the import is committed and the answer redirects to ``done``; otherwise nothing is
    kept and ``again(errors, status)`` renders the page with them, status 422.
    """
    errors = []
    if form.validate_on_submit():
        try:
            created, updated, errors = run(uploaded_sheet(form.file.data))
        except ExcelError as error:
            form.file.errors.append(str(error))
        else:
            if not errors:
                db.session.commit()
                flash(_("Imported: %(created)d new, %(updated)d updated.", created=created,
                        updated=updated), "success")
                return redirect(done, 303)
            db.session.rollback()
    return again(errors, 422 if form.errors or errors else 200)


def _redirect(done, success, result, leave: bool):
    if success:
        flash(str(_of(success, result)), "success")
    target = _of(done, result)
    return see_other(target) if leave else redirect(target, 303)


def see_other(target: str):
    """Leave the page after a successful form: 303, or ``HX-Redirect`` for a plain htmx form
    (which would otherwise follow the 303 and swap the next page into the form)."""
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, 303)


def back_with_errors(target: str) -> Callable:
    """An ``again`` for a form that is a button on another page: flash its messages, go back."""
    def answer(form):
        for message in errors_of(form):
            flash(str(message), "error")
        return redirect(target, 303)
    return answer


def errors_of(form) -> list:
    """Every message the form holds: the fields' in their order, then the form's own."""
    messages = [m for field in form if field.errors for m in field.errors
                if not isinstance(m, dict)]
    return [*messages, *form.form_errors]


def errors_by_line(form, *prefixes: str) -> dict[str, str]:
    """Move a refusal about one row of a table (its field named ``<prefix><id>``, which the form
    has no field for) from the top of the form to that row: {field: message}."""
    error = getattr(form, "domain_error", None)
    if error is None or not (error.field or "").startswith(prefixes):
        return {}
    form.form_errors.remove(error.message)
    return {error.field: error.message}


def _of(value, result):
    return value(result) if callable(value) else value
