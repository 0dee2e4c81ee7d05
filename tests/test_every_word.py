"""Every word in the reader's language: histories show coded values by their titles and people
by their names, forms their choices in Chinese."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import render_template_string

from portal.accounts.roles import Role
from portal.core import audit
from portal.core.audit import AuditEntry
from portal.core.db import shanghai_today
from portal.dealers import services as dealer_services
from portal.extensions import db
from portal.returns.models import Destination, Verdict
from portal.returns.owed import record_verdict
from portal.service import visits
from tests import builders, factories

AT = datetime(2025, 8, 10, 2, 0, tzinfo=UTC)


def entry(user, entity_type, **values):
    return AuditEntry(at=AT, actor=user, actor_id=user.id, actor_name=user.username,
                      action="update", entity_type=entity_type, entity_id="1", reason="",
                      **values)


def history(entries) -> str:
    html = render_template_string(
        '{% from "_macros.html" import history_table %}{{ history_table(entries) }}',
        entries=entries)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_history_shows_coded_values_and_lists_by_their_titles_in_chinese(world):
    clerk = world.users[Role.CLERK]
    text = history([
        entry(clerk, "return_shipments", changes={
            "method": [None, "courier"], "owed_parts": [None, ["WX-1", "WX-2"]]}),
        entry(clerk, "owed_parts", changes={"receipt": ["pending", "received"]}),
        entry(clerk, "claims", changes={"finance_stage": ["approved", "written_off"]}),
        entry(clerk, "users", from_state="dealer_staff", to_state="clerk"),
    ])
    assert "— → 快递" in text and "WX-1, WX-2" in text
    assert "未清点 → 已收到" in text and "费用已审核 → 已核销" in text
    assert "经销商员工 → 销售内勤" in text
    text = history([entry(clerk, "claims", changes={"#2": ["owed", "waived"]}),
                    entry(clerk, "seasons", changes={"categories": [None, ["combine"]]})])
    assert "待回运 → 已免除返还" in text and "— → 联合收割机" in text
    assert not {"owed", "waived", "combine"} & set(text.split())
    for code in ("courier", "pending", "received", "approved", "written_off", "[",
                 "dealer_staff", "clerk"):
        assert code not in text.replace(clerk.username, "")


def test_history_names_people_by_their_display_names(world):
    clerk = world.users[Role.CLERK]
    text = history([entry(clerk, "claims", changes={}),
                    AuditEntry(at=AT, actor_name="system", action="submit",
                               entity_type="claims", entity_id="1")])
    assert clerk.display_name in text and "系统" in text
    assert clerk.username not in text


def test_the_return_visit_form_offers_its_choices_in_chinese(client, login, world):
    claim = factories.make_claim(factories.make_unit(dealer=world.dealer_a), status="submitted",
                                 completed_on=date(2025, 8, 3),
                                 lines=[("labour", Decimal("80.00"))])
    factories.make_card(claim.unit, buyer_name="李四", buyer_phone="13900001111")
    visit = visits.open_return_visit(claim, today=date(2025, 8, 4))
    login(world.users[Role.CLERK])
    body = client.get(f"/followup/visits/{visit.id}").get_data(as_text=True)
    assert "已联系上" in body and "未联系上" in body
    assert "Reached" not in body and "Not reached" not in body


def test_by_names_the_one_who_acted_and_judged_by_only_a_verdict(client, login, world):
    tech, dealer = world.users[Role.TECHNICAL], world.users[Role.DEALER_STAFF]
    today = shanghai_today()
    shop = factories.workshop(world.dealer_a)
    claim = builders.submitted_claim(shop, dealer, today=today)
    owed = builders.receive(builders.owed_of(claim))
    record_verdict(owed, Verdict.QUALITY_FAULT, actor=tech, today=today,
                   cause_code_id=shop.fault.id, destination=Destination.SUPPLIER)
    db.session.commit()
    login(tech)
    page = client.get(f"/returns/parts/{owed.id}").get_data(as_text=True)
    assert "<dt>鉴定人</dt>" in page and tech.display_name in page
    login(world.users[Role.ADMIN])
    weekly = client.get("/reports/weekly").get_data(as_text=True)
    assert "<th>操作人</th>" in weekly and "鉴定人" not in weekly


def test_the_audit_trail_shows_and_finds_a_person_by_display_name(client, login, world):
    clerk = world.users[Role.CLERK]
    audit.record("update", world.dealer_b, actor=clerk, reason="改了地址")
    db.session.commit()
    login(world.users[Role.ADMIN])
    for who in (clerk.display_name, clerk.username):
        body = client.get(f"/audit?actor={who}").get_data(as_text=True)
        assert "改了地址" in body and f"<td>{clerk.display_name}</td>" in body
    assert "改了地址" not in client.get("/audit?actor=nobody").get_data(as_text=True)


def test_a_dealers_history_names_its_sales_rep_by_display_name(world):
    dealer, rep = world.dealer_b, world.users[Role.SALES_REP]
    values = {k: getattr(dealer, k) for k in dealer_services.FIELDS}
    dealer_services.update_dealer(dealer, {**values, "sales_rep_id": rep.id},
                                  version=dealer.version, actor=world.users[Role.ADMIN])
    text = history(audit.history(dealer))
    assert f"{world.rep_b.display_name} → {rep.display_name}" in text
    assert rep.username not in text
