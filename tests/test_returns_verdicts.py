"""Technical verdicts on returned old parts, the waiver and what blocks a line's write-off."""

import io
import os
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.claims.models import ClaimStatus, Decision, RejectCode
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.core.errors import DomainError
from portal.extensions import db
from portal.returns.models import (
    Destination,
    OwedPart,
    OwedStatus,
    StoreItem,
    Verdict,
    VerdictPhoto,
)
from portal.returns.owed import line_returns, record_verdict, waive, write_off_block
from portal.service import visit_tallies
from portal.workflow import claims as workflow
from tests import builders, factories
from tests.builders import owed_of, receive
from tests.helpers import image_bytes, walk_pages

TODAY = shanghai_today()


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def shop(world):
    return factories.workshop(world.dealer_a)


@pytest.fixture
def dealer(world):
    return world.users[Role.DEALER_STAFF]


@pytest.fixture
def tech(world):
    return world.users[Role.TECHNICAL]


# ---------------------------------------------------------------- helpers


submitted_claim = partial(builders.submitted_claim, today=TODAY)


def approve_all(claim, tech):
    workflow.decide(claim, {line.id: {"decision": "approved"} for line in claim.lines},
                    actor=tech)


# ---------------------------------------------------------------- verdict → claim line


def test_quality_fault_keeps_the_approval_and_enters_the_store(shop, dealer, tech):
    claim = submitted_claim(shop, dealer)
    approve_all(claim, tech)
    owed = receive(owed_of(claim))
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   cause_code_id=shop.fault.id, destination=Destination.SUPPLIER)
    line = claim.lines[0]
    assert (line.decision, line.approved_amount) == (Decision.APPROVED, Decimal("1200.00"))
    assert claim.status == ClaimStatus.APPROVED
    assert claim.total_approved == Decimal("1405.00")
    item = db.session.scalar(sa.select(StoreItem).where(StoreItem.owed_part_id == owed.id))
    assert (item.store, item.entered_on) == (Destination.SUPPLIER, TODAY)
    timeline = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "claims", AuditEntry.entity_id == str(claim.id),
        AuditEntry.action == "verdict")).all()
    assert len(timeline) == 1 and "#1" in timeline[0].changes


@pytest.mark.parametrize(("verdict", "code"), [
    (Verdict.MISUSE, RejectCode.MISUSE),
    (Verdict.NOT_WARRANTY_PART, RejectCode.NOT_WARRANTY_PART),
    (Verdict.WRONG_PART, RejectCode.OTHER),
    (Verdict.NO_DEFECT, RejectCode.NO_DEFECT),
])
def test_any_other_verdict_zeroes_the_line_and_the_claim_follows(shop, dealer, tech, verdict,
                                                                 code):
    claim = submitted_claim(shop, dealer)
    approve_all(claim, tech)
    owed = receive(owed_of(claim))
    record_verdict(owed, verdict, actor=tech, today=TODAY, cause="拆检发现进水",
                   destination=Destination.SCRAP)
    line = claim.lines[0]
    assert (line.decision, line.approved_amount, line.reject_code) == (
        Decision.REJECTED, Decimal("0.00"), code)
    assert "拆检发现进水" in line.decision_note
    assert claim.status == ClaimStatus.PARTLY_APPROVED
    assert claim.total_approved == Decimal("205.00")  # labour 125.00 + travel 80.00
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "claims", AuditEntry.entity_id == str(claim.id),
        AuditEntry.action == "verdict")).one()
    assert (entry.from_state, entry.to_state) == ("approved", "partly_approved")


def test_a_claim_whose_every_line_is_zeroed_is_rejected(shop, dealer, tech):
    claim = submitted_claim(shop, dealer, labour=False, travel=False)
    approve_all(claim, tech)
    record_verdict(receive(owed_of(claim)), Verdict.MISUSE, actor=tech, today=TODAY,
                   cause="超负荷作业", destination=Destination.SCRAP)
    assert claim.status == ClaimStatus.REJECTED
    assert claim.total_approved == Decimal("0.00")
    assert visit_tallies.drift() == {}  # the verdict took it out of the visit rate


def test_a_verdict_before_the_decision_locks_the_line(shop, dealer, tech):
    claim = submitted_claim(shop, dealer)
    record_verdict(receive(owed_of(claim)), Verdict.NO_DEFECT, actor=tech, today=TODAY,
                   cause="台架试验正常", destination=Destination.REUSABLE)
    assert claim.status == ClaimStatus.SUBMITTED
    # The decision cannot approve the zeroed line again: it is skipped.
    approve_all(claim, tech)
    assert claim.lines[0].decision == Decision.REJECTED
    assert claim.status == ClaimStatus.PARTLY_APPROVED
    assert claim.total_approved == Decimal("205.00")


def test_not_received_only_after_the_due_date_and_only_for_a_missing_part(shop, dealer, tech):
    claim = submitted_claim(shop, dealer)
    approve_all(claim, tech)
    owed = owed_of(claim)
    with pytest.raises(DomainError, match="not due until"):
        record_verdict(owed, Verdict.NOT_RECEIVED, actor=tech, today=owed.due_on,
                       cause="未返回")
    with pytest.raises(DomainError, match="not been received"):
        record_verdict(owed, Verdict.MISUSE, actor=tech, today=TODAY, cause="x",
                       destination=Destination.SCRAP)
    owed.status = OwedStatus.MISSING
    record_verdict(owed, Verdict.NOT_RECEIVED, actor=tech,
                   today=owed.due_on + timedelta(days=1), cause="旧件未返回",
                   destination=Destination.SCRAP)
    assert owed.destination is None and owed.store_item is None
    assert (claim.lines[0].approved_amount, claim.lines[0].reject_code) == (
        Decimal("0.00"), RejectCode.OTHER)


def test_not_received_is_refused_for_a_received_part(shop, dealer, tech):
    owed = receive(owed_of(submitted_claim(shop, dealer)))
    with pytest.raises(DomainError, match="was received") as refused:
        record_verdict(owed, Verdict.NOT_RECEIVED, actor=tech,
                       today=owed.due_on + timedelta(days=5), cause="x")
    assert refused.value.field == "verdict"


def test_verdict_refused_twice_without_destination_cause_or_by_others(world, shop, dealer,
                                                                       tech):
    owed = receive(owed_of(submitted_claim(shop, dealer)))
    with pytest.raises(DomainError) as refused:
        record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY)
    assert refused.value.field == "destination"
    with pytest.raises(DomainError) as refused:
        record_verdict(owed, Verdict.MISUSE, actor=tech, today=TODAY,
                       destination=Destination.SCRAP)
    assert refused.value.field == "cause"
    for role in (Role.CLERK, Role.FINANCE, Role.DEALER_ADMIN):
        with pytest.raises(DomainError, match="Only the technical department"):
            record_verdict(owed, Verdict.QUALITY_FAULT, actor=world.users[role], today=TODAY,
                           destination=Destination.SUPPLIER)
    assert owed.verdict is None
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   destination=Destination.SUPPLIER)
    with pytest.raises(DomainError, match="already has a verdict"):
        record_verdict(owed, Verdict.MISUSE, actor=tech, today=TODAY, cause="x",
                       destination=Destination.SCRAP)


# ---------------------------------------------------------------- write-off blocks and waiver


def test_write_off_blocks(shop, dealer, tech):
    owed = owed_of(submitted_claim(shop, dealer))
    due = owed.due_on
    assert "still owed" in write_off_block(owed, due)
    assert "had not arrived by its return date" in write_off_block(owed, due + timedelta(1))
    receive(owed, due)
    assert "not given its verdict" in write_off_block(owed, due + timedelta(1))
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   destination=Destination.REUSABLE)
    assert write_off_block(owed, due + timedelta(100)) is None
    owed.received_on = due + timedelta(days=3)
    assert "after its return date" in write_off_block(owed, due + timedelta(100))


def test_the_waiver_lifts_the_block_with_who_and_why(world, shop, dealer, tech):
    claim = submitted_claim(shop, dealer)
    owed = owed_of(claim)
    later = owed.due_on + timedelta(days=40)
    assert write_off_block(owed, later) is not None
    with pytest.raises(DomainError, match="Only the technical department"):
        waive(owed, "厂家召回件", actor=world.users[Role.CLERK])
    with pytest.raises(DomainError) as refused:
        waive(owed, "  ", actor=tech)
    assert refused.value.field == "reason"
    waive(owed, "厂家召回件，无需返回", actor=tech)
    assert (owed.status, owed.waived_by_id, owed.waive_reason) == (
        OwedStatus.WAIVED, tech.id, "厂家召回件，无需返回")
    assert owed.waived_at is not None
    assert write_off_block(owed, later) is None
    assert line_returns(claim, later)[owed.claim_line_id].blocked is None
    with pytest.raises(DomainError, match="waived"):
        waive(owed, "again", actor=tech)


def test_a_late_arrival_can_be_waived_and_stays_received(shop, dealer, tech):
    owed = receive(owed_of(submitted_claim(shop, dealer)))
    with pytest.raises(DomainError):
        waive(owed, "按时到达的件无需豁免", actor=tech)  # on time: nothing to waive
    owed.received_on = owed.due_on + timedelta(days=12)
    waive(owed, "物流延误，经核实", actor=tech)
    assert owed.status == OwedStatus.RECEIVED
    assert "not given its verdict" in write_off_block(owed, owed.due_on + timedelta(days=20))
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   destination=Destination.REUSABLE)
    assert write_off_block(owed, owed.due_on + timedelta(days=20)) is None


# ---------------------------------------------------------------- pages


def commit_received(shop, dealer, **kwargs):
    claim = submitted_claim(shop, dealer, **kwargs)
    owed = receive(owed_of(claim))
    db.session.commit()
    return claim, owed


def test_the_verdict_form_with_photos_changes_the_claim(client, login, shop, dealer, tech,
                                                         world):
    claim, owed = commit_received(shop, dealer)
    login(tech)
    page = client.get(f"/returns/parts/{owed.id}")
    assert page.status_code == 200 and b'id="verdict-form"' in page.data
    response = client.post(f"/returns/parts/{owed.id}/verdict", data={
        "version": owed.version, "verdict": "misuse", "cause_code_id": shop.fault.id,
        "cause": "未按说明书保养", "destination": "scrap",
        "photos": [(io.BytesIO(image_bytes()), "a.png"),
                   (io.BytesIO(image_bytes("JPEG")), "b.jpg")]},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.data[-1500:]
    db.session.expire_all()
    owed = db.session.get(OwedPart, owed.id)
    assert owed.verdict == Verdict.MISUSE and len(owed.photos) == 2
    assert {p.content_type for p in owed.photos} == {"image/png", "image/jpeg"}
    assert claim.lines[0].approved_amount == Decimal("0.00")
    after = client.get(f"/returns/parts/{owed.id}").get_data(as_text=True)
    assert shop.fault.code in after and "未按说明书保养" in after and 'id="store"' in after
    assert 'id="verdict-form"' not in after
    photo = client.get(f"/returns/parts/{owed.id}/photos/{owed.photos[0].id}")
    assert photo.status_code == 200 and photo.data.startswith(b"\x89PNG")
    timeline = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Technical verdict" in timeline or "鉴定" in timeline
    login(world.dealer_b_admin)
    assert client.get(f"/returns/parts/{owed.id}").status_code == 404
    assert client.get(f"/returns/parts/{owed.id}/photos/{owed.photos[0].id}").status_code == 404
    login(dealer)
    assert client.get(f"/returns/parts/{owed.id}/photos/{owed.photos[0].id}").status_code == 200


def test_photos_are_checked_by_content_all_or_none(client, login, shop, dealer, tech, app):
    claim, owed = commit_received(shop, dealer)
    login(tech)
    folder = os.path.join(app.instance_path, "uploads", "returns", str(owed.id))
    before = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    for name, data in [("x.png", b"just text"), ("x.jpg", b"%PDF-1.4 not a photo")]:
        response = client.post(f"/returns/parts/{owed.id}/verdict", data={
            "version": owed.version, "verdict": "quality_fault", "destination": "supplier",
            "photos": [(io.BytesIO(image_bytes()), "ok.png"), (io.BytesIO(data), name)]},
            content_type="multipart/form-data")
        assert response.status_code == 422
        assert "JPEG" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OwedPart, owed.id).verdict is None
    assert not db.session.query(VerdictPhoto).count()
    assert (set(os.listdir(folder)) if os.path.isdir(folder) else set()) == before


def test_the_verdict_form_shows_refusals_by_their_field(client, login, shop, dealer, tech):
    claim, owed = commit_received(shop, dealer)
    login(tech)
    response = client.post(f"/returns/parts/{owed.id}/verdict", data={
        "version": owed.version, "verdict": "quality_fault", "destination": ""})
    assert response.status_code == 422
    assert "Choose where the part goes." in response.get_data(as_text=True)


def test_waiver_page_and_roles(client, login, world, shop, dealer, tech):
    claim = submitted_claim(shop, dealer)
    owed = owed_of(claim)
    db.session.commit()
    for role in (Role.CLERK, Role.FINANCE, Role.DEALER_ADMIN):
        login(world.users[role])
        assert client.post(f"/returns/parts/{owed.id}/waive",
                           data={"reason": "x"}).status_code == 403
        assert client.post(f"/returns/parts/{owed.id}/verdict",
                           data={"verdict": "misuse"}).status_code == 403
    login(tech)
    refused = client.post(f"/returns/parts/{owed.id}/waive",
                          data={"version": owed.version, "reason": ""})
    assert refused.status_code == 422
    done = client.post(f"/returns/parts/{owed.id}/waive",
                       data={"version": owed.version, "reason": "召回件"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(OwedPart, owed.id).status == OwedStatus.WAIVED


def test_claim_partial_shows_the_block_in_red(app, shop, dealer, tech):
    claim = submitted_claim(shop, dealer, parts=[shop.main_part, shop.wear_part])
    first, second = owed_of(claim, 1), owed_of(claim, 2)
    receive(first, first.due_on)
    record_verdict(first, Verdict.QUALITY_FAULT, actor=tech, today=TODAY,
                   destination=Destination.REUSABLE)
    later = second.due_on + timedelta(days=3)
    html = render_template("returns/_claim_returns.html", claim=claim,
                           returns=line_returns(claim, later))
    assert f"/returns/parts/{first.id}" in html and f"/returns/parts/{second.id}" in html
    assert html.count('class="error"') == 1
    assert "had not arrived by its return date" in html
    assert Verdict.QUALITY_FAULT.title in html


# ---------------------------------------------------------------- the lists


def test_the_queue_is_oldest_first_filtered_and_paged(client, login, app, world, shop, dealer,
                                                      tech):
    claims = [submitted_claim(shop, dealer) for _ in range(3)]
    for days, claim in zip((5, 9, 7), claims, strict=True):
        owed = owed_of(claim)
        receive(owed, owed.due_on - timedelta(days=days))
    db.session.commit()
    login(tech)
    app.config["PAGE_SIZE"] = 2
    try:
        seen = walk_pages(client, "/returns/verdicts", shop.main_part.part_number)
    finally:
        app.config["PAGE_SIZE"] = 25
    assert len(seen) == 3
    body = client.get("/returns/verdicts").get_data(as_text=True)
    order = [body.index(claim.number) for claim in claims]
    assert order[1] < order[2] < order[0]  # received 9, 7, 5 days before the due date
    none = client.get("/returns/verdicts?dealer=ZZZ").get_data(as_text=True)
    assert claims[0].number not in none
    assert claims[0].number in client.get(
        f"/returns/verdicts?part={shop.main_part.part_number}&dealer=DA").get_data(as_text=True)


def test_overdue_list_is_scoped(client, login, world, shop, dealer):
    claim = submitted_claim(shop, dealer)
    owed = owed_of(claim)
    owed.due_on = TODAY - timedelta(days=3)
    db.session.commit()
    for user, sees in ((world.users[Role.TECHNICAL], True), (world.users[Role.SALES_REP], True),
                       (world.rep_b, False)):
        login(user)
        assert (claim.number in client.get("/returns/overdue").get_data(as_text=True)) is sees
