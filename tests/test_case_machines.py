"""The failed machine of an exchange or refund back at the factory: the clerk receives it, the
technical department inspects it, and it stays defective factory stock (no replacement, no
delivery note)."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.cases import machine, services
from portal.cases.handover import replacement_problem
from portal.cases.models import MachineVerdict
from portal.cases.recovery import recovery
from portal.catalog.models import PartKind
from portal.core.errors import DomainError
from portal.core.versioning import LATEST
from portal.deliveries.services import create_note
from portal.returns.recovery import RecoveryKind
from tests import factories

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def refund(world, model=None):
    """Dealer A's tractor refunded on 22 November 2026; its machine is on its way back."""
    unit = factories.make_unit(dealer=world.dealer_a, model=model)
    factories.make_card(unit, sale_date=date(2026, 5, 1))
    case = services.open_case(unit, "refund", "无同型号", actor=world.users[Role.CLERK],
                              today=date(2026, 11, 20), invoice_amount="50000.00", now=NOW)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=NOW)
    services.complete_case(case, date(2026, 11, 22), actor=world.users[Role.CLERK],
                           version=LATEST, today=date(2026, 11, 22), refund_amount="50000.00")
    return case


@pytest.fixture
def refunded(world):
    return refund(world)


@pytest.fixture
def gearbox(refunded):
    """A main part of the refunded tractor's model, with its supplier."""
    return factories.make_part(models=[refunded.unit.model], kind=PartKind.MAIN,
                               price=Decimal("1880.00"), name="变速箱壳体", supplier="潍柴动力")


def test_the_clerk_receives_and_the_technical_department_inspects(world, refunded, gearbox):
    clerk, technical = world.users[Role.CLERK], world.users[Role.TECHNICAL]
    with pytest.raises(DomainError, match="inspects a received machine"):
        machine.judge_machine(refunded, "quality_fault", "缸体砂眼", actor=technical,
                              version=LATEST)
    for day in (date(2026, 11, 21), date(2026, 11, 30), None):
        with pytest.raises(DomainError) as refused:
            machine.receive_machine(refunded, day, actor=clerk, version=LATEST,
                                    today=date(2026, 11, 28))
        assert refused.value.field == "received_on"
    with pytest.raises(DomainError, match="Only the sales clerk"):
        machine.receive_machine(refunded, date(2026, 11, 25), actor=technical,
                                version=LATEST, today=date(2026, 11, 28))
    machine.receive_machine(refunded, date(2026, 11, 25), actor=clerk, version=LATEST,
                            today=date(2026, 11, 28))
    with pytest.raises(DomainError) as no_cause:
        machine.judge_machine(refunded, "quality_fault", " ", actor=technical, version=LATEST)
    assert no_cause.value.field == "cause"
    machine.judge_machine(refunded, "quality_fault", "缸体砂眼", actor=technical,
                          version=LATEST, part_id=gearbox.id, now=NOW)
    assert refunded.machine_verdict == MachineVerdict.QUALITY_FAULT
    assert refunded.machine_received_on == date(2026, 11, 25)


def test_a_returned_machine_is_defective_stock(world, refunded):
    unit = refunded.unit
    assert unit.dealer_id is None and machine.is_defective(unit.id)
    other = factories.make_unit(model=unit.model, dealer=world.dealer_a)
    factories.make_card(other)
    assert "way back" in replacement_problem(other, world.dealer_a.id, unit)
    with pytest.raises(DomainError, match="defective factory stock"):
        create_note(world.dealer_b, date(2026, 11, 28), units=[unit], parts=[],
                    actor=world.users[Role.CLERK], carrier="鲁A12345",
                    now=datetime(2026, 11, 28, 2, 0, tzinfo=UTC))


def test_the_machine_pages(client, login, world, db, refunded):
    db.session.commit()
    login(world.users[Role.CLERK])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cases/{refunded.id}").get_data(as_text=True)
    assert "The machine has arrived" in page
    assert client.post(f"/cases/{refunded.id}/receive", data={
        "received_on": "2026-11-25", "version": refunded.version}).status_code == 303
    login(world.users[Role.TECHNICAL])
    client.post("/language", data={"lang": "en"})
    bad = client.post(f"/cases/{refunded.id}/judge", data={
        "verdict": "misuse", "cause": "", "version": refunded.version})
    assert bad.status_code == 422
    assert client.post(f"/cases/{refunded.id}/judge", data={
        "verdict": "misuse", "cause": "用户私自改装液压系统", "version": refunded.version}
    ).status_code == 303
    assert "用户私自改装液压系统" in client.get(f"/cases/{refunded.id}").get_data(as_text=True)


# ------------------------------------------- the failed main part, recovered from its supplier


def received(case, world):
    machine.receive_machine(case, date(2026, 11, 25), actor=world.users[Role.CLERK],
                            version=LATEST, today=date(2026, 11, 28))
    return case


def test_a_quality_fault_names_a_main_part_of_the_machines_model(world, refunded, gearbox):
    technical, case = world.users[Role.TECHNICAL], received(refunded, world)
    model = case.unit.model
    filter_ = factories.make_part(models=[model], kind=PartKind.WEAR, name="机油滤清器")
    elsewhere = factories.make_part(models=[factories.make_model()], kind=PartKind.MAIN)
    for part_id, message in ((None, "Name the main part"), (0, "Name the main part"),
                             (filter_.id, "is not a main part"),
                             (elsewhere.id, f"does not fit model {model.code}")):
        with pytest.raises(DomainError, match=message) as refused:
            machine.judge_machine(case, "quality_fault", "壳体裂纹", actor=technical,
                                  version=LATEST, part_id=part_id, now=NOW)
        assert refused.value.field == "part_id"
        assert case.machine_verdict is None
    assert machine.main_parts(model.id) == [gearbox]
    machine.judge_machine(case, "quality_fault", "壳体裂纹", actor=technical, version=LATEST,
                          part_id=gearbox.id, now=NOW)
    assert case.machine_part == gearbox


def test_misuse_names_no_part(world, gearbox):
    case = received(refund(world, model=gearbox.models[0]), world)
    machine.judge_machine(case, "misuse", "用户私自改装", actor=world.users[Role.TECHNICAL],
                          version=LATEST, part_id=gearbox.id, now=NOW)
    assert case.machine_verdict == MachineVerdict.MISUSE and case.machine_part is None
    assert recovery() == []


def judged(world, part, verdict="quality_fault", now=NOW):
    case = received(refund(world, model=part.models[0]), world)
    machine.judge_machine(case, verdict, "壳体铸造砂眼", actor=world.users[Role.TECHNICAL],
                          version=LATEST, part_id=part.id, now=now)
    return case


def test_recovery_lists_the_failed_main_part_under_its_supplier(world, gearbox):
    first = judged(world, gearbox)  # 20 Nov 2026, 10:00 in Shanghai
    gearbox.price = Decimal("2100.00")  # a later price does not change what is owed on it
    late = judged(world, gearbox, now=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # 1 Dec
    judged(world, gearbox, "no_defect")
    (weichai,) = recovery()
    assert weichai.supplier == "潍柴动力"
    assert [(r.kind, r.document, r.part_number, r.serial, r.position, r.part_cost, r.labour,
             r.amount) for r in weichai.rows] == [
        (RecoveryKind.CASE, c.number, gearbox.part_number, c.unit.serial, None,
         Decimal(cost), Decimal("0.00"), Decimal(cost))
        for c, cost in ((first, "1880.00"), (late, "2100.00"))]
    assert weichai.amount == Decimal("3980.00")
    (november,) = recovery(date(2026, 11, 1), date(2026, 11, 30))
    assert [r.document for r in november.rows] == [first.number]
    assert [r.document for r in recovery(date(2026, 12, 1), None)[0].rows] == [late.number]
    assert recovery(date(2026, 11, 21), date(2026, 11, 30)) == []


def test_the_recovery_page_and_sheet_show_the_case(client, login, world, db, gearbox):
    case = judged(world, gearbox)
    other = factories.make_part(models=gearbox.models, kind=PartKind.MAIN, supplier="玉柴",
                                price=Decimal("640.50"))
    judged(world, other, now=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    db.session.commit()
    login(world.users[Role.FINANCE])
    client.post("/language", data={"lang": "en"})
    page = client.get("/returns/recovery").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in page and "潍柴动力" in page and "玉柴" in page
    assert "1,880.00" in page and "¥2,520.50" in page
    sheet = load_workbook(io.BytesIO(client.get(
        "/returns/recovery.xlsx?start=2026-11-20&end=2026-11-20").data)).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("潍柴动力", case.number, None, gearbox.part_number, gearbox.name, case.unit.serial,
         datetime(2026, 11, 20), 1880, 0, 1880)]
    page = client.get("/returns/recovery?start=2026-12-01").get_data(as_text=True)
    assert case.number not in page and "玉柴" in page


def test_the_verdict_form_asks_for_the_part(client, login, world, db, refunded, gearbox):
    received(refunded, world)
    db.session.commit()
    login(world.users[Role.TECHNICAL])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cases/{refunded.id}").get_data(as_text=True)
    assert f'<option value="{gearbox.id}">{gearbox.part_number} 变速箱壳体</option>' in page
    form = {"verdict": "quality_fault", "cause": "壳体裂纹", "version": refunded.version}
    bad = client.post(f"/cases/{refunded.id}/judge", data={**form, "part_id": "0"})
    assert bad.status_code == 422 and "Name the main part that failed." in bad.get_data(
        as_text=True)
    assert client.post(f"/cases/{refunded.id}/judge", data={
        **form, "part_id": str(gearbox.id)}).status_code == 303
    page = client.get(f"/cases/{refunded.id}").get_data(as_text=True)
    assert "Main part that failed" in page and "recovered from 潍柴动力" in page
    assert f"— → {gearbox.part_number} 变速箱壳体" in page  # the history names the part
