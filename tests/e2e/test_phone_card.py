"""A dealer on a 390 × 844 phone sells a machine and files its card in one pass.

From the dealer's home: the menu, the units list, the serial's last four digits, the unit, the
card form (sale and invoice dates start on today), one try with a mistyped mobile number that
comes back with every message beside its field and the chosen scan kept, then filed. Taps and
typed characters are counted (``Hands``) and kept within bounds; the counts, the estimate and
the test's wall time go to test-artifacts/phone-card-counts.json (and the README).
"""

import json
import time

from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, Hands, jpeg, zh
from tests.e2e.test_browser_use import PHONE

# A person's time: 1.2 s a tap (find the control, reach it) and 0.3 s a typed character.
SECONDS_PER_TAP, SECONDS_PER_CHARACTER = 1.2, 0.3
MOST_TAPS, MOST_TYPED, GOAL_SECONDS = 20, 55, 60


def test_a_dealer_sells_and_files_the_card_on_a_phone(people, seeded, shot, watch, tmp_path):
    watch.expect_status(422)  # the try with the mistyped number comes back with its messages
    phone = people.page("e2e_dealer_a", **PHONE)
    scan = tmp_path / "card.jpg"
    scan.write_bytes(jpeg(size=(320, 200)))
    hands, started = Hands(phone), time.monotonic()

    hands.tap("label.menu-button")
    hands.tap('.mainnav a[href="/units/"]')
    phone.wait_for_url("**/units/")
    hands.type('input[name="q"]', seeded.card_serial[-4:])
    expect(phone.locator("#unit-rows a")).to_have_count(1)
    expect(phone.locator("#unit-rows")).to_contain_text(zh("In stock"))
    shot(phone, "found-by-last-digits")
    hands.tap(f'#unit-rows a:text-is("{seeded.card_serial}")')
    phone.wait_for_url(f"**/units/{seeded.card_unit}")
    hands.tap(f'a[href="/units/{seeded.card_unit}/card"]')
    phone.wait_for_url(f"**/units/{seeded.card_unit}/card")
    expect(phone.locator("#sale_date")).to_have_value(seeded.today.isoformat())

    hands.type("#buyer_name", "张建华")
    hands.type("#buyer_phone", "1390531000")  # one digit short
    hands.choose("#province", "山东省")
    hands.type("#city", "济南市")
    hands.type("#address", "明水街道东关村")
    hands.type("#invoice_no", "26370001")
    hands.attach("#scan", scan)
    hands.tap('button[name="file"]')
    expect(phone.locator(".field.has-error")).to_contain_text(
        zh("Enter an 11-digit mobile number."))
    expect(phone.locator("#scan").locator("..")).to_contain_text("card.jpg")
    shot(phone, "comes-back-with-the-scan")
    hands.type("#buyer_phone", "13905310001")
    hands.tap('button[name="file"]')
    phone.wait_for_url(f"**/units/{seeded.card_unit}")
    expect(phone.locator(".flash-success").last).to_have_text(zh("Warranty card filed."))
    expect(phone.locator("#card-panel")).to_contain_text("card.jpg")
    wall = time.monotonic() - started
    shot(phone, "card-filed")

    counts = hands.counts()
    estimate = counts["taps"] * SECONDS_PER_TAP + counts["typed_characters"] * SECONDS_PER_CHARACTER
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "phone-card-counts.json").write_text(json.dumps(
        {**counts, "estimated_seconds": round(estimate, 1), "wall_seconds": round(wall, 1),
         "rule": f"{SECONDS_PER_TAP} s a tap + {SECONDS_PER_CHARACTER} s a typed character"},
        indent=2))
    assert counts["taps"] <= MOST_TAPS and counts["typed_characters"] <= MOST_TYPED, counts
    assert estimate <= GOAL_SECONDS, estimate
    assert phone.locator("main").bounding_box()["width"] <= 390


def test_a_nameplate_code_opens_the_unit(people, seeded, shot):
    """What the camera reads goes into the code field and is sent (a USB scanner or typing
    does the same): the maker's nameplate URL opens the unit."""
    phone = people.page("e2e_dealer_a", **PHONE)
    phone.goto("/units/")
    expect(phone.locator("[data-scan-camera]")).to_be_visible()  # scan.js set the form up
    phone.fill("#unit-code", f"https://maker.example/u?sn={seeded.phone_serial}")
    phone.locator('form[data-scan-form] button[type="submit"]').tap()
    phone.wait_for_url(f"**/units/{seeded.phone_unit}")
    expect(phone.locator("h1")).to_contain_text(zh("Sold"))
    shot(phone, "opened-by-nameplate-code")
