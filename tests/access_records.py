"""The records the access matrix and the CSRF walk request: one of every kind a URL of the
portal names, for dealer A and (when dealer-scoped) dealer B; and the URL map's routes."""

from pathlib import Path

from portal.accounts.roles import Role
from portal.catalog.models import Season, SeasonKind, TravelBand
from tests import factories


def access_records(app, world, db) -> dict:
    """One record of every kind a URL names: {argument: (dealer A's or unscoped, dealer B's
    or None)}."""
    model = factories.make_model()
    part = factories.make_part(models=[model])
    band = TravelBand(min_km=500, max_km=600, fee=1)
    season = Season(name="测试季", kind=SeasonKind.OPERATING, start_on="2027-01-01",
                    end_on="2027-02-01", categories=["combine"], provinces=[])
    from datetime import date

    season.start_on, season.end_on = date(2027, 1, 1), date(2027, 2, 1)
    from portal.catalog.models import FaultCode

    fault = FaultCode(code="ZZ9", description="测试故障")
    from portal.catalog.models import DiscountRate, ModelCategory

    discount = DiscountRate(category=ModelCategory.COMBINE, from_month=0, rate=100)
    db.session.add_all([band, season, fault, discount])
    victim = factories.make_user(Role.CLERK, username="victim")
    from portal.accounts.models import ApiToken

    token = ApiToken(user=victim, token_hash="0" * 64)
    db.session.add(token)
    from portal.units.holidays import DayKind, OfficialDay

    official_day = OfficialDay(day=date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦",
                               created_by=victim)
    db.session.add(official_day)
    unit_a = factories.make_unit(model=model, dealer=world.dealer_a)
    unit_b = factories.make_unit(model=model, dealer=world.dealer_b)
    for unit in (unit_a, unit_b):
        factories.make_card(unit, late_days=3, scan=True)
    claims = []
    for unit in (unit_a, unit_b):
        from portal.claims.models import ClaimAttachment

        claim = factories.make_claim(unit, status="submitted", lines=[
            {"kind": "travel", "amount": "80.00", "km": 30},
            {"kind": "labour", "amount": "50.00", "hours": 1, "standard_hours": 1,
             "hourly_rate": 50, "fault_code": fault, "covered": False, "paid_service": True}])
        folder = Path(app.instance_path) / "uploads" / "claims"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "access-test.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        claim.attachments.append(ClaimAttachment(kind="photo", path="claims/access-test.png",
                                                 name="x.png", content_type="image/png",
                                                 size=1, uploaded_by_id=victim.id))
        claims.append(claim)
    request_a = factories.make_service_request(dealer=world.dealer_a, unit=unit_a)
    request_b = factories.make_service_request(dealer=world.dealer_b, unit=unit_b)
    db.session.flush()
    claim_a, claim_b = claims
    shipment_a, shipment_b = (factories.make_return_shipment(
        factories.make_owed_parts(dealer, 1)) for dealer in (world.dealer_a, world.dealer_b))
    visits, complaints, flags = _followup(world, unit_a, unit_b, part)
    owed, photos, item = _returns(app, unit_a, unit_b, part, victim)
    from tests.builders import make_notice

    notices = [make_notice(dealer, 1, actor=world.users[Role.FINANCE])
               for dealer in (world.dealer_a, world.dealer_b)]
    run = _notice_run(world)
    plans = _plans(world, part)
    stock_returns = _stock_returns(world, model)
    notes = _delivery_notes(world, model)
    cases = _cases(world, unit_a, unit_b)
    # name -> (value for dealer A or unscoped, value for dealer B or None when unscoped)
    return {
        "visit_id": visits,
        "complaint_id": complaints,
        "flag_id": flags,
        "dealer_id": (world.dealer_a.id, world.dealer_b.id),
        "unit_id": (unit_a.id, unit_b.id),
        "serial": (unit_a.serial, unit_b.serial),
        "dealer_code": (world.dealer_a.code, world.dealer_b.code),
        "model_code": (model.code, None),
        "part_no": (part.part_number, None),
        "user_id": (victim.id, None),
        "token_id": (token.id, None),
        "model_id": (model.id, None),
        "part_id": (part.id, None),
        "fault_id": (fault.id, None),
        "fault_code": (fault.code, None),
        "band_id": (band.id, None),
        "official_day_id": (official_day.id, None),
        "season_id": (season.id, None),
        "category": ("combine", None),
        "from_month": (0, None),
        "what": ("parts", None),
        "claim_id": (claim_a.id, claim_b.id),
        "line_id": (claim_a.lines[0].id, claim_b.lines[0].id),
        "attachment_id": (claim_a.attachments[0].id, claim_b.attachments[0].id),
        "kind": ("travel", None),
        "request_id": (request_a.id, request_b.id),
        "shipment_id": (shipment_a.id, shipment_b.id),
        "shipment_line_id": (shipment_a.lines[0].id, None),
        "owed_id": owed,
        "photo_id": photos,
        "store": ("reusable", None),
        "item_id": (item, None),
        "number": tuple(n.number for n in notices),
        "run_id": (run, None),
        "return_id": stock_returns,
        "case_id": cases,
        "plan_id": plans,
        "note_id": notes,
        "week_start": (_weekly_report(), None),
        "alert_id": (_batch_alert(part), None),
        "chart": ("model", None),
    }


def _weekly_report():
    """A generated weekly report (helper REPORTS), with a stand-in for its PDF."""
    from datetime import date

    from portal.reports.models import WeeklyReport
    from portal.reports.weekly import figures

    monday = date(2026, 11, 9)
    factories.db.session.add(WeeklyReport(week_start=monday, week_end=date(2026, 11, 15),
                                          figures=figures(monday), pdf=b"%PDF-1.7 stand-in"))
    factories.db.session.flush()
    return monday.isoformat()


def _batch_alert(part):
    """An open batch alert on the part (not dealer-scoped: dealers get 404 for all of them)."""
    from portal.quality.models import BatchAlert

    alert = BatchAlert(part=part, batch="B2604", failures=5, expected=1, units=10,
                       unit_days=3000, baseline_rate=0.0003, p_value=0.003)
    factories.db.session.add(alert)
    factories.db.session.flush()
    return alert.id


def _cases(world, unit_a, unit_b):
    """A requested exchange case on each dealer's sold unit (helper CASES)."""
    from datetime import date

    from portal.cases.services import open_case

    return tuple(open_case(unit, "exchange", "整机多次故障", actor=actor,
                           today=date(2026, 11, 20)).id
                 for unit, actor in ((unit_a, world.users[Role.DEALER_STAFF]),
                                     (unit_b, world.dealer_b_admin)))


def _stock_returns(world, model):
    """A requested stock return of an unsold unit of each dealer (helper STOCK)."""
    from portal.stock.services import request_return

    return tuple(request_return(factories.make_unit(model=model, dealer=dealer), "defective",
                                "故障", actor=actor).id
                 for dealer, actor in ((world.dealer_a, world.users[Role.DEALER_STAFF]),
                                       (world.dealer_b, world.dealer_b_admin)))


def _plans(world, part):
    """An approved stocking plan of dealer A (its order exports) and a draft of dealer B."""
    from datetime import date

    from portal.planning.models import PlanSection, PlanStatus, StockingPlan, StockingPlanLine

    season = Season(name="计划季", kind=SeasonKind.OPERATING, start_on=date(2027, 3, 10),
                    end_on=date(2027, 6, 15), categories=["tractor_large"], provinces=[],
                    plan_required=True)
    ids = []
    for dealer, status in ((world.dealer_a, PlanStatus.APPROVED),
                           (world.dealer_b, PlanStatus.DRAFT)):
        plan = StockingPlan(season=season, dealer=dealer, status=status, total_amount=99,
                            created_by_id=world.users[Role.CLERK].id)
        plan.lines.append(StockingPlanLine(part=part, section=PlanSection.WARRANTY, position=1,
                                           suggested_qty=1, quantity=1, unit_price=99))
        factories.db.session.add(plan)
        factories.db.session.flush()
        ids.append(plan.id)
    return tuple(ids)


def _delivery_notes(world, model):
    """A delivery note of a factory-stock unit to each dealer, not yet confirmed."""
    from datetime import date

    from portal.deliveries.services import create_note

    return tuple(create_note(dealer, date(2026, 11, 2), units=[factories.make_unit(model=model)],
                             parts=[], actor=world.users[Role.CLERK]).id
                 for dealer in (world.dealer_a, world.dealer_b))


def _notice_run(world):
    """A finished generation of write-off notices (helper NOTICES)."""
    from datetime import date

    from portal.finance.models import NoticeRun, RunStatus

    run = NoticeRun(period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                    status=RunStatus.DONE, started_by_id=world.users[Role.FINANCE].id)
    factories.db.session.add(run)
    factories.db.session.flush()
    return run.id


def _returns(app, unit_a, unit_b, part, victim):
    """A received old part with a verdict photo on each dealer's claim; A's in the scrap store."""
    from datetime import date

    from portal.returns.models import Destination, OwedPart, StoreItem, VerdictPhoto

    folder = Path(app.instance_path) / "uploads" / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "access-test.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    owed = []
    for unit in (unit_a, unit_b):
        claim = factories.make_claim(unit, status="submitted", lines=[
            {"kind": "part", "amount": "99.50", "part": part, "quantity": 1,
             "unit_price": "99.50"}])
        part_owed = OwedPart(claim=claim, line=claim.lines[0], dealer_id=unit.dealer_id,
                             part=part, unit=unit, due_on=date(2025, 12, 31), status="received",
                             received_on=date(2025, 12, 1))
        part_owed.photos.append(VerdictPhoto(path="returns/access-test.png", name="x.png",
                                             content_type="image/png", size=1,
                                             uploaded_by_id=victim.id))
        factories.db.session.add(part_owed)
        owed.append(part_owed)
    item = StoreItem(owed_part=owed[0], store=Destination.SCRAP, entered_on=date(2025, 12, 2))
    factories.db.session.add(item)
    factories.db.session.flush()
    return (tuple(o.id for o in owed), tuple(o.photos[0].id for o in owed), item.id)


def _followup(world, *units_and_part):
    """A called return visit, a complaint and an open flag on each dealer's unit."""
    from datetime import UTC, date, datetime

    from portal.claims.models import FlagKind, UnitFlag
    from portal.service import complaints, visits
    from portal.service.models import Channel

    *units, part = units_and_part
    clerk, now = world.users[Role.CLERK], datetime(2025, 8, 10, 2, tzinfo=UTC)
    ids = {"visits": [], "complaints": [], "flags": []}
    for unit in units:
        claim = factories.make_claim(unit, status="submitted")
        visit = visits.open_return_visit(claim, today=date(2025, 8, 5))
        visits.record_call(visit, reached=True, satisfaction=5, comment="", actor=clerk, now=now)
        complaint = complaints.register_complaint(
            {"channel": Channel.PHONE, "received_at": now, "customer_name": "张三",
             "customer_phone": "", "description": "投诉", "claim_number": claim.number},
            actor=clerk, now=now)
        flag = UnitFlag(unit=unit, kind=FlagKind.REPLACE_PART, part=part, claim=claim)
        factories.db.session.add(flag)
        factories.db.session.flush()
        for key, obj in zip(ids, (visit, complaint, flag), strict=True):
            ids[key].append(obj.id)
    return tuple(tuple(v) for v in ids.values())


def routes_of(app):
    """(rule, method) for every GET and POST route of the app but the static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def url_of(rule, values) -> str:
    """The rule's path with its arguments filled from ``values``."""
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", str(values[name]))
        for conv in ("id:", "any(models, parts):", "any(part,labour,travel,other):"):
            path = path.replace(f"<{conv}{name}>", str(values[name]))
    return path
