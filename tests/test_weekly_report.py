"""The weekly report: its figures on a hand-built week (edges at Monday 00:00 and Sunday 23:59
Shanghai), generating and re-generating it with its PDF, the cron command, and who sees it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.catalog.models import FaultCode
from portal.claims.models import Decision
from portal.core.audit import AuditEntry
from portal.core.db import SHANGHAI
from portal.extensions import db
from portal.finance import lifecycle
from portal.quality.models import AlertStatus, BatchAlert
from portal.reports import weekly
from portal.reports.models import WeeklyReport
from portal.service.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    RequestStatus,
    ReturnVisit,
    VisitStatus,
)
from tests import factories
from tests.builders import make_notice
from tests.helpers import pdf_layout_problems, pdf_text

MONDAY = date(2026, 11, 9)
NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tuesday of the next week, 10:00 Shanghai


def sh(day: date, hour=0, minute=0, second=0) -> datetime:
    """A Shanghai wall-clock time as an aware instant."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


FIRST = sh(MONDAY)  # Monday 00:00
LAST = sh(MONDAY + timedelta(days=6), 23, 59)  # Sunday 23:59
BEFORE = FIRST - timedelta(seconds=1)  # the Sunday before, 23:59:59
AFTER = sh(MONDAY + timedelta(days=7))  # the next Monday 00:00


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


def _complaint(number, received_at, status=ComplaintStatus.OPEN, dealer=None, **values):
    complaint = Complaint(number=number, channel=Channel.PHONE, received_at=received_at,
                          customer_name="王五", description="维修太慢", status=status,
                          dealer=dealer, registered_by_id=factories._any_user_id(), **values)
    db.session.add(complaint)
    return complaint


def _visit(claim, status, *, called_at=None, reached=None, satisfaction=None, comment="",
           due_on=MONDAY):
    visit = ReturnVisit(claim=claim, dealer_id=claim.dealer_id, unit_id=claim.unit_id,
                        status=status, due_on=due_on, reached=reached, satisfaction=satisfaction,
                        comment=comment, called_at=called_at, attempts=1)
    db.session.add(visit)
    return visit


@pytest.fixture
def week(world):
    """A week of after-sales life at dealer A, with one item just outside it at each edge."""
    dealer = world.dealer_a
    fault = FaultCode(code="WK1", description="变速箱漏油")
    db.session.add(fault)
    part = factories.make_part(name="油封")
    unit = factories.make_unit(dealer=dealer)
    claims = [factories.make_claim(unit) for _ in range(5)]
    # Complaints: two received in the week (at its two edges), two just outside it.
    _complaint("TS-IN-1", FIRST, dealer=dealer)
    _complaint("TS-IN-2", LAST, status=ComplaintStatus.ESCALATED, escalated_at=LAST)
    _complaint("TS-OUT-1", BEFORE, status=ComplaintStatus.RESOLVED, resolved_at=FIRST)
    _complaint("TS-OUT-2", AFTER, status=ComplaintStatus.ARCHIVED)
    # Return visits: reached and unhappy, reached and happy, not reached, one closed the week
    # before, one still to call.
    _visit(claims[0], VisitStatus.DONE, called_at=FIRST, reached=True, satisfaction=2,
           comment="师傅迟到")
    _visit(claims[1], VisitStatus.DONE, called_at=LAST, reached=True, satisfaction=5)
    _visit(claims[2], VisitStatus.DONE, called_at=LAST, reached=False)
    _visit(claims[3], VisitStatus.DONE, called_at=BEFORE, reached=True, satisfaction=1)
    _visit(claims[4], VisitStatus.OPEN, due_on=MONDAY + timedelta(days=6))
    # Service requests: received in the week and arranged late; received before it; overdue now.
    late = factories.make_service_request(dealer, received_at=FIRST, status=RequestStatus.ARRANGED)
    late.arranged_at = FIRST + timedelta(hours=3)
    late.check_due_at = NOW + timedelta(hours=1)
    factories.make_service_request(dealer, received_at=BEFORE, status=RequestStatus.CLOSED)
    overdue = factories.make_service_request(dealer, received_at=LAST)  # routed, never arranged
    # Failures: claims failed in the week (a draft and a rejected claim do not count).
    lines = [{"kind": "part", "amount": "40.00", "part": part, "quantity": 2},
             {"kind": "part", "amount": "20.00", "part": part, "quantity": 1,
              "decision": Decision.REJECTED}]
    for status, failed in (("submitted", MONDAY), ("approved", MONDAY + timedelta(days=6)),
                           ("draft", MONDAY), ("rejected", MONDAY),
                           ("submitted", MONDAY - timedelta(days=1))):
        factories.make_claim(unit, status=status, failure_date=failed, fault_code_id=fault.id,
                             lines=lines)
    # Cost: one claim approved in the week (rejected and pending lines cost nothing), one after.
    cost_lines = [
        {"kind": "part", "amount": "100.00", "part": part, "quantity": 1,
         "decision": Decision.APPROVED, "approved_amount": Decimal("100.00")},
        {"kind": "labour", "amount": "60.00", "decision": Decision.REDUCED,
         "approved_amount": Decimal("50.00")},
        {"kind": "travel", "amount": "30.00", "decision": Decision.APPROVED,
         "approved_amount": Decimal("30.00")},
        {"kind": "other", "amount": "9.00", "decision": Decision.REJECTED,
         "approved_amount": Decimal("0.00")}]
    for decided in (LAST, AFTER):
        factories.make_claim(unit, status="partly_approved", lines=cost_lines,
                             failure_date=date(2026, 10, 1), decided_at=decided,
                             total_approved=Decimal("180.00"))
    # A write-off notice the dealer confirmed in the week.
    notice = make_notice(dealer, 1, actor=world.users[Role.FINANCE])
    lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_ADMIN],
                             now=FIRST + timedelta(hours=10))
    # An open alert and a closed one.
    for status in (AlertStatus.OPEN, AlertStatus.CLOSED):
        db.session.add(BatchAlert(part=part, batch=f"B-{status.value}", status=status,
                                  failures=6, expected=Decimal("1.2"), units=40,
                                  unit_days=4000, baseline_rate=Decimal("0.0003"),
                                  p_value=Decimal("0.001"), raised_at=FIRST))
    db.session.flush()
    return {"notice": notice, "overdue": overdue, "part": part}


def test_figures_count_the_week_from_monday_0000_to_sunday_2359(week):
    f = weekly.figures(MONDAY, now=NOW)
    assert (f["week_start"], f["week_end"]) == ("2026-11-09", "2026-11-15")
    c = f["complaints"]
    assert (c["received"], c["escalated"], c["resolved"]) == (2, 1, 1)
    assert [x["number"] for x in c["open_list"]] == ["TS-IN-1", "TS-IN-2"]
    assert c["open_list"][0]["dealer"].startswith("DA-01")
    v = f["visits"]
    assert (v["made"], v["reached"], v["not_reached"], v["still_due"], v["due"]) == (3, 2, 1, 1, 4)
    assert v["rate"] == "66.7" and v["average"] == "3.50"
    assert [(d["satisfaction"], d["comment"]) for d in v["dissatisfied"]] == [(2, "师傅迟到")]
    r = f["requests"]
    assert (r["received"], r["arranged_late"], r["overdue"]) == (2, 1, 1)
    assert r["overdue_list"][0]["number"] == week["overdue"].number
    assert r["overdue_list"][0]["age_hours"] == int((NOW - LAST).total_seconds() // 3600)


def test_failures_cost_and_alerts(week):
    f = weekly.figures(MONDAY, now=NOW)
    assert f["failures"]["claims"] == 2
    assert f["failures"]["faults"] == [{"code": "WK1", "description": "变速箱漏油", "claims": 2}]
    assert f["failures"]["parts"][0]["quantity"] == 4  # 2 per claim; the rejected line is out
    k = f["cost"]
    assert k["claims"] == 1 and k["total"] == "180.00"
    assert k["by_kind"] == {"part": "100.00", "labour": "50.00", "travel": "30.00",
                            "other": "0.00"}
    assert (k["notices"], k["notices_total"]) == (1, str(week["notice"].total))
    assert [a["batch"] for a in f["alerts"]["list"]] == ["B-open"]
    assert f["previous"]["complaints"] == 1 and f["headline"]["complaints"] == 2


def test_the_week_is_set_against_the_week_before_figure_by_figure(week):
    unit = factories.make_unit(dealer=factories.make_dealer())
    factories.make_claim(unit, status="approved", failure_date=date(2026, 10, 1),
                         decided_at=BEFORE, total_approved=Decimal("70.00"), lines=[
                             {"kind": "labour", "amount": "70.00", "decision": Decision.APPROVED,
                              "approved_amount": Decimal("70.00")}])
    f = weekly.figures(MONDAY, now=NOW)
    # This week: three calls closed (two reached), two complaints, two requests (one arranged
    # late), two failures, the 180.00 claim decided on Sunday 23:59.
    assert f["headline"] == {"visits_made": 3, "visits_reached": 2, "complaints": 2,
                             "requests": 2, "arranged_late": 1, "failures": 2,
                             "cost": "180.00"}
    # The week before: what the fixture put just before Monday 00:00, and the 70.00 claim.
    assert f["previous"] == {"visits_made": 1, "visits_reached": 1, "complaints": 1,
                             "requests": 1, "arranged_late": 0, "failures": 1, "cost": "70.00"}


def test_open_alerts_are_listed_with_their_figures_and_closed_ones_are_not(week):
    alerts = weekly.figures(MONDAY, now=NOW)["alerts"]
    part = week["part"]
    assert alerts["open"] == 1
    (alert,) = alerts["list"]
    assert (alert["batch"], alert["status"], alert["failures"], alert["expected"],
            alert["units"], alert["part"]) == ("B-open", "open", 6, "1.20", 40,
                                               f"{part.part_number} {part.name}")


def test_generate_stores_figures_and_a_real_pdf(week, world):
    report = weekly.generate(MONDAY, actor=world.users[Role.TECHNICAL], now=NOW)
    db.session.flush()
    assert report.week_end == date(2026, 11, 15)
    assert report.figures["cost"]["total"] == "180.00"
    assert report.pdf.startswith(b"%PDF")
    text = pdf_text(report.pdf)
    assert "2026-11-09" in text and "2026-11-15" in text
    assert "TS-IN-1" in text and "180.00" in text
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "weekly_reports"))
    assert entry.action == "generate" and entry.actor_id == world.users[Role.TECHNICAL].id


def test_generating_again_replaces_the_figures_and_is_audited(week, world):
    first = weekly.generate(MONDAY, actor=world.users[Role.CLERK], now=NOW)
    db.session.flush()
    _complaint("TS-IN-3", FIRST + timedelta(days=2))
    again = weekly.generate(MONDAY, now=NOW + timedelta(hours=1))
    db.session.flush()
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(WeeklyReport.id))) == 1
    assert again.figures["complaints"]["received"] == 3
    assert again.generated_by_id is None
    assert "TS-IN-3" in pdf_text(again.pdf)
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.entity_type == "weekly_reports").order_by(AuditEntry.id)).all()
    assert actions == ["generate", "regenerate"]


def test_a_week_must_start_on_a_monday_that_has_come(world):
    from portal.core.errors import DomainError

    with pytest.raises(DomainError, match="Monday"):
        weekly.generate(MONDAY + timedelta(days=1), now=NOW)
    with pytest.raises(DomainError, match="not begun"):
        weekly.generate(MONDAY + timedelta(days=14), now=NOW)


def test_last_week_is_the_shanghai_week_before(world):
    # Monday 2026-11-16 07:00 in Shanghai is still Sunday in UTC.
    assert weekly.last_week(sh(date(2026, 11, 16), 7)) == MONDAY
    assert weekly.last_week(sh(date(2026, 11, 15), 23, 59)) == MONDAY - timedelta(days=7)


def test_cli_generates_the_week_of_the_given_day(runner, world):
    result = runner.invoke(args=["reports", "weekly", "--week", "2026-11-11"])
    assert result.exit_code == 0, result.output
    assert "2026-11-09" in result.output
    report = weekly.get_report(MONDAY)
    assert report.generated_by_id is None and report.pdf.startswith(b"%PDF")
    bad = runner.invoke(args=["reports", "weekly", "--week", "11/11/2026"])
    assert bad.exit_code != 0


def test_cli_defaults_to_last_week(runner, world):
    result = runner.invoke(args=["reports", "weekly"])
    assert result.exit_code == 0, result.output
    assert weekly.get_report(weekly.last_week()) is not None


# ---------------------------------------------------------------- pages


def test_technical_generates_and_reads_the_report(client, login, week, world):
    login(world.users[Role.TECHNICAL])
    page = client.get("/reports/weekly")
    assert page.status_code == 200
    response = client.post("/reports/weekly", data={"week_start": "2026-11-09"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/reports/weekly/2026-11-09")
    shown = client.get("/reports/weekly/2026-11-09")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "TS-IN-1" in html and "180.00" in html and "/quality/alerts/" in html
    assert week["overdue"].number in html
    pdf = client.get("/reports/weekly/2026-11-09.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and pdf_layout_problems(pdf.data) == []
    assert "2026-11-09" in client.get("/reports/weekly").get_data(as_text=True)


def test_a_day_that_is_not_a_monday_is_refused_next_to_the_field(client, login, world):
    login(world.users[Role.CLERK])
    client.post("/language", data={"lang": "en"})
    response = client.post("/reports/weekly", data={"week_start": "2026-11-10"})
    assert response.status_code == 422
    assert "starts on a Monday" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WeeklyReport.id))) == 0


def test_a_rep_reads_but_does_not_generate(client, login, world):
    weekly.generate(MONDAY, now=NOW)
    db.session.commit()
    login(world.users[Role.SALES_REP])
    assert client.get("/reports/weekly/2026-11-09").status_code == 200
    assert client.post("/reports/weekly", data={"week_start": "2026-11-09"}).status_code == 403


def test_dealers_get_404(client, login, world):
    weekly.generate(MONDAY, now=NOW)
    db.session.commit()
    login(world.users[Role.DEALER_STAFF])
    for url in ("/reports/weekly", "/reports/weekly/2026-11-09",
                "/reports/weekly/2026-11-09.pdf", "/dashboard"):
        assert client.get(url).status_code == 404, url


def test_an_unknown_week_is_404(client, login, world):
    login(world.users[Role.ADMIN])
    assert client.get("/reports/weekly/2026-11-02").status_code == 404
    assert client.get("/reports/weekly/not-a-day").status_code == 404
    assert client.get("/reports/weekly/2026-11-02.pdf").status_code == 404


def test_the_page_lists_the_oldest_alerts_and_says_the_pdf_has_all(client, login, world,
                                                                   monkeypatch):
    from flask import render_template

    from portal.reports import views

    report = weekly.generate(MONDAY, now=NOW)
    report.figures = {**report.figures, "alerts": {"open": 3, "list": [
        {"id": i, "batch": f"LB{i}", "status": "open", "failures": 5, "expected": "1.00",
         "units": 10, "raised_at": "2026-11-10T10:00", "part": f"P{i}"} for i in (1, 2, 3)]}}
    db.session.commit()
    monkeypatch.setattr(views, "LISTED", 2)
    login(world.users[Role.ADMIN])
    html = client.get("/reports/weekly/2026-11-09").get_data(as_text=True)
    assert "LB1" in html and "LB2" in html and "LB3" not in html
    assert "/quality/alerts\"" in html  # the live list, below the note
    sheet = render_template("reports/weekly_pdf.html", report=report, f=report.figures)
    assert "LB3" in sheet


def test_the_page_shows_the_figures_of_the_latest_generation(client, login, world):
    """The page keeps the parsed figures of a generation; generating again shows the new ones."""
    report = weekly.generate(MONDAY, now=NOW)
    db.session.commit()
    login(world.users[Role.ADMIN])
    assert "LB-AGAIN" not in client.get("/reports/weekly/2026-11-09").get_data(as_text=True)
    report.figures = {**report.figures, "alerts": {"open": 1, "list": [
        {"id": 9, "batch": "LB-AGAIN", "status": "open", "failures": 5, "expected": "1.00",
         "units": 10, "raised_at": "2026-11-10T10:00", "part": "P9"}]}}
    db.session.commit()
    assert "LB-AGAIN" in client.get("/reports/weekly/2026-11-09").get_data(as_text=True)


def test_long_lists_show_their_first_rows_and_say_the_pdf_has_all(client, login, world,
                                                                  monkeypatch):
    from flask import render_template

    from portal.reports import views

    report = weekly.generate(MONDAY, now=NOW)
    visits = {**report.figures["visits"], "dissatisfied": [
        {"id": i, "claim_id": 1, "claim": f"CL-{i}", "dealer": "D", "satisfaction": 2,
         "comment": f"COMMENT-{i}", "called_at": "2026-11-10T10:00"} for i in (1, 2, 3)]}
    requests = {**report.figures["requests"], "overdue_list": [
        {"id": i, "number": f"FW-LATE-{i}", "customer": "C", "dealer": "D", "status": "new",
         "due_at": "2026-11-10T10:00", "age_hours": 5} for i in (1, 2, 3)]}
    report.figures = {**report.figures, "visits": visits, "requests": requests}
    db.session.commit()
    monkeypatch.setattr(views, "LISTED", 2)
    login(world.users[Role.ADMIN])
    html = client.get("/reports/weekly/2026-11-09").get_data(as_text=True)
    assert "COMMENT-2" in html and "COMMENT-3" not in html
    assert "FW-LATE-2" in html and "FW-LATE-3" not in html
    assert html.count("共 3 条，此处显示前 2 条；PDF 列出全部。") == 2
    sheet = render_template("reports/weekly_pdf.html", report=report, f=report.figures)
    assert "COMMENT-3" in sheet and "FW-LATE-3" in sheet
