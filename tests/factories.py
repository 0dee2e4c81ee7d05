"""Factory helpers that build real rows through the ORM."""

import itertools
from dataclasses import dataclass
from decimal import Decimal

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import ModelCategory, Part, PartKind, ProductModel
from portal.core.db import shanghai_today
from portal.dealers.models import Dealer, DealerGrade
from portal.extensions import db

PASSWORD = "Passw0rd-test"
_seq = itertools.count(1)


def make_dealer(code=None, **values) -> Dealer:
    n = next(_seq)
    dealer = Dealer(code=code or f"T-{n:04d}", name=values.pop("name", f"测试经销商{n}"),
                    province=values.pop("province", "山东省"), city=values.pop("city", "济南市"),
                    grade=values.pop("grade", DealerGrade.B), **values)
    db.session.add(dealer)
    db.session.flush()
    return dealer


def make_user(role: Role, dealer=None, username=None, password=PASSWORD, **values) -> User:
    n = next(_seq)
    user = User(username=username or f"{role.value}_{n}", display_name=f"用户{n}", role=role,
                dealer=dealer, **values)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_model(code=None, category=ModelCategory.TRACTOR_LARGE, **values) -> ProductModel:
    n = next(_seq)
    model = ProductModel(code=code or f"M-{n}", name=values.pop("name", f"测试机型{n}"),
                         category=category, whole_months=values.pop("whole_months", 12),
                         main_parts_months=values.pop("main_parts_months", 24),
                         wear_parts_months=values.pop("wear_parts_months", 6),
                         running_in_hours=values.pop("running_in_hours", 50), **values)
    db.session.add(model)
    db.session.flush()
    return model


def make_part(number=None, models=(), **values) -> Part:
    n = next(_seq)
    part = Part(part_number=number or f"P-{n}", name=values.pop("name", f"零件{n}"),
                kind=values.pop("kind", PartKind.MAIN), price=values.pop("price", Decimal("99.50")),
                **values)
    part.models = list(models)
    db.session.add(part)
    db.session.flush()
    return part


def make_unit(serial=None, model=None, dealer=None, **values):
    from datetime import date

    from portal.units.models import Unit

    n = next(_seq)
    unit = Unit(serial=serial or f"SN{n:06d}", model=model or make_model(),
                dealer=dealer, engine_no=values.pop("engine_no", f"EN{n:06d}"),
                production_date=values.pop("production_date", date(2025, 3, 1)),
                batch=values.pop("batch", "B2503"),
                shipped_on=values.pop("shipped_on", date(2025, 4, 1)), **values)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_card(unit, *, status="filed", sale_date=None, late_days=0, scan=False, **values):
    from datetime import date

    from flask import current_app

    from portal.units.cards import WarrantyCard

    sale = sale_date or date(2025, 5, 1)
    card = WarrantyCard(unit=unit, dealer_id=unit.dealer_id, status=status,
                        buyer_name=values.pop("buyer_name", "张三"),
                        buyer_phone=values.pop("buyer_phone", "13800138000"),
                        sale_date=sale, invoice_date=values.pop("invoice_date", sale),
                        invoice_no=values.pop("invoice_no", "FP001"),
                        received_on=sale if status == "filed" else None, late_days=late_days,
                        created_by_id=values.pop("created_by_id", None) or _any_user_id(),
                        **values)
    if scan:
        from pathlib import Path

        folder = Path(current_app.instance_path) / "uploads" / "cards"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"test-{unit.serial}.pdf").write_bytes(b"%PDF-1.4 test scan")
        card.scan_path, card.scan_name = f"cards/test-{unit.serial}.pdf", "card.pdf"
        card.scan_type = "application/pdf"
    db.session.add(card)
    db.session.flush()
    return card


def make_claim(unit, *, status="draft", lines=(), failure_date=None, created_by=None,
               **values):
    """A claim on a unit as stored rows; lines are (kind, amount) pairs or dicts of columns."""
    from datetime import date, timedelta

    from portal.claims.models import Claim, ClaimLine

    n = next(_seq)
    failure = failure_date or date(2025, 8, 1)
    claim = Claim(number=values.pop("number", f"WX-T-{n:06d}"), unit=unit,
                  dealer_id=values.pop("dealer_id", unit.dealer_id), status=status,
                  failure_date=failure,
                  handed_in_on=values.pop("handed_in_on", failure),
                  completed_on=values.pop("completed_on", failure + timedelta(days=2)),
                  hour_meter=values.pop("hour_meter", Decimal("120.0")),
                  description=values.pop("description", "发动机异响"),
                  created_by_id=(created_by.id if created_by else _any_user_id()), **values)
    total = Decimal("0.00")
    for position, line in enumerate(lines, 1):
        columns = dict(line) if isinstance(line, dict) else {"kind": line[0], "amount": line[1]}
        columns.setdefault("covered", True)
        columns.setdefault("reimbursed", columns["covered"] and not columns.get("paid_service"))
        claim.lines.append(ClaimLine(position=position, **columns))
        total += Decimal(columns["amount"])
    claim.total_claimed = total
    db.session.add(claim)
    db.session.flush()
    from portal.service import visit_tallies

    visit_tallies.move(claim, None)  # as submission counts a reported repair
    if claim.finance_stage in ("approved", "written_off"):  # as the audit keeps them
        from portal.finance.cost_totals import count_claim

        count_claim(claim)
    return claim


def _any_user_id() -> int:
    user = db.session.query(User).first() or make_user(Role.CLERK)
    return user.id


@dataclass
class World:
    dealer_a: Dealer
    dealer_b: Dealer
    users: dict  # role -> user (dealer roles belong to dealer A)
    dealer_b_admin: User
    rep_b: User


def world() -> World:
    dealer_a = make_dealer("DA-01", name="甲经销商")
    dealer_b = make_dealer("DB-01", name="乙经销商", province="河南省", city="郑州市")
    users = {role: make_user(role, dealer=dealer_a if role.is_dealer else None,
                             username=f"w_{role.value}") for role in Role}
    rep_b = make_user(Role.SALES_REP, username="w_rep_b")
    dealer_a.sales_rep = users[Role.SALES_REP]
    dealer_b.sales_rep = rep_b
    dealer_b_admin = make_user(Role.DEALER_ADMIN, dealer=dealer_b, username="w_b_admin")
    db.session.flush()
    return World(dealer_a, dealer_b, users, dealer_b_admin, rep_b)


@dataclass
class Workshop:
    """Everything a repair on dealer A's unit needs: catalogue tables, a sold unit, its card."""

    model: ProductModel
    main_part: Part
    wear_part: Part
    other_model_part: Part
    fault: object
    unit: object
    card: object


def workshop(dealer, *, sale_date=None, serial=None) -> Workshop:
    """A tractor model with parts, a fault code (2.5 h), rates, travel bands, a unit with a card."""
    from datetime import timedelta

    from portal.catalog.models import FaultCode, FaultHours, LabourRate, TravelBand

    model = make_model(category=ModelCategory.TRACTOR_LARGE)
    other = make_model(category=ModelCategory.TRACTOR_LARGE)
    main_part = make_part(models=[model], kind=PartKind.MAIN, price=Decimal("1200.00"),
                          name="变速箱壳体")
    wear_part = make_part(models=[model], kind=PartKind.WEAR, price=Decimal("35.50"),
                          name="滤清器")
    other_part = make_part(models=[other], kind=PartKind.MAIN, price=Decimal("80.00"))
    n = next(_seq)
    fault = FaultCode(code=f"F{n:03d}", description="变速箱漏油")
    fault.hours = [FaultHours(category=ModelCategory.TRACTOR_LARGE,
                              standard_hours=Decimal("2.50"))]
    db.session.add(fault)
    for grade, rate in ((DealerGrade.A, "60.00"), (DealerGrade.B, "50.00"),
                        (DealerGrade.C, "45.00"), (DealerGrade.D, "40.00")):
        if db.session.get(LabourRate, grade) is None:
            db.session.add(LabourRate(grade=grade, hourly_rate=Decimal(rate)))
    if not db.session.query(TravelBand).count():
        db.session.add_all([TravelBand(min_km=0, max_km=20, fee=Decimal("0.00")),
                            TravelBand(min_km=20, max_km=50, fee=Decimal("80.00")),
                            TravelBand(min_km=50, max_km=None, fee=Decimal("150.00"))])
    sale = sale_date or shanghai_today() - timedelta(days=100)
    unit = make_unit(serial=serial, model=model, dealer=dealer, shipped_on=sale - timedelta(10),
                     production_date=sale - timedelta(40))
    card = make_card(unit, sale_date=sale)
    db.session.flush()
    return Workshop(model, main_part, wear_part, other_part, fault, unit, card)


def make_service_request(dealer=None, *, unit=None, status="routed", received_at=None,
                         **values):
    """A service-register entry received by head office, routed to ``dealer`` when given."""
    from datetime import timedelta

    from portal.core.db import utcnow
    from portal.service.models import Assignee, Channel, ServiceRequest

    n = next(_seq)
    received = received_at or utcnow() - timedelta(minutes=30)
    entry = ServiceRequest(number=values.pop("number", f"FW-T-{n:06d}"), channel=Channel.PHONE,
                           received_at=received, customer_name=values.pop("customer_name", "赵六"),
                           description=values.pop("description", "拖拉机无法启动"), unit=unit,
                           status=status, registered_by_id=_any_user_id(),
                           arrange_due_at=received + timedelta(hours=2), **values)
    if dealer is not None:
        entry.assignee, entry.dealer_id = Assignee.DEALER, dealer.id
        entry.routed_at = received
        entry.check_due_at = received + timedelta(hours=4)
    db.session.add(entry)
    db.session.flush()
    return entry


def make_owed_parts(dealer, count=3, *, shop=None):
    """``count`` old parts the dealer owes: one submitted claim with a part line for each."""
    from datetime import timedelta

    from portal.claims import services
    from portal.claims.models import AttachmentKind, LineKind
    from portal.core.uploads import StoredFile
    from portal.returns.models import OwedPart
    from portal.workflow import claims as workflow

    shop = shop or workshop(dealer)
    staff = make_user(Role.DEALER_STAFF, dealer=dealer)
    failure = shanghai_today() - timedelta(days=10)
    claim = services.create_claim(shop.unit, {
        "failure_date": failure, "handed_in_on": failure, "completed_on": failure + timedelta(2),
        "hour_meter": Decimal("300.0"), "fault_code_id": shop.fault.id,
        "description": "变速箱漏油"}, actor=staff, today=shanghai_today())
    for n in range(count):
        part = make_part(models=[shop.model], name=f"旧件{n + 1}", price=Decimal("100.00"))
        services.add_line(claim, LineKind.PART, {"part_id": part.id, "quantity": 1},
                          actor=staff)
    services.add_line(claim, LineKind.LABOUR, {"fault_code_id": shop.fault.id}, actor=staff)
    services.attach(claim, AttachmentKind.SIGNATURE,
                    StoredFile("claims/test-sig.png", "sig.png", "image/png"), actor=staff)
    workflow.submit(claim, actor=staff, today=failure + timedelta(days=3))
    db.session.flush()
    return db.session.query(OwedPart).filter_by(claim_id=claim.id).order_by(OwedPart.id).all()


def make_owed_part(claim, part=None, *, due_on=None, status="owed", **values):
    """An old part owed on a new part line of ``claim`` (rows only; no claim services)."""
    from datetime import date

    from portal.claims.models import ClaimLine, LineKind
    from portal.returns.models import OwedPart

    part = part or make_part(name="液压泵")
    line = ClaimLine(position=len(claim.lines) + 1, kind=LineKind.PART, part=part, quantity=1,
                     unit_price=part.price, amount=part.price, covered=True, reimbursed=True)
    claim.lines.append(line)
    db.session.flush()
    owed = OwedPart(claim_id=claim.id, line=line, dealer_id=claim.dealer_id, part_id=part.id,
                    unit_id=claim.unit_id, due_on=due_on or date(2026, 6, 30), status=status,
                    **values)
    db.session.add(owed)
    db.session.flush()
    return owed


def make_return_shipment(owed_parts, *, created_by=None, number=None, shipped_on=None,
                         method="courier", waybill="SF1234567890", **values):
    """A shipment of ``owed_parts`` (one dealer's) as stored rows; the parts become shipped."""
    from portal.returns.models import OwedStatus, ReturnShipment, ShipmentLine

    n = next(_seq)
    shipment = ReturnShipment(number=number or f"HY-T-{n:06d}",
                              dealer_id=owed_parts[0].dealer_id, method=method,
                              waybill=waybill, shipped_on=shipped_on or shanghai_today(),
                              created_by_id=created_by.id if created_by else _any_user_id(),
                              **values)
    for owed in owed_parts:
        shipment.lines.append(ShipmentLine(owed_part=owed))
        owed.status = OwedStatus.SHIPPED
    db.session.add(shipment)
    db.session.flush()
    return shipment
