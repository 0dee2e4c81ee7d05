"""The whole warranty story in Chromium, played by its people through the pages, as they do.

Sale and card → service entry routed and arranged → repair record with a part, labour, a photo
and a drawn signature → technical decision → old part shipped with its QR label → received by
its QR text → verdict → forwarded → cost approved → write-off notice generated in the
background → confirmed by the dealer → the offset in the dealer's ledger. Then dealer B tries
dealer A's pages. Each step leaves a screenshot under test-artifacts/test_whole_story/.
"""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pypdfium2
import zxingcpp
from playwright.sync_api import expect

from tests.e2e.browser import draw_signature, jpeg, zh
from tests.e2e.seed import LABOUR_RATE_B, PART_PRICE, STANDARD_HOURS

LABOUR = (LABOUR_RATE_B * STANDARD_HOURS).quantize(Decimal("0.01"))
TOTAL = PART_PRICE + LABOUR


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def flash(page):
    return page.locator(".flash-success").last


def owed_now(page, dealer_id: int) -> Decimal:
    """What the dealer owes now, read off its ledger page."""
    page.goto(f"/finance/ledger/{dealer_id}")
    text = page.locator(".stats .stat b.big").inner_text()
    return Decimal(re.sub(r"[^\d.-]", "", text))


def test_whole_story(people, seeded, shot, watch, tmp_path):
    today = seeded.today
    dealer = people.page("e2e_dealer_a")
    clerk = people.page("e2e_clerk")
    tech = people.page("e2e_tech")
    rep = people.page("e2e_rep")
    finance = people.page("e2e_finance")

    # 1. The dealer sells the machine and files its warranty card, with the scan of the paper.
    shot(dealer, "dealer-home")
    dealer.click('.mainnav a[href="/units/"]')
    dealer.wait_for_url("**/units/")
    dealer.click(f'a:text-is("{seeded.story_serial}")')
    dealer.wait_for_url(f"**/units/{seeded.story_unit}")
    dealer.click(f'a[href="/units/{seeded.story_unit}/card"]')
    dealer.wait_for_url(f"**/units/{seeded.story_unit}/card")
    sale = today - timedelta(days=10)
    dealer.fill("#buyer_name", "张建国")
    dealer.fill("#buyer_phone", "13905310001")
    dealer.select_option("#province", "山东省")
    dealer.fill("#city", "济南市")
    dealer.fill("#county", "章丘区")
    dealer.fill("#address", "明水街道东关村")
    dealer.fill("#sale_date", sale.isoformat())
    dealer.fill("#invoice_no", "FP20260001")
    dealer.fill("#invoice_date", sale.isoformat())
    scan = tmp_path / "card.jpg"
    scan.write_bytes(jpeg(size=(320, 200)))
    dealer.set_input_files("#scan", str(scan))
    shot(dealer, "card-form")
    dealer.click('button[name="file"]')
    dealer.wait_for_url(f"**/units/{seeded.story_unit}")
    expect(flash(dealer)).to_have_text(zh("Warranty card filed."))
    expect(dealer.locator("#card-panel")).to_contain_text(zh("Recognised"))
    expect(dealer.locator("#card-panel")).to_contain_text("card.jpg")
    shot(dealer, "card-filed")

    # 2. The customer calls head office: the clerk registers it and routes it to the dealer.
    clerk.click('.mainnav a[href="/service/"]')
    clerk.wait_for_url("**/service/")
    clerk.click('a[href="/service/new"]')
    clerk.wait_for_url("**/service/new")
    clerk.fill("#customer_name", "张建国")
    clerk.fill("#customer_phone", "13905310001")
    clerk.fill("#location", "章丘区明水街道东关村麦田")
    clerk.fill("#serial", seeded.story_serial)
    clerk.fill("#description", "变速箱漏油，无法挂挡")
    clerk.click('form[action="/service/new"] button[type="submit"]')
    clerk.wait_for_url(re.compile(r"/service/\d+$"))
    entry_url = clerk.url
    entry_number = clerk.locator("#entry h1").inner_text().split()[0]
    expect(flash(clerk)).to_have_text(zh("Entry %(number)s registered.") % {"number": entry_number})
    # The dealer is a typed picker: what is typed narrows its select (htmx), one match is chosen.
    route_form = clerk.locator('form[action$="/route"]')
    dealers = route_form.locator('select[name="dealer_id"]')
    expect(dealers).to_have_value(str(seeded.dealer_a))
    route_form.locator("#dealer_q").fill("E2E")
    expect(dealers.locator("option")).to_have_count(3)  # "—" and both dealers
    route_form.locator("#dealer_q").fill("E2E-A")
    expect(dealers.locator("option")).to_have_count(2)
    expect(dealers).to_have_value(str(seeded.dealer_a))
    clerk.click('form[action$="/route"] button[type="submit"]')  # an htmx form
    expect(clerk.locator("#entry h1")).to_contain_text(zh("Routed, to arrange"))
    expect(clerk.locator("#entry .flash-success")).to_have_text(zh("Entry routed."))
    shot(clerk, "service-entry-routed")

    # 3. The dealer arranges the visit within the deadline (an htmx form).
    dealer.click('.mainnav a[href="/service/"]')
    dealer.wait_for_url("**/service/")
    dealer.click(f'a:text-is("{entry_number}")')
    dealer.wait_for_url(entry_url)
    dealer.fill("#plan", "派服务车上门检查变速箱")
    # the next morning: a visit is never planned before the request came in, whatever the hour
    planned = (today + timedelta(days=1)).isoformat() + "T09:30"
    dealer.fill("#planned_for", planned)
    dealer.fill("#who_goes", "王师傅、鲁A12345")
    dealer.check("#customer_told")
    dealer.click('form[action$="/arrange"] button[type="submit"]')
    expect(dealer.locator("#entry h1")).to_contain_text(zh("Arranged, to check"))
    shot(dealer, "service-arranged")

    # 4. The dealer files the repair record from the entry: part, labour, photo, signature.
    dealer.click(f'#entry a[href^="/claims/new/{seeded.story_unit}"]')
    dealer.wait_for_url(re.compile(r"/claims/new/\d+"))
    expect(dealer.locator("#description")).to_have_value("变速箱漏油，无法挂挡")
    dealer.fill("#failure_date", (today - timedelta(days=3)).isoformat())
    dealer.fill("#handed_in_on", (today - timedelta(days=3)).isoformat())
    dealer.fill("#completed_on", (today - timedelta(days=1)).isoformat())
    dealer.fill("#hour_meter", "320.5")
    dealer.select_option("#fault_code_id", str(seeded.fault_id))
    dealer.fill("#cause", "变速箱壳体砂眼渗油")
    dealer.fill("#work_done", "更换变速箱壳体，加注齿轮油")
    dealer.fill("#technician", "王师傅")
    shot(dealer, "repair-record-form")
    dealer.click('main form button[type="submit"]:not(.secondary)')
    dealer.wait_for_url(re.compile(r"/claims/\d+$"))
    claim_id = int(re.search(r"/claims/(\d+)", dealer.url).group(1))
    claim_number = dealer.locator("main > h1").inner_text().split()[1]
    expect(flash(dealer)).to_have_text(zh(
        "Repair record %(number)s opened: add its lines, photos and the customer's signature.")
        % {"number": claim_number})
    assert entry_number in dealer.locator("main > p.muted").first.inner_text()

    part_form = dealer.locator('form[action$="/lines/part"]')
    part_form.locator("select[name=part_id]").select_option(str(seeded.part_id))
    part_form.locator("input[name=quantity]").fill("1")
    part_form.locator("button").click()
    expect(dealer.locator("#lines tbody")).to_contain_text(seeded.part_number)
    labour_form = dealer.locator('form[action$="/lines/labour"]')
    expect(labour_form.locator("select[name=fault_code_id]")).to_have_value(str(seeded.fault_id))
    labour_form.locator("button").click()
    expect(dealer.locator("#lines tbody")).to_contain_text(seeded.fault_code)
    expect(dealer.locator("#lines tbody tr")).to_have_count(2)
    expect(dealer.locator("#lines tfoot")).to_contain_text(f"{TOTAL:,.2f}")

    photo = tmp_path / "repair.jpg"
    photo.write_bytes(jpeg(size=(640, 480), color=(90, 110, 130)))
    photo_form = dealer.locator('form[action$="/photos"]')
    photo_form.locator("input[name=photos]").set_input_files(str(photo))
    photo_form.locator("button").click()
    expect(dealer.locator("#photos img")).to_have_count(1)
    expect(dealer.locator("#photos img")).to_have_js_property("complete", True)

    draw_signature(dealer)
    shot(dealer, "signature-drawn")
    dealer.locator('form[action$="/signature"] .actions button').click()
    expect(dealer.locator("#signature")).to_contain_text(zh("Drawn on screen"))
    expect(dealer.locator("#signature img.signature")).to_be_visible()
    submit = dealer.locator('form[action$="/submit"] button')
    expect(submit).to_be_enabled()
    shot(dealer, "repair-record-ready")
    submit.click()
    expect(flash(dealer)).to_have_text(zh("Submitted to the technical department."))
    expect(dealer.locator("main > h1")).to_contain_text(zh("Submitted"))
    shot(dealer, "claim-submitted")

    # 5. The technical department decides the claim line by line (the filer cannot).
    tech.click('a[href="/claims/?queue=review&status=review"]')  # the queue, oldest first
    tech.wait_for_url("**/claims/?queue=review&status=review")
    tech.click(f'a:text-is("{claim_number}")')
    tech.wait_for_url(re.compile(rf"/claims/{claim_id}(#\w+)?$"))
    expect(tech.locator('select[name^="decision-"]')).to_have_count(2)
    for select in tech.locator('select[name^="decision-"]').all():
        select.select_option("approved")
    tech.click('button[form="decide-form"]')
    expect(flash(tech)).to_have_text(zh("Decided: %(status)s.") % {"status": zh("Approved")})
    expect(tech.locator("#lines tfoot")).to_contain_text(f"{TOTAL:,.2f}")
    shot(tech, "claim-approved")

    # 6. The old part is owed: the dealer ships it by courier and prints its QR label.
    dealer.click('.mainnav a[href="/returns/owed"]')
    dealer.wait_for_url("**/returns/owed")
    row = dealer.locator("#owed-rows tr", has_text=claim_number)
    expect(row).to_contain_text(seeded.part_number)
    row.locator('input[name="owed_parts"]').check()
    dealer.check('input[name="method"][value="courier"]')
    dealer.fill("#waybill", "SF1400123456789")
    shot(dealer, "old-part-to-ship")
    dealer.click('.ship-details button[type="submit"]')
    dealer.wait_for_url(re.compile(r"/returns/shipments/\d+$"))
    shipment_number = dealer.locator("main > h1").inner_text().split()[-2]
    expect(flash(dealer)).to_have_text(zh(
        "Shipment %(number)s recorded: print its packing list and a label for each part.")
        % {"number": shipment_number})
    labels_href = dealer.locator('a[href*="/labels.pdf?layout=a4"]').get_attribute("href")
    response = dealer.context.request.get(labels_href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    qr_texts = read_qr_codes(response.body())
    assert len(qr_texts) == 1 and qr_texts[0].startswith("SBOP:"), qr_texts
    assert claim_number in qr_texts[0]
    shot(dealer, "shipment-recorded")

    # 7. The clerk receives the box: the QR text goes into the scan field, then reconciles.
    clerk.click('.mainnav a[href="/returns/receiving"]')
    clerk.wait_for_url("**/returns/receiving")
    clerk.click(f'a:text-is("{shipment_number}")')
    clerk.wait_for_url(re.compile(r"/returns/receiving/\d+$"))
    # scan.js has set the form up (it empties the field as each scan leaves): under load the
    # page can be shown before its scripts have run
    expect(clerk.locator("form[data-scan-form]")).to_have_attribute("data-scan-ready", "1")
    clerk.fill("#scan-code", qr_texts[0])
    clerk.press("#scan-code", "Enter")  # as a USB scanner does
    message = clerk.locator("#receipt-panel .scan-message")
    expect(message).to_contain_text(seeded.part_number)
    expect(message).to_have_class(re.compile("flash-success"))
    expect(clerk.locator("#receipt-panel .receipt-received")).to_have_count(1)
    expect(clerk.locator("#scan-code")).to_have_value("")
    shot(clerk, "old-part-received")
    clerk.click('#receipt-panel form[action$="/reconcile"] button')  # hx-confirm: accepted
    clerk.wait_for_url("**/returns/receiving")
    expect(flash(clerk)).to_contain_text(shipment_number)
    shot(clerk, "shipment-reconciled")

    # 8. The technical department gives its verdict on the part.
    tech.goto("/returns/verdicts")
    tech.click(f'#owed-rows tr:has-text("{claim_number}") a')
    tech.wait_for_url(re.compile(r"/returns/parts/\d+$"))
    tech.select_option('select[name="verdict"]', "quality_fault")
    tech.select_option("#cause_code_id", str(seeded.fault_id))
    tech.fill("#cause", "壳体铸造砂眼")
    tech.select_option("#destination", "supplier")
    tech.click('#verdict-form button[type="submit"]')
    tech.wait_for_selector("#verdict-form", state="detached")
    expect(tech.locator("#verdict-card")).to_contain_text(zh("Quality fault (三包成立)"))
    shot(tech, "verdict-given")

    # 9. The sales rep forwards the claim to finance.
    rep.goto("/")
    rep.click('a[href="/finance/claims?queue=forward&ready=1"]')
    rep.wait_for_url("**/finance/claims?queue=forward&ready=1")
    rep.click(f'a:text-is("{claim_number}")')
    rep.wait_for_url(re.compile(rf"/claims/{claim_id}(#\w+)?$"))
    expect(rep.locator("#finance")).to_contain_text(zh("Ready for finance"))
    rep.click('form[action$="/forward"] button')
    expect(flash(rep)).to_have_text(zh("Forwarded to finance."))
    expect(rep.locator("#finance h2")).to_contain_text(zh("With finance"))
    shot(rep, "forwarded")

    # 10. Finance audits the cost, approves it and generates the month's notices.
    finance.goto("/")
    finance.click('a[href="/finance/claims?queue=audit"]')
    finance.wait_for_url("**/finance/claims?queue=audit")
    finance.click(f'a:text-is("{claim_number}")')
    finance.wait_for_url(re.compile(rf"/claims/{claim_id}(#\w+)?$"))
    audit = finance.locator("form.audit")
    expect(audit.locator('input[name^="amount-"]').first).to_have_value(f"{PART_PRICE:.2f}")
    shot(finance, "cost-audit")
    audit.locator('button[name="approve"][value="1"]').click()
    expect(flash(finance)).to_contain_text(f"{TOTAL:.2f}")
    expect(finance.locator("#finance h2")).to_contain_text(zh("Cost approved"))

    finance.click('.mainnav a[href="/finance/notices/generate"]')
    finance.wait_for_url("**/finance/notices/generate")
    month = finance.locator("#period")
    month.fill(today.strftime("%Y-%m"))
    month.dispatch_event("change")  # as picking the month does: htmx swaps in what it issues
    expect(finance.locator("#eligible")).to_contain_text(yuan(TOTAL))
    expect(finance.locator("#eligible")).to_contain_text("E2E-A")
    shot(finance, "generate-notices")
    finance.click('main form[action="/finance/notices/generate"] .actions button')
    finance.wait_for_url(re.compile(r"/finance/runs/\d+$"))
    progress = finance.locator("#run-progress")
    expect(progress).to_be_visible()
    shot(finance, "run-progress")
    expect(progress).to_contain_text(zh("Done"), timeout=60_000)  # polled every second
    expect(progress).not_to_have_attribute("hx-trigger", re.compile("."))
    notice_link = progress.locator("a", has_text=re.compile(rf"HX-{today.year}-\d{{4}}"))
    expect(notice_link).to_have_count(1)
    notice_number = notice_link.inner_text()
    expect(progress).to_contain_text(yuan(TOTAL))
    shot(finance, "notice-issued")

    # 11. The dealer reads the notice and confirms it. (What it owed before: the opening
    #     balance, less the offsets of the stories played before this one.)
    owed_before = owed_now(dealer, seeded.dealer_a)
    dealer.click('.mainnav a[href="/finance/notices"]')
    dealer.wait_for_url("**/finance/notices")
    dealer.click(f'a:text-is("{notice_number}")')
    dealer.wait_for_url(f"**/finance/notices/{notice_number}")
    expect(dealer.locator("main > h1")).to_contain_text(zh("Awaiting dealer"))
    expect(dealer.locator("main")).to_contain_text(claim_number)
    shot(dealer, "notice-to-confirm")
    dealer.click('form[action$="/confirm"] button')  # hx-confirm: accepted
    expect(dealer.locator("main > h1")).to_contain_text(zh("Confirmed"))
    shot(dealer, "notice-confirmed")

    # 12. The dealer's ledger shows the offset with the notice number and the amount.
    dealer.click('.mainnav a[href="/finance/ledger"]')
    dealer.wait_for_url(f"**/finance/ledger/{seeded.dealer_a}")
    offset = dealer.locator("#ledger-rows tr", has_text=notice_number)
    expect(offset).to_contain_text(zh("Warranty offset"))
    expect(offset).to_contain_text(f"-{TOTAL:,.2f}")
    expect(dealer.locator(".stats")).to_contain_text(yuan(owed_before - TOTAL))
    expect(offset.locator(f'a[href="/finance/notices/{notice_number}"]')).to_be_visible()
    shot(dealer, "ledger-offset")

    # 13. Dealer B cannot reach dealer A's records: each answers the 404 page.
    watch.expect_status(404)
    other = people.page("e2e_dealer_b")
    for step, url in (("claim", f"/claims/{claim_id}"), ("unit", f"/units/{seeded.story_unit}"),
                      ("notice", f"/finance/notices/{notice_number}"),
                      ("service-entry", urlsplit(entry_url).path)):
        response = other.goto(url)
        assert response.status == 404, (url, response.status)
        expect(other.locator("main h1")).to_have_text("404")
        expect(other.locator("main")).to_contain_text(
            zh("This page does not exist, or it is not yours to see."))
        expect(other.locator("main")).not_to_contain_text(claim_number)
        shot(other, f"dealer-b-{step}-404")


def read_qr_codes(pdf: bytes) -> list[str]:
    """The QR codes on a PDF's pages, read off a 4× rendering (as a scanner reads paper)."""
    texts = []
    for page in pypdfium2.PdfDocument(pdf):
        texts += [r.text for r in zxingcpp.read_barcodes(page.render(scale=4).to_pil())]
    return texts
