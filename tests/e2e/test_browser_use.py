"""The portal as people meet it beyond the story: a session that expires during an htmx action,
the Chinese and English interfaces, and a phone."""

import re
from datetime import timedelta

from itsdangerous import URLSafeSerializer
from playwright.sync_api import expect

from tests.e2e.browser import draw_signature_by_touch, zh

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}


def expire_session(page) -> None:
    """What the browser does when the session cookie's lifetime lapses: it drops it."""
    assert any(c["name"] == "session" for c in page.context.cookies())
    page.context.clear_cookies()


def expect_login_page(page) -> None:
    page.wait_for_url(re.compile(r"/login(\?|$)"))
    expect(page.locator("main h1")).to_have_text(zh("Sign in to Sanbao Portal"))
    expect(page.locator("#entry, #owed-rows")).to_have_count(0)  # a page, not a swapped cell


def test_session_expiring_during_htmx_actions_lands_on_the_login_page(people, seeded, shot,
                                                                        watch):
    watch.expect_status(401)  # the htmx requests the portal answers with HX-Redirect
    clerk = people.page("e2e_clerk")
    clerk.goto("/service/new")
    clerk.fill("#customer_name", "赵六")
    clerk.fill("#description", "收割机割台异响")
    clerk.click('form[action="/service/new"] button[type="submit"]')
    clerk.wait_for_url(re.compile(r"/service/\d+$"))
    shot(clerk, "entry-before-expiry")
    expire_session(clerk)
    clerk.click('form[action$="/route"] button[type="submit"]')  # hx-post
    expect_login_page(clerk)
    shot(clerk, "login-after-htmx-post")

    dealer = people.page("e2e_dealer_a")
    dealer.goto("/returns/owed")
    expire_session(dealer)
    dealer.select_option('select[name="status"]', "all")  # hx-get on change
    expect_login_page(dealer)
    shot(dealer, "login-after-htmx-get")

    dealer.fill("input[name=username]", "e2e_dealer_a")  # and signing in again works
    dealer.fill("input[name=password]", people.password)
    dealer.click("form button[type=submit]")
    expect(dealer.locator(".mainnav")).to_contain_text(zh("My work"))


def test_chinese_by_default_and_english_on_request(people, seeded, shot):
    page = people.page("e2e_dealer_a")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    nav = page.locator(".mainnav")
    expect(nav).to_contain_text(zh("My work"))
    expect(nav).to_contain_text(zh("Write-off notices"))
    expect(page.locator(".usermenu")).to_contain_text(zh("Sign out"))
    shot(page, "home-chinese")

    page.click('.usermenu button[value="en"]')
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_contain_text("My work")
    expect(nav).to_contain_text("Write-off notices")
    expect(page.locator(".usermenu")).to_contain_text("Sign out")
    shot(page, "home-english")
    page.click('.mainnav a[href="/units/"]')
    page.wait_for_url("**/units/")
    page.click(f'a:text-is("{seeded.phone_serial}")')
    page.wait_for_url(f"**/units/{seeded.phone_unit}")
    expect(page.locator("#card-panel h2")).to_have_text("Warranty card")
    expect(page.locator("#card-panel")).to_contain_text("Recognised")
    shot(page, "unit-english")

    page.click('.usermenu button[value="zh_CN"]')  # back where it was, in Chinese
    page.wait_for_url(f"**/units/{seeded.phone_unit}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#card-panel h2")).to_have_text(zh("Warranty card"))
    expect(page.locator("#card-panel")).to_contain_text(zh("Recognised"))
    shot(page, "unit-chinese")


def test_a_phone_opens_the_menu_fills_a_repair_record_and_takes_a_finger_signature(
        people, seeded, shot):
    today = seeded.today
    phone = people.page("e2e_dealer_a", **PHONE)
    nav = phone.locator(".mainnav")
    expect(nav).to_be_hidden()
    shot(phone, "phone-home")
    phone.locator("label.menu-button").tap()
    expect(nav).to_be_visible()
    shot(phone, "phone-menu-open")
    nav.locator('a[href="/units/"]').tap()
    phone.wait_for_url("**/units/")
    phone.locator(f'a:text-is("{seeded.phone_serial}")').tap()
    phone.wait_for_url(f"**/units/{seeded.phone_unit}")
    phone.locator(f'a[href="/claims/new/{seeded.phone_unit}"]').tap()
    phone.wait_for_url(f"**/claims/new/{seeded.phone_unit}")

    phone.fill("#failure_date", (today - timedelta(days=2)).isoformat())
    phone.fill("#handed_in_on", (today - timedelta(days=2)).isoformat())
    phone.fill("#completed_on", (today - timedelta(days=1)).isoformat())
    phone.fill("#hour_meter", "88")
    phone.select_option("#fault_code_id", str(seeded.fault_id))
    phone.fill("#description", "田间作业时变速箱渗油")
    shot(phone, "phone-repair-form")
    phone.locator('main form button[type="submit"]:not(.secondary)').tap()
    phone.wait_for_url(re.compile(r"/claims/\d+$"))
    phone.locator('form[action$="/lines/labour"] button').tap()
    expect(phone.locator("#lines tbody")).to_contain_text(seeded.fault_code)

    draw_signature_by_touch(phone)
    shot(phone, "phone-signature")
    phone.locator('form[action$="/signature"] .actions button').tap()
    expect(phone.locator("#signature")).to_contain_text(zh("Drawn on screen"))
    expect(phone.locator("#signature img.signature")).to_be_visible()
    expect(phone.locator('form[action$="/submit"] button')).to_be_enabled()
    box = phone.locator("main").bounding_box()
    assert box["width"] <= 390  # nothing wider than the phone
    shot(phone, "phone-signed")


def _cookie_data(value: str) -> str:
    """What a Flask session cookie carries, unsigned: anyone holding the cookie can read it."""
    payload = value.rsplit(".", 2)[0]  # [.]payload.timestamp.signature; "." marks zlib
    return str(URLSafeSerializer("no key needed to read").load_payload(payload.encode()))


def test_a_new_api_token_is_shown_once_and_kept_nowhere(people, shot):
    """In the page the form answers and nowhere else: not in a cookie, not in htmx's copy of
    the page kept for the back button (hx-history="false")."""
    page = people.page("e2e_clerk")
    page.goto("/account/tokens")
    page.click('form[action="/account/tokens"] button[type="submit"]')
    token = page.locator("#new-token").inner_text()
    assert token.startswith("sbp_")
    shot(page, "new-token")
    page.click(".brand")  # a boosted link: htmx keeps the page it leaves in sessionStorage
    page.wait_for_url(lambda url: "/account/tokens" not in url)
    page.goto("/account/tokens")
    expect(page.locator("#new-token")).to_have_count(0)
    kept = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    cookies = [_cookie_data(c["value"]) for c in page.context.cookies() if c["name"] == "session"]
    assert cookies and all(token not in text for text in [kept, *cookies])


def test_signing_out_ends_a_copy_of_the_session_cookie(people):
    page = people.page("e2e_clerk")
    copy = people.page()
    copy.context.add_cookies(page.context.cookies())
    copy.goto("/account/tokens")
    expect(copy.locator(".usermenu")).to_contain_text("内勤小赵")
    page.click('.usermenu form[action="/logout"] button')
    page.wait_for_url(re.compile(r"/login(\?|$)"))
    copy.goto("/account/tokens")
    expect_login_page(copy)
