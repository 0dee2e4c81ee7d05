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
