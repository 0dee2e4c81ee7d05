"""The failed machine of an exchange or refund back at the factory: the clerk receives it, the
technical department inspects it, and it stays defective factory stock (no replacement, no
delivery note)."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.cases import machine, services
from portal.cases.handover import replacement_problem
from portal.cases.models import MachineVerdict
from portal.core.errors import DomainError
from portal.core.versioning import LATEST
from portal.deliveries.services import create_note
from tests import factories

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def refunded(world):
    """Dealer A's tractor refunded on 22 November 2026; its machine is on its way back."""
    unit = factories.make_unit(dealer=world.dealer_a)
    factories.make_card(unit, sale_date=date(2026, 5, 1))
    case = services.open_case(unit, "refund", "无同型号", actor=world.users[Role.CLERK],
                              today=date(2026, 11, 20), invoice_amount="50000.00", now=NOW)
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL], version=LATEST,
                         now=NOW)
    services.complete_case(case, date(2026, 11, 22), actor=world.users[Role.CLERK],
                           version=LATEST, today=date(2026, 11, 22), refund_amount="50000.00")
    return case


def test_the_clerk_receives_and_the_technical_department_inspects(world, refunded):
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
                          version=LATEST, now=NOW)
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
