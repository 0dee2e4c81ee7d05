"""The per-request shortcuts answer exactly what the general machinery would."""

from datetime import UTC, date, datetime

from flask_babel import force_locale, format_date, format_datetime, gettext, refresh

from portal.accounts.roles import Role
from portal.core.i18n import translations, wtforms_catalogue
from portal.core.timefmt import localtime, plaindate
from portal.dealers.models import DealerStatus


def test_catalogue_follows_the_locale_within_a_request(app):
    with app.test_request_context("/"):
        assert gettext("Dealers") != "Dealers"  # zh_CN by default
        chinese = translations()
        with force_locale("en"):
            assert gettext("Dealers") == "Dealers"
            assert DealerStatus.ACTIVE.title == "Active"
            assert translations() is not chinese
        assert translations() is chinese
        assert DealerStatus.ACTIVE.title != "Active"


def test_catalogue_follows_a_changed_language(app):
    with app.test_request_context("/"):
        from flask import session

        assert gettext("Dealers") != "Dealers"
        session["lang"] = "en"
        refresh()
        assert gettext("Dealers") == "Dealers"


def test_template_gettext_escapes_and_formats(app):
    with app.test_request_context("/"), force_locale("en"):
        template = app.jinja_env.from_string("{{ _('%(n)s parts', n='<b>') }}")
        assert template.render() == "&lt;b&gt; parts"


def test_wtforms_messages_in_the_request_language(app):
    with app.test_request_context("/"):
        assert wtforms_catalogue().ugettext("This field is required.") != (
            "This field is required.")
        with force_locale("en"):
            assert wtforms_catalogue().ugettext("This field is required.") == (
                "This field is required.")


def test_time_filters_match_babel(app):
    moments = [datetime(2026, 1, 1, 15, 59, tzinfo=UTC), datetime(2026, 1, 1, 16, 0, tzinfo=UTC),
               datetime(2026, 6, 30, 23, 30), datetime(1999, 12, 31, 16, 5, tzinfo=UTC)]
    for locale in ("zh_CN", "en"):
        with app.test_request_context("/"), force_locale(locale):
            for moment in moments:
                assert localtime(moment) == format_datetime(moment, "yyyy-MM-dd HH:mm")
                assert localtime(moment, "yyyy-MM-dd") == format_datetime(moment, "yyyy-MM-dd")
                assert plaindate(moment) == format_date(moment, "yyyy-MM-dd")
            assert plaindate(date(2026, 2, 3)) == "2026-02-03"
            assert localtime(None) == "" and plaindate(None) == ""


def test_session_survives_requests(app, client, world, login):
    login(world.users[Role.ADMIN])
    for _ in range(2):
        assert client.get("/dealers/").status_code == 200


def test_enum_titles_translate_as_their_lazy_strings_do(app):
    """A titled enum reads its title from the request's catalogue, not through its lazy string:
    it finds the message inside Flask-Babel's lazy string (private state, see lazy_msgid) and
    says what the lazy string says, in either language."""
    from flask_babel import lazy_gettext as _l

    from portal.claims.models import ClaimStatus
    from portal.core.i18n import lazy_msgid

    assert lazy_msgid(_l("Open")) == "Open"
    assert lazy_msgid(_l("%(n)s open", n=1)) is None and lazy_msgid("Open") is None
    assert all(m._msgid is not None for m in ClaimStatus)
    with app.test_request_context("/"):
        for lang in ("en", "zh_CN"):
            with force_locale(lang):
                assert [m.title for m in ClaimStatus] == [str(m._title) for m in ClaimStatus]
        assert ClaimStatus.APPROVED.title != "Approved"


def test_fixed_urls_are_url_for_built_once(app):
    from flask import url_for

    fixed_url = app.jinja_env.globals["fixed_url"]
    for root in ("", "/portal"):
        with app.test_request_context("/", base_url="http://localhost" + root):
            for endpoint, values in [("static", {"filename": "css/portal.css"}),
                                     ("home.index", {}), ("accounts.logout", {})]:
                assert fixed_url(endpoint, **values) == url_for(endpoint, **values)
                assert fixed_url(endpoint, **values) == url_for(endpoint, **values)
            assert fixed_url("home.index").startswith(root + "/")


def test_the_layout_keeps_its_links_and_one_csrf_token(client, world, login):
    import re

    login(world.users[Role.ADMIN])
    html = client.get("/dealers/").get_data(as_text=True)
    assert '/static/css/portal.css"' in html and 'action="/logout"' in html
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
    header = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    assert len(tokens) == 1 and header in tokens
