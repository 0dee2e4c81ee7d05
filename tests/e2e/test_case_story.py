"""An exchange and a refund (包换 / 包退) in Chromium, played by their people through the pages.

Exchange: the unit page shows the open exchange entitlement (a repair open more than 30 working
days, 第二十八条) → the dealer opens the case from it → the technical department approves it with
its reason → the dealer hands over the replacement machine of the same model → the replacement's
page shows the buyer and its clocks starting on the exchange day → the clerk records the failed
machine's arrival at the factory and the technical department its verdict. Refund: the clerk
says no machine of the same model exists, which turns the exchange into a refund entitlement
→ opens the refund case from it → approved → completed with the amount the page's arithmetic
shows (the whole invoice price) → the clerk receives that machine too. The money: finance
finds both cases in its queue of settlements to approve and approves each as worked out (the
return credit by the discount standard, 第四条: the seller recovers from the producer) → issues
the month's notices → the dealer reads the notice's 包换包退 lines and confirms it → the dealer's
ledger shows the offset naming both cases, the statement traces it to them, each case page
names its notice. The case pages on a phone do not scroll sideways, and dealer B gets the 404
page for them. Each step leaves a screenshot under
test-artifacts/test_exchange_and_refund_story/.
"""

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.e2e.browser import zh
from tests.e2e.seed import DEALER_PRICE
from tests.e2e.test_browser_use import PHONE
from tests.e2e.test_story import flash, owed_now, yuan

INVOICE = Decimal("98000.00")
# Sold 100 days before: 3 whole months in use, 95 % of the dealer price (the seed's standard).
CREDIT = DEALER_PRICE * Decimal("0.95")


def case_number(page) -> str:
    return page.locator("main > h1 > span.muted").inner_text()


def open_case_from_entitlement(page, unit_id: int, kind: str, reason: str,
                               invoice: Decimal | None = None) -> str:
    """From the unit page's open entitlement: the case form, filled and sent; its number."""
    page.goto(f"/units/{unit_id}")
    open_flag = page.locator("#unit-flags li.flag-open")
    expect(open_flag).to_have_count(1)
    open_flag.locator(f'a[href^="/cases/new?unit={unit_id}&flag="]').click()
    page.wait_for_url(re.compile(r"/cases/new\?"))
    page.check(f'input[name="kind"][value="{kind}"]')
    if invoice is not None:
        page.fill("#invoice_amount", f"{invoice}")
    page.fill("#reason", reason)
    page.click('main form button[type="submit"]')
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    number = case_number(page)
    expect(flash(page)).to_have_text(zh(
        "Case %(number)s opened: the technical department decides.") % {"number": number})
    expect(page.locator("main > h1")).to_contain_text(zh("Requested"))
    return number


def approve(tech, number: str, reason: str) -> None:
    """The technical department finds the case in the list and approves it, saying why."""
    tech.goto("/cases/")
    tech.click(f'a:text-is("{number}")')
    tech.wait_for_url(re.compile(r"/cases/\d+$"))
    tech.check('input[name="decision"][value="approve"]')
    tech.fill("#reason", reason)
    tech.click('form[action$="/decide"] button[type="submit"]')
    expect(flash(tech)).to_have_text(zh("Case %(number)s: %(status)s.") % {
        "number": number, "status": zh("Approved, to carry out")})
    expect(tech.locator("main")).to_contain_text(reason)


def settle(finance, number: str) -> None:
    """Finance opens the case from its queue and approves the settlement as worked out."""
    finance.goto("/")
    finance.click('main a[href^="/finance/case-settlements"]')
    finance.wait_for_url("**/finance/case-settlements**")
    finance.click(f'a:text-is("{number}")')
    finance.wait_for_url(re.compile(r"/cases/\d+(#case-finance)?$"))
    block = finance.locator("#case-finance")
    expect(block).to_contain_text(yuan(CREDIT))  # the return credit, before approval
    finance.check('input[name="decision"][value="approve"]')
    finance.click('form[action^="/finance/case-settlements/"] button[type="submit"]')
    expect(flash(finance)).to_have_text(zh("Settlement of case %(number)s: %(status)s, "
                                           "%(amount)s.") % {
        "number": number, "status": zh("Approved by finance"), "amount": yuan(CREDIT)})
    expect(finance.locator("#case-finance")).to_contain_text(
        zh("waiting for the dealer's next notice"))


def money_story(people, seeded, shot, cases: tuple[str, str]) -> None:
    """Finance settles both cases, issues the notice; the dealer confirms it and finds the
    offset in its ledger and statement, traced to the cases."""
    finance, dealer = people.page("e2e_finance"), people.page("e2e_dealer_a")
    for number in cases:
        settle(finance, number)
    shot(finance, "settlement-approved")
    finance.click('.mainnav a[href="/finance/notices/generate"]')
    finance.wait_for_url("**/finance/notices/generate")
    month = finance.locator("#period")
    month.fill(seeded.today.strftime("%Y-%m"))
    month.dispatch_event("change")
    eligible = finance.locator("#eligible tr", has_text="E2E-A")
    expect(eligible).to_contain_text(yuan(2 * CREDIT))
    finance.click('main form[action="/finance/notices/generate"] .actions button')
    finance.wait_for_url(re.compile(r"/finance/runs/\d+$"))
    progress = finance.locator("#run-progress")
    expect(progress).to_contain_text(zh("Done"), timeout=60_000)
    notice = progress.locator("a", has_text=re.compile(r"HX-\d{4}-\d{4}")).inner_text()
    shot(finance, "case-notice-issued")

    owed_before = owed_now(dealer, seeded.dealer_a)
    dealer.goto(f"/finance/notices/{notice}")
    sheet = dealer.locator("table.notice-cases")
    for number in cases:
        expect(sheet).to_contain_text(number)
    expect(sheet.locator("tfoot")).to_contain_text(f"{2 * CREDIT:,.2f}")
    shot(dealer, "case-notice-to-confirm")
    dealer.click('form[action$="/confirm"] button')  # hx-confirm: accepted
    expect(dealer.locator("main > h1")).to_contain_text(zh("Confirmed"))

    dealer.click('.mainnav a[href="/finance/ledger"]')
    dealer.wait_for_url(f"**/finance/ledger/{seeded.dealer_a}")
    offset = dealer.locator("#ledger-rows tr", has_text=notice)
    expect(offset).to_contain_text(f"-{2 * CREDIT:,.2f}")
    for number in cases:
        expect(offset).to_contain_text(number)  # the memo names the cases
    expect(dealer.locator(".stats")).to_contain_text(yuan(owed_before - 2 * CREDIT))
    shot(dealer, "case-ledger-offset")
    dealer.click('main a[href*="/statement"]')
    dealer.wait_for_url(re.compile(r"/statement"))
    statement_row = dealer.locator("table.statement > tbody > tr", has_text=notice).first
    for number in cases:
        expect(statement_row).to_contain_text(number)  # the offset's memo names the cases
    # under it the notice's cases counted and totalled, linked to the notice (which, like the
    # PDF and Excel statement, lists each)
    tally = dealer.locator("table.statement tr.traced",
                           has=dealer.locator(f'a[href="/finance/notices/{notice}"]'))
    expect(tally).to_have_count(1)
    expect(tally).to_contain_text(yuan(2 * CREDIT))
    shot(dealer, "case-statement")
    dealer.goto("/cases/")
    dealer.click(f'a:text-is("{cases[0]}")')
    expect(dealer.locator("#case-finance")).to_contain_text(notice)
    expect(dealer.locator("#case-finance")).to_contain_text(zh("Written off"))


def test_exchange_and_refund_story(people, seeded, shot, watch):
    today = seeded.today
    dealer = people.page("e2e_dealer_a")
    clerk = people.page("e2e_clerk")
    tech = people.page("e2e_tech")

    # 1. The unit page shows the exchange the overdue repair entitles the buyer to.
    dealer.goto(f"/units/{seeded.exchange_unit}")
    expect(dealer.locator("#unit-flags .flag-open")).to_contain_text(
        zh("Entitled to an exchange of the machine"))
    shot(dealer, "exchange-entitlement")
    exchange = open_case_from_entitlement(dealer, seeded.exchange_unit, "exchange",
                                          "修理超过三十个工作日未修好，用户要求换机")
    exchange_url = dealer.url
    expect(dealer.locator("main")).to_contain_text("赵永福")
    expect(dealer.locator('form[action$="/complete"]')).to_have_count(0)  # not yet approved
    shot(dealer, "exchange-requested")

    # 2. The technical department approves it, with its reason.
    approve(tech, exchange, "变速箱配件长期缺货，同意按规定换机")
    shot(tech, "exchange-approved")

    # 3. The dealer hands over the unsold machine of the same model from its stock.
    dealer.goto(exchange_url)
    dealer.fill("#completed_on", today.isoformat())
    dealer.fill("#replacement_serial", seeded.spare_serial)
    shot(dealer, "exchange-handover")
    dealer.click('form[action$="/complete"] button[type="submit"]')
    expect(flash(dealer)).to_have_text(zh("Case %(number)s completed.") % {"number": exchange})
    # the case's state, not the completion day's label (one msgid served both, as 完工日期)
    assert zh("Completed") != zh("Completed on")
    expect(dealer.locator("main > h1")).to_contain_text(zh("Completed"))
    expect(dealer.locator("main")).to_contain_text(zh(
        "The buyer's card moved to the replacement; its periods run from %(day)s.")
        % {"day": today.isoformat()})
    shot(dealer, "exchange-completed")

    # 4. The replacement's page: the buyer's card, its clocks from the exchange day.
    dealer.click(f'main a:text-is("{seeded.spare_serial}")')
    dealer.wait_for_url(f"**/units/{seeded.spare_unit}")
    card = dealer.locator("#card-panel")
    expect(card).to_contain_text("赵永福")
    expect(dealer.locator("#unit-cases")).to_contain_text(exchange)
    coverage = dealer.locator("#coverage")
    expect(coverage.locator("#coverage-buyer")).to_have_text(zh("Covered by 三包"))
    expect(coverage.locator("dl.facts dt").first).to_have_text(zh("Starts on (exchange date)"))
    expect(coverage.locator("dl.facts dd").first).to_have_text(today.isoformat())
    shot(dealer, "replacement-unit")

    # 5. The failed machine back at the factory: the clerk receives it, the technical
    #    department judges it.
    clerk.goto(exchange_url)
    clerk.fill("#received_on", today.isoformat())
    clerk.fill("#note", "整机随物流车返厂，外观完好")
    clerk.click('form[action$="/receive"] button[type="submit"]')
    expect(flash(clerk)).to_have_text(zh("Failed machine received at the factory."))
    expect(clerk.locator("main")).to_contain_text("内勤小赵")
    shot(clerk, "failed-machine-received")
    tech.goto(exchange_url)
    tech.check('input[name="verdict"][value="quality_fault"]')
    tech.fill("#cause", "变速箱壳体铸造缺陷")
    tech.select_option("#part_id", str(seeded.part_id))  # its supplier pays it back
    tech.click('form[action$="/judge"] button[type="submit"]')
    expect(flash(tech)).to_have_text(zh("Verdict recorded."))
    expect(tech.locator("main")).to_contain_text(zh("Quality fault (三包成立)"))
    expect(tech.locator("main")).to_contain_text("变速箱壳体铸造缺陷")
    expect(tech.locator("main")).to_contain_text(seeded.part_number)
    expect(tech.locator('form[action$="/judge"]')).to_have_count(0)
    shot(tech, "failed-machine-judged")

    # 6. Refund: no machine of the same model is left, so the clerk turns the exchange into a
    #    refund entitlement on the unit page and opens the case from it.
    clerk.goto(f"/units/{seeded.refund_unit}")
    flag = clerk.locator("#unit-flags li.flag-open")
    flag.locator("textarea[name=note]").fill("同型号整机已无库存")
    flag.locator('button[formaction$="/refund"]').click()
    clerk.wait_for_url(f"**/units/{seeded.refund_unit}")
    expect(clerk.locator("#unit-flags li.flag-open")).to_contain_text(zh("Entitled to a refund"))
    shot(clerk, "refund-entitlement")
    refund = open_case_from_entitlement(clerk, seeded.refund_unit, "refund",
                                        "无同型号机器可换，用户要求退货", INVOICE)
    refund_url = clerk.url
    shot(clerk, "refund-requested")
    approve(tech, refund, "同意退货")

    # 7. The clerk completes it with the amount the page's arithmetic gives.
    clerk.goto(refund_url)
    arithmetic = zh("invoice price %(invoice)s − charged to the buyer %(charges)s = %(due)s") % {
        "invoice": yuan(INVOICE), "charges": yuan(Decimal("0.00")), "due": yuan(INVOICE)}
    expect(clerk.locator("main")).to_contain_text(arithmetic)
    clerk.fill("#refund_amount", f"{INVOICE}")
    clerk.fill("#buyer_receipt", "SJ-2026-0088")
    shot(clerk, "refund-handover")
    clerk.click('form[action$="/complete"] button[type="submit"]')
    expect(flash(clerk)).to_have_text(zh("Case %(number)s completed.") % {"number": refund})
    expect(clerk.locator("main")).to_contain_text(f"{yuan(INVOICE)} · {zh('receipt')} SJ-2026-0088")
    shot(clerk, "refund-completed")
    clerk.fill("#received_on", today.isoformat())
    clerk.click('form[action$="/receive"] button[type="submit"]')
    expect(flash(clerk)).to_have_text(zh("Failed machine received at the factory."))

    # 8. The money: finance settles both cases, the dealer confirms the notice, the ledger and
    #    the statement trace the offset to them.
    money_story(people, seeded, shot, (exchange, refund))

    # 9. On a phone, the case pages fit the screen: nothing scrolls sideways.
    phone = people.page("e2e_dealer_a", **PHONE)
    for url in (exchange_url, refund_url):
        phone.goto(url)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
    shot(phone, "phone-case")

    # 10. Dealer B cannot reach dealer A's cases: the 404 page.
    watch.expect_status(404)
    other = people.page("e2e_dealer_b")
    for url in (exchange_url, refund_url):
        response = other.goto(url)
        assert response.status == 404, (url, response.status)
        expect(other.locator("main")).not_to_contain_text("赵永福")
        expect(other.locator("main")).not_to_contain_text("钱秀英")
