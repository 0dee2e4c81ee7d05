"""Chinese by default, English on request, every string translated."""

import subprocess
import sys

from babel.messages.pofile import read_po

from portal import ROOT


def test_chinese_is_the_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in body and "登录三包服务门户" in body


def test_switch_to_english_and_back(client, world, login):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    body = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in body and "Sign in to Sanbao Portal" in body
    client.post("/language", data={"lang": "zh_CN", "next": "https://evil.example"})
    assert "登录三包服务门户" in client.get("/login").get_data(as_text=True)


def test_error_messages_follow_the_language(client, world):
    client.post("/language", data={"lang": "en"})
    response = client.post("/login", data={"username": "w_clerk", "password": "bad"})
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_every_message_is_translated(tmp_path):
    """Extract the messages afresh: none may be missing from, or empty in, the catalogue."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)],
                   check=True, cwd=ROOT)
    with open(pot, "rb") as handle:
        extracted = {m.id: m for m in read_po(handle) if m.id}
    po = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as handle:
        catalog = read_po(handle)
    have = {m.id: m.string for m in catalog if m.id}
    missing = sorted(str(m) for m in extracted if not have.get(m))
    assert missing == [], f"run pybabel update and translate: {missing[:10]}"
    # what `pybabel compile` refuses: a translation whose placeholders differ from its
    # source's, as the extraction flags it (a bare "%" makes a string python-format)
    for message in catalog:
        if message.id in extracted:
            message.flags = set(extracted[message.id].flags)
    broken = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert broken == []


def test_the_request_catalogue_rides_on_flask_babels_namespace(app):
    """portal/core/i18n.py keeps a request's catalogue on Flask-Babel's own request namespace
    (for speed, see there): it must still be where Flask-Babel keeps the locale, and a forced
    locale (the PDFs) must still get its own catalogue."""
    from flask import g
    from flask_babel import force_locale, gettext

    from portal.core.i18n import translations

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Saved.") in ("Saved.", "已保存。")
        namespace = g._get_current_object().__dict__.get("_flask_babel")
        assert namespace is not None and namespace.babel_locale is not None
        first = translations()
        assert namespace.portal_translations == (namespace.babel_locale, first)
        with force_locale("en"):
            assert translations().ugettext("Saved.") == "Saved."
        with force_locale("zh_Hans_CN"):
            assert translations().ugettext("Saved.") != "Saved."
