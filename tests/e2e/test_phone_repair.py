"""A dealer files a repair record on a 390 × 844 phone, one thumb: the record's header, a part
found by searching, labour, a photo and the customer's finger signature, then submits.

Each change updates its section in place: the page keeps its scroll position (no jump to the
top of a long page), the section stays in view with its confirmation, and nothing is wider than
the phone. The taps and typed characters are counted (the counts go to
test-artifacts/phone-repair-counts.json and the README) and bounded; the finished record is
docs/phone-repair-record.png.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, draw_signature_by_touch, jpeg, wait_for_htmx, zh

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "phone-repair-record.png"
# What a technician with one thumb should need at most (the run's counts are in the README).
MAX_TAPS, MAX_TYPED = 18, 45


class Thumb:
    """The person's hand on the phone: every tap and typed character goes through it."""

    def __init__(self, page):
        self.page, self.taps, self.typed = page, 0, 0

    def tap(self, locator) -> None:
        locator.tap()
        self.taps += 1

    def type(self, locator, text: str) -> None:
        """Tap into a field and type into it (a date counts its characters, as typed)."""
        self.tap(locator)
        locator.fill(text)
        self.typed += len(text)

    def choose(self, locator, value: str) -> None:
        """Open a select and tap an option: two taps."""
        self.tap(locator)
        locator.select_option(value)
        self.taps += 1

    def attach(self, locator, path: Path) -> None:
        """Tap the file input, then the photo in the phone's picker: two taps."""
        locator.set_input_files(str(path))
        self.taps += 2

    def sign(self) -> None:
        """The customer signs with a finger: the pad takes one stroke, counted as a tap."""
        draw_signature_by_touch(self.page)
        self.page.wait_for_function(  # the pad has taken the stroke before the finger moves on
            "() => !document.querySelector('canvas[data-signature-pad]').signaturePad.isEmpty()")
        self.page.wait_for_timeout(1000)  # the phone goes back from the customer's hand
        self.taps += 1


def stays_in_place(page, section: str, message: str) -> None:
    """After a change: its confirmation in the section, the page not scrolled back to the top,
    the section in view, nothing wider than the phone."""
    wait_for_htmx(page)
    confirmation = page.locator(f"{section} [role=status].flash-success")
    expect(confirmation).to_have_text(message, timeout=15_000)  # a shared machine is slow
    expect(confirmation).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0, f"{section}: back at the top of the page"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_dealer_files_a_repair_record_on_a_phone(people, seeded, shot, tmp_path):
    today = seeded.today
    phone = people.page("e2e_dealer_a", **PHONE)
    phone.goto(f"/units/{seeded.phone_unit}")
    thumb = Thumb(phone)

    thumb.tap(phone.locator(f'a[href="/claims/new/{seeded.phone_unit}"]'))
    phone.wait_for_url(f"**/claims/new/{seeded.phone_unit}")
    # A day after test_browser_use's record of this unit, the hour meter above its: either may
    # run first.
    for field, days_ago in (("#failure_date", 1), ("#handed_in_on", 1), ("#completed_on", 0)):
        thumb.type(phone.locator(field), (today - timedelta(days=days_ago)).isoformat())
    thumb.type(phone.locator("#hour_meter"), "140")
    thumb.choose(phone.locator("#fault_code_id"), str(seeded.fault_id))
    thumb.type(phone.locator("#description"), "变速箱漏油")
    thumb.tap(phone.locator('main form button[type="submit"]:not(.secondary)'))
    phone.wait_for_url(re.compile(r"/claims/\d+$"))
    expect(phone.locator("#submit button")).to_be_disabled()
    expect(phone.locator("#submit button")).to_be_in_viewport()  # the bar is held on screen

    part_form = phone.locator('form[action$="/lines/part"]')
    expect(part_form.locator("select[name=part_id]")).to_have_value("0")  # nothing chosen
    thumb.type(part_form.locator("input[type=search]"), "壳体")
    expect(part_form.locator("select[name=part_id]")).to_have_value(str(seeded.part_id))
    thumb.tap(part_form.locator("button[type=submit]"))
    stays_in_place(phone, "#lines", zh("Part added."))
    expect(phone.locator("#lines tbody")).to_contain_text(seeded.part_number)

    # Right after the first change, with the version its answer brought to every form.
    thumb.tap(phone.locator('form[action$="/lines/labour"] button[type=submit]'))
    stays_in_place(phone, "#lines", zh("Labour added."))
    expect(phone.locator("#lines tbody tr")).to_have_count(2)
    for control in ("td.num", 'td[data-label] .badge', 'form[action$="/remove"] button'):
        for box in (c.bounding_box() for c in phone.locator(f"#lines tbody {control}").all()):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, control  # no side-scroll

    photo = tmp_path / "repair.jpg"
    photo.write_bytes(jpeg(size=(640, 480), color=(90, 110, 130)))
    photo_form = phone.locator('form[action$="/photos"]')
    thumb.attach(photo_form.locator("input[name=photos]"), photo)
    thumb.tap(photo_form.locator("button[type=submit]"))
    stays_in_place(phone, "#photos", zh("%(n)d photo(s) attached.") % {"n": 1})
    expect(phone.locator("#photos img")).to_have_count(1)

    thumb.sign()
    thumb.tap(phone.locator('form[action$="/signature"] .actions button'))
    stays_in_place(phone, "#signature", zh("The customer's signature is attached."))
    expect(phone.locator("#signature img.signature")).to_be_visible()

    submit = phone.locator("#submit button")
    expect(submit).to_be_enabled()
    expect(submit).to_be_in_viewport()
    phone.locator("#lines").evaluate("section => section.scrollIntoView()")  # the cost cards
    SCREENSHOT.parent.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOT), caret="initial")  # the viewport: a phone's screen
    shot(phone, "phone-record-ready")
    thumb.tap(submit)
    expect(phone.locator(".flash-success").last).to_have_text(
        zh("Submitted to the technical department."))
    expect(phone.locator("main > h1")).to_contain_text(zh("Submitted"))

    counts = {"taps": thumb.taps, "typed_characters": thumb.typed}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "phone-repair-counts.json").write_text(json.dumps(counts, indent=2))
    assert thumb.taps <= MAX_TAPS and thumb.typed <= MAX_TYPED, counts
