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
        wanted = {m.id for m in read_po(handle) if m.id}
    po = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as handle:
        catalog = read_po(handle)
    have = {m.id: m.string for m in catalog if m.id}
    missing = sorted(str(m) for m in wanted if not have.get(m))
    assert missing == [], f"run pybabel update and translate: {missing[:10]}"
