"""The one form answer (portal.core.actions.form_action): commit and redirect, or roll back and
show the form again with 422; files stored on the way are removed unless the change commits."""

import io

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages, request
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from wtforms import StringField
from wtforms.validators import InputRequired

from portal.catalog.models import FaultCode
from portal.core.actions import back_with_errors, form_action
from portal.core.errors import DomainError
from portal.core.uploads import IMAGE_TYPES, store, uploads_root
from tests.helpers import image_bytes


class CodeForm(FlaskForm):
    code = StringField(validators=[InputRequired()])


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def posted(app):
    """Run the body inside a POST of ``data`` (an htmx one when ``htmx``)."""

    def post(data, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        return app.test_request_context("/codes", method="POST", data=data, headers=headers)

    return post


def _stored_files():
    return {p for p in uploads_root().rglob("*") if p.is_file()}


def _add_code(form):
    fault = FaultCode(code=form.code.data, description="测试")
    from portal.extensions import db

    db.session.add(fault)
    db.session.flush()
    return fault


def _codes(code) -> int:
    from portal.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).where(FaultCode.code == code))


def _again(form):
    return f"form again: {form.errors}"


def test_a_valid_form_commits_flashes_and_redirects_with_303(posted):
    with posted({"code": "FA1"}):
        form = CodeForm()
        response = form_action(form, lambda: _add_code(form), again=_again,
                               success=lambda fault: f"Saved {fault.code}.",
                               done=lambda fault: f"/codes/{fault.code}")
        assert (response.status_code, response.headers["Location"]) == (303, "/codes/FA1")
        assert get_flashed_messages(with_categories=True) == [("success", "Saved FA1.")]
    assert _codes("FA1") == 1


def test_a_refusal_rolls_back_and_shows_the_form_again_with_422(posted):
    def refuse(form):
        _add_code(form)
        raise DomainError("That code is taken.", field="code")

    with posted({"code": "FA2"}):
        form = CodeForm()
        response = form_action(form, lambda: refuse(form), again=_again, done="/codes",
                               success="Saved.")
        assert response.status_code == 422
        assert form.code.errors == ["That code is taken."]
        assert get_flashed_messages() == []
    assert _codes("FA2") == 0


def test_an_invalid_form_runs_nothing_and_a_first_get_is_200(app, posted):
    ran = []
    with posted({"code": ""}):
        form = CodeForm()
        response = form_action(form, lambda: ran.append(1), again=_again, done="/codes")
        assert response.status_code == 422 and "code" in form.errors
    with app.test_request_context("/codes"):
        form = CodeForm()
        response = form_action(form, lambda: ran.append(1), again=_again, done="/codes")
        assert response.status_code == 200
    assert ran == []


def test_a_plain_htmx_form_leaving_its_page_gets_hx_redirect(posted):
    with posted({"code": "FA3"}, htmx=True):
        form = CodeForm()
        response = form_action(form, lambda: None, again=_again, done="/elsewhere", leave=True)
        assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/elsewhere")
    with posted({"code": "FA3"}, htmx=True):  # staying: htmx follows the 303 and swaps in place
        response = form_action(CodeForm(), lambda: None, again=_again, done="/codes")
        assert response.status_code == 303


def test_a_row_is_answered_in_place_done_or_refused(posted):
    def row(form):
        return f"row {request.form['code']} {form.errors}"

    with posted({"code": "FA4"}, htmx=True):
        response = form_action(CodeForm(), lambda: None, again=_again, done="/codes",
                               success="Done.", in_place=row)
        assert response.get_data(as_text=True) == "row FA4 {}" and response.status_code == 200
        assert get_flashed_messages() == []
    with posted({"code": ""}, htmx=True):
        response = form_action(CodeForm(), lambda: None, again=_again, done="/codes",
                               in_place=row)
        assert response.status_code == 422 and response.get_data(as_text=True).startswith("row")


def test_a_button_on_another_page_goes_back_with_its_messages(posted):
    def refuse():
        raise DomainError("Not now.")

    with posted({"code": "FA5"}):
        response = form_action(CodeForm(), refuse, done="/codes",
                               again=back_with_errors("/codes/FA5"))
        assert (response.status_code, response.headers["Location"]) == (303, "/codes/FA5")
        assert get_flashed_messages(with_categories=True) == [("error", "Not now.")]


def _upload():
    return FileStorage(io.BytesIO(image_bytes("JPEG")), filename="photo.jpg")


def _store_then(form, then):
    store(_upload(), folder="actions-test", allowed=IMAGE_TYPES, field="code")
    return then(form)


def test_files_stored_for_a_refused_change_are_removed(posted):
    before = _stored_files()

    def refuse(form):
        raise DomainError("No.", field="code")

    with posted({"code": "FA6"}):
        form = CodeForm()
        assert form_action(form, lambda: _store_then(form, refuse), again=_again,
                           done="/codes").status_code == 422
    assert _stored_files() == before


def test_files_stored_before_a_commit_that_fails_are_removed(db, posted):
    before = _stored_files()

    def duplicate(form):  # the second row breaks the unique code only when the commit flushes
        for _ in range(2):
            db.session.add(FaultCode(code=form.code.data, description="测试"))

    with posted({"code": "FA7"}):
        form = CodeForm()
        with pytest.raises(IntegrityError):
            form_action(form, lambda: _store_then(form, duplicate), again=_again, done="/")
        db.session.rollback()
    assert _stored_files() == before


def test_files_of_a_committed_change_stay(posted):
    before = _stored_files()
    with posted({"code": "FA8"}):
        form = CodeForm()
        form_action(form, lambda: _store_then(form, _add_code), again=_again, done="/")
    (kept,) = _stored_files() - before
    assert kept.suffix == ".jpg"
    kept.unlink()
