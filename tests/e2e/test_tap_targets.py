"""On a phone every control is at least 44 × 44 CSS pixels (WCAG 2.5.5, the size a thumb hits).

The rule the test applies: every visible a, button, input, select, textarea and summary of the
page is measured, and the menu button (a label); a checkbox or radio is measured by its label,
which is its hit area (tapping the label ticks it); a link inside running text (a <p>) is
exempt, as the text's line sets its height.
"""

import re

from tests.e2e.test_browser_use import PHONE

SMALLEST = 44

TOO_SMALL = """(smallest) => {
  const found = [];
  for (const el of document.querySelectorAll(
      'a, button, input, select, textarea, summary, label.menu-button')) {
    const own = el.getBoundingClientRect();
    if (own.width === 0 || own.height === 0 || getComputedStyle(el).visibility === 'hidden') {
      continue;  // not shown: hidden inputs, the menu toggle, closed <details>
    }
    if (el.tagName === 'A' && el.closest('p')) continue;  // a link in running text
    const hit = ['checkbox', 'radio'].includes(el.type) && el.labels.length ? el.labels[0] : el;
    const box = hit.getBoundingClientRect();
    if (box.width < smallest || box.height < smallest) {
      const name = (el.innerText || el.value || el.name || el.type || '').trim().slice(0, 30);
      const size = `${box.width.toFixed(1)}×${box.height.toFixed(1)}`;
      found.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return found;
}"""


def too_small(page) -> list[str]:
    return page.evaluate(TOO_SMALL, SMALLEST)


def test_every_control_on_a_phone_is_at_least_44_px_each_way(people, seeded, shot):
    phone = people.page("e2e_dealer_a", **PHONE)
    problems = {}
    phone.goto("/")
    problems["home"] = too_small(phone)
    phone.locator("label.menu-button").tap()
    problems["home, menu open"] = too_small(phone)
    shot(phone, "menu-open")
    phone.goto("/units/")
    problems["units"] = too_small(phone)
    phone.goto(f"/units/{seeded.phone_unit}")  # the dealer's own sold unit, whatever ran before
    problems["unit"] = too_small(phone)
    phone.goto("/returns/owed")  # the parts to ship: a checkbox per row, the ways to send
    problems["old parts"] = too_small(phone)
    phone.goto("/claims/")
    problems["claims"] = too_small(phone)
    claim = phone.locator("main a").filter(has_text=re.compile(r"^WX\d+$")).first
    phone.goto(claim.get_attribute("href"))
    problems["claim"] = too_small(phone)
    shot(phone, "claim")
    report = [f"{page}: {control}" for page, found in problems.items() for control in found]
    assert not report, "controls under 44 px on a phone:\n" + "\n".join(report)


PICKER_SIZES = """() => [...document.querySelectorAll('.picker input, .picker select')].map(
    (el) => { const box = el.getBoundingClientRect(); return [el.name, box.width, box.height]; })"""


def test_the_typed_dealer_picker_is_44_px_each_way_on_a_phone(people, seeded):
    phone = people.page("e2e_finance", **PHONE)
    sizes = {}
    for path in ("/finance/notices", "/finance/reports"):
        phone.goto(path)
        sizes[path] = phone.evaluate(PICKER_SIZES)
    assert all(len(found) == 2 for found in sizes.values()), sizes  # the box and its select
    small = [f"{path}: {name} {w:.1f}×{h:.1f}" for path, found in sizes.items()
             for name, w, h in found if w < SMALLEST or h < SMALLEST]
    assert not small, "picker controls under 44 px on a phone:\n" + "\n".join(small)
