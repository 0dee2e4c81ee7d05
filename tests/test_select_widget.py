"""The portal's one-pass select widget renders what WTForms' own does."""

import pytest
import wtforms
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Form, SelectChoice

from portal.core.forms import SelectField, SelectMultipleField
from tests.test_bad_input import _portal_fields

CHOICES = [
    SelectChoice("", "—"),
    SelectChoice("1", "BD0001 兴泉市农机"),
    SelectChoice("2", 'Tom & "Jerry" <b>'),
    SelectChoice('a"b', "quote in the value"),
    SelectChoice(Markup('m"k'), Markup("<i>safe</i>")),
    SelectChoice("<x>", None),
    SelectChoice("3", ""),
]


def _pair(field_class, library_class, data, choices=CHOICES, **kwargs):
    ours = type("Ours", (Form,), {"f": field_class(choices=choices, **kwargs)})()
    theirs = type("Theirs", (Form,), {"f": library_class(choices=choices, **kwargs)})()
    ours.f.data = theirs.f.data = data
    return ours.f, theirs.f


@pytest.mark.parametrize("data", [None, "", "1", "2", 'a"b', "<x>", "missing"])
def test_select_renders_as_the_library_does(data):
    ours, theirs = _pair(SelectField, wtforms.SelectField, data)
    assert ours() == theirs()
    assert ours(class_="wide", required=True) == theirs(class_="wide", required=True)


PLAIN = [SelectChoice("", "—"), SelectChoice("1", "BD0001 兴泉市农机"),
         SelectChoice("2", 'Tom & "Jerry" <b>'), SelectChoice('a"b', "it's"),
         SelectChoice("<x>", None), SelectChoice("3", "")]


@pytest.mark.parametrize("choices", [PLAIN, [*PLAIN, SelectChoice("4", "two\nlines")], []])
@pytest.mark.parametrize("data", [None, "", "1", 'a"b', "<x>", "missing"])
def test_a_select_of_plain_choices_renders_in_one_pass_as_the_library_does(
        monkeypatch, choices, data):
    ours, theirs = _pair(SelectField, wtforms.SelectField, data, choices)
    expected = theirs(class_="wide", required=True)
    monkeypatch.setattr(wtforms.widgets.Select, "__call__", None)  # never the library's way
    assert ours(class_="wide", required=True) == expected


@pytest.mark.parametrize("data", [None, 1, 2, 7])
def test_select_of_numbers_renders_as_the_library_does(data):
    choices = [SelectChoice(1, "one"), SelectChoice(2, "two"), SelectChoice(True, "yes"),
               SelectChoice(7, "seven", render_kw={"disabled": True, "data_x": 'a"'})]
    ours, theirs = _pair(SelectField, wtforms.SelectField, data, choices, coerce=int)
    assert "disabled" in ours()
    assert ours() == theirs()


def test_select_with_groups_renders_as_the_library_does():
    choices = [SelectChoice("1", "one", optgroup="Odd & <b>"),
               SelectChoice("3", "three", optgroup="Odd & <b>"),
               SelectChoice("2", "two", optgroup="Even"), SelectChoice("0", "zero")]
    ours, theirs = _pair(SelectField, wtforms.SelectField, "3", choices)
    assert "<optgroup" in ours()
    assert ours() == theirs()


def test_multiple_select_renders_as_the_library_does():
    ours, theirs = _pair(SelectMultipleField, wtforms.SelectMultipleField, ["1", "<x>"])
    assert "multiple" in ours()
    assert ours() == theirs()


def test_lazy_labels_render_in_the_readers_language(app):
    choices = [SelectChoice("open", _l("Open")), SelectChoice("closed", _l("Closed"))]
    for language in ("en", "zh_CN"):
        with app.test_request_context(headers={"Accept-Language": language}):
            ours, theirs = _pair(SelectField, wtforms.SelectField, "open", choices)
            assert ours() == theirs()


def test_every_form_selects_through_the_one_field():
    """Every field drawn as a <select> (not a radio list, also a SelectField to WTForms)."""
    fields = [(form, name, unbound) for form, name, unbound in _portal_fields(wtforms.SelectField)
              if isinstance(unbound.kwargs.get("widget", unbound.field_class.widget),
                            wtforms.widgets.Select)]
    assert len(fields) > 15
    assert [(f.__name__, n) for f, n, u in fields
            if u.field_class not in (SelectField, SelectMultipleField)] == []


@pytest.mark.parametrize("attrs", [
    {}, {"name": "q", "id": "q", "class_": "wide", "for_": "x"},
    {"checked": True, "readonly": False, "required": True, "value": 0},
    {"data_hx_target": "#lines", "aria_label": "Tom & \"Jerry\" <b>", "placeholder": "a'b"},
    {"value": Markup('m"k<i>'), "title": None, "rows": 2, "step": 0.5},
])
def test_html_params_is_the_librarys(attrs):
    """The portal's html_params, which every widget uses, writes what WTForms' own does."""
    from portal.core.forms import LIBRARY_HTML_PARAMS, html_params

    assert wtforms.widgets.core.html_params is html_params
    ours, theirs = html_params(**attrs), LIBRARY_HTML_PARAMS(**attrs)
    assert ours == theirs and isinstance(ours, Markup)
