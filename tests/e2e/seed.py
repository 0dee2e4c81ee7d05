"""The little world the browser tests play in, made through the portal's own services.

Head-office users of each role, dealer A (with its sales rep) and dealer B, one tractor model
with a main part and a wear part, a fault code with its standard hours, labour rates, travel
bands, the maker's details, dealer A's opening balance, and machines in the dealers' stock:
dealer A's unit for the story (no card yet), dealer A's unit with a filed card (for the phone),
dealer B's unit; for the exchange and refund story, two of dealer A's machines sold 100 days
ago whose repairs have stood open for 70 (the daily command raised their exchange entitlements)
and an unsold machine of the same model to hand over in exchange, the model's dealer price and
the tractors' discount standard (for finance's settlement of the cases). Everything else is
done in the browser.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from portal.accounts.roles import Role
from portal.accounts.services import create_user
from portal.catalog import services as catalog
from portal.catalog.models import DiscountRate, ModelCategory, PartKind
from portal.claims.entitlements import raise_overdue_repairs
from portal.claims.services import create_claim
from portal.dealers.models import DealerGrade
from portal.dealers.services import create_dealer
from portal.extensions import db
from portal.finance.cost_totals import save_unit
from portal.finance.ledger import add_entry
from portal.finance.models import LedgerKind
from portal.units import card_services

PASSWORD = "Browser-2026-pass"
OPENING_BALANCE = Decimal("50000.00")
PART_PRICE = Decimal("1200.00")
LABOUR_RATE_B = Decimal("50.00")
STANDARD_HOURS = Decimal("2.50")
DEALER_PRICE = Decimal("80000.00")
# The tractors' discount standard: whole months in use from → per cent of the dealer price.
DISCOUNT_STANDARD = ((0, Decimal("100")), (3, Decimal("95")), (6, Decimal("90")))

# username -> (role, display name, dealer key or None)
USERS = {
    "e2e_admin": (Role.ADMIN, "系统管理员", None),
    "e2e_clerk": (Role.CLERK, "内勤小赵", None),
    "e2e_tech": (Role.TECHNICAL, "技术部陈工", None),
    "e2e_rep": (Role.SALES_REP, "业务员李强", None),
    "e2e_finance": (Role.FINANCE, "财务孙会计", None),
    "e2e_dealer_a": (Role.DEALER_ADMIN, "甲店王经理", "a"),
    "e2e_dealer_b": (Role.DEALER_ADMIN, "乙店刘经理", "b"),
}


@dataclass
class Seeded:
    """Ids and names the tests navigate by."""

    today: date
    dealer_a: int
    dealer_b: int
    story_unit: int
    story_serial: str
    phone_unit: int
    phone_serial: str
    b_unit: int
    part_id: int
    part_number: str
    fault_id: int
    fault_code: str
    exchange_unit: int
    exchange_serial: str
    refund_unit: int
    refund_serial: str
    spare_unit: int
    spare_serial: str
    # dealer A's unsold machine the phone finds by its last digits and sells (test_phone_card)
    card_unit: int = 0
    card_serial: str = ""


def _dealer(code: str, name: str, province: str, city: str, rep=None):
    return create_dealer({"code": code, "name": name, "province": province, "city": city,
                          "address": f"{city}农机大道1号", "contact_name": "联系人",
                          "contact_phone": "0531-88000000", "service_phone": "0531-88000001",
                          "email": "", "grade": DealerGrade.B,
                          "sales_rep_id": rep.id if rep else None}, actor=None)


def _catalogue():
    model = catalog.save_model(None, {
        "code": "E2E-904", "name": "东风904拖拉机", "category": ModelCategory.TRACTOR_LARGE,
        "whole_months": 12, "main_parts_months": 24, "wear_parts_months": 6,
        "running_in_hours": 50, "main_parts_named": "变速箱体", "is_active": True}, actor=None)
    db.session.flush()
    part = catalog.save_part(None, {
        "part_number": "E2E-GB-01", "name": "变速箱壳体", "kind": PartKind.MAIN,
        "price": PART_PRICE, "return_required": True, "warranty_months": None,
        "supplier": "山东齿轮厂", "is_active": True}, [model], actor=None)
    catalog.save_part(None, {
        "part_number": "E2E-FL-02", "name": "机油滤清器", "kind": PartKind.WEAR,
        "price": Decimal("35.50"), "return_required": False, "warranty_months": None,
        "supplier": "", "is_active": True}, [model], actor=None)
    fault = catalog.save_fault_code(None, {"code": "E2E-F01", "description": "变速箱漏油",
                                           "is_active": True},
                                    {ModelCategory.TRACTOR_LARGE: STANDARD_HOURS}, actor=None)
    catalog.save_labour_rates({DealerGrade.A: Decimal("60.00"), DealerGrade.B: LABOUR_RATE_B,
                               DealerGrade.C: Decimal("45.00"), DealerGrade.D: Decimal("40.00")},
                              actor=None)
    catalog.save_travel_band(None, {"min_km": 0, "max_km": 20, "fee": Decimal("0.00")},
                             actor=None)
    catalog.save_travel_band(None, {"min_km": 20, "max_km": None, "fee": Decimal("80.00")},
                             actor=None)
    catalog.save_policy({"auto_approve": False, "maker_name": "山东东风农机制造有限公司",
                         "maker_address": "济南市高新区工业南路88号",
                         "maker_phone": "0531-88660000", "maker_tax_no": "91370100MA3C000000"},
                        actor=None)
    db.session.flush()
    _prices(model)
    return model, part, fault


def _prices(model) -> None:
    """The model's dealer price and the tractors' discount standard, where not set yet, so a
    completed case's settlement works out."""
    if model.dealer_price is None:
        model.dealer_price = DEALER_PRICE
    if db.session.get(DiscountRate, (ModelCategory.TRACTOR_LARGE, 0)) is None:
        db.session.add_all(DiscountRate(category=ModelCategory.TRACTOR_LARGE, from_month=start,
                                        rate=rate) for start, rate in DISCOUNT_STANDARD)
    db.session.flush()


def _unit(serial: str, model, dealer, today: date, shipped_days_ago: int = 60):
    return save_unit(None, {
        "serial": serial, "model_id": model.id, "engine_no": f"EN-{serial}", "frame_no": "",
        "production_date": today - timedelta(days=shipped_days_ago + 30), "batch": "B-E2E",
        "dealer_id": dealer.id, "shipped_on": today - timedelta(days=shipped_days_ago),
        "delivery_note_no": "", "delivery_confirmed": True}, actor=None, today=today)


def _sold_and_stuck_in_repair(serial: str, buyer: str, model, fault, dealer, actor,
                              today: date):
    """A machine sold 100 days ago whose repair, handed in 70 days ago, is still not done."""
    unit = _unit(serial, model, dealer, today, shipped_days_ago=130)
    db.session.flush()
    sold = today - timedelta(days=100)
    card_services.save_card(unit, {
        "buyer_name": buyer, "buyer_phone": "13905319999", "buyer_id_no": "",
        "province": "山东省", "city": "济南市", "county": "长清区", "address": "平安街道",
        "invoice_no": f"FP-{serial}", "invoice_date": sold, "sale_date": sold},
        actor=actor, today=today, file=True)
    create_claim(unit, {"failure_date": today - timedelta(days=72),
                        "handed_in_on": today - timedelta(days=70), "fault_code_id": fault.id,
                        "description": "变速箱异响，等待厂家配件"}, actor=actor, today=today)
    return unit


def seed(today: date) -> Seeded:
    """Make the world (the caller commits)."""
    users = {}
    for username, (role, name, _dealer_key) in USERS.items():
        if role.is_dealer:
            continue
        users[username] = create_user(username=username, display_name=name, role=role,
                                      password=PASSWORD)
    db.session.flush()
    dealer_a = _dealer("E2E-A", "济南丰收农机销售有限公司", "山东省", "济南市", users["e2e_rep"])
    dealer_b = _dealer("E2E-B", "郑州中原农机服务中心", "河南省", "郑州市")
    db.session.flush()
    for username, (role, name, dealer_key) in USERS.items():
        if role.is_dealer:
            users[username] = create_user(username=username, display_name=name, role=role,
                                          password=PASSWORD,
                                          dealer=dealer_a if dealer_key == "a" else dealer_b)
    model, part, fault = _catalogue()
    story = _unit("E2E0000001", model, dealer_a, today)
    phone = _unit("E2E0000002", model, dealer_a, today)
    b_unit = _unit("E2E0000003", model, dealer_b, today)
    db.session.flush()
    card_services.save_card(phone, {
        "buyer_name": "李四", "buyer_phone": "13812345678", "buyer_id_no": "",
        "province": "山东省", "city": "济南市", "county": "历城区", "address": "王舍人镇",
        "invoice_no": "FP-E2E-2", "invoice_date": today - timedelta(days=5),
        "sale_date": today - timedelta(days=5)}, actor=users["e2e_dealer_a"], today=today,
        file=True)
    exchange = _sold_and_stuck_in_repair("E2E0000004", "赵永福", model, fault, dealer_a,
                                         users["e2e_dealer_a"], today)
    refund = _sold_and_stuck_in_repair("E2E0000005", "钱秀英", model, fault, dealer_a,
                                       users["e2e_dealer_a"], today)
    spare = _unit("E2E0000006", model, dealer_a, today)
    card_unit = _unit("E2E0005821", model, dealer_a, today)
    db.session.flush()
    raise_overdue_repairs(today)  # what the daily command does
    add_entry(dealer_a, LedgerKind.OPENING, today - timedelta(days=30), "QC-E2E-A",
              OPENING_BALANCE, "期初余额", actor=users["e2e_admin"])
    db.session.flush()
    return Seeded(today=today, dealer_a=dealer_a.id, dealer_b=dealer_b.id,
                  story_unit=story.id, story_serial=story.serial, phone_unit=phone.id,
                  phone_serial=phone.serial, b_unit=b_unit.id, part_id=part.id,
                  part_number=part.part_number, fault_id=fault.id, fault_code=fault.code,
                  exchange_unit=exchange.id, exchange_serial=exchange.serial,
                  refund_unit=refund.id, refund_serial=refund.serial, spare_unit=spare.id,
                  spare_serial=spare.serial, card_unit=card_unit.id,
                  card_serial=card_unit.serial)
