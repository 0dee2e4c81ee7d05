"""``flask seed-demo`` builds a believable world."""

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import FaultCode, LabourRate, Part, ProductModel, Season, TravelBand
from portal.dealers.models import Dealer


def test_seed_demo_loads_once(runner, db, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "sdjn01_admin" in result.output
    assert db.session.query(Dealer).count() == 12
    assert len({d.province for d in db.session.query(Dealer)}) >= 8
    assert {u.role for u in db.session.query(User)} == set(Role)
    assert db.session.query(ProductModel).count() >= 4
    assert db.session.query(Part).count() >= 80
    assert db.session.query(FaultCode).count() >= 10
    assert db.session.query(LabourRate).count() == 4
    assert db.session.query(TravelBand).count() >= 4
    assert db.session.query(Season).count() >= 2
    # Every part fits at least one model; every dealer has a rep.
    assert all(p.models for p in db.session.query(Part))
    assert all(d.sales_rep_id for d in db.session.query(Dealer))
    # A few thousand units: most cards on time, some late (a few excused), some still to file.
    from portal.units.cards import WarrantyCard
    from portal.units.models import Unit

    assert db.session.query(Unit).count() >= 2000
    cards = db.session.query(WarrantyCard).all()
    filed = [c for c in cards if c.status == "filed"]
    late = [c for c in filed if c.is_late]
    assert len(filed) > 0.5 * db.session.query(Unit).count()
    assert 0.05 * len(filed) < len(late) < 0.3 * len(filed)
    assert any(c.recognised for c in late) and any(not c.recognised for c in late)
    assert sum(c.status == "draft" for c in cards) >= 24
    assert db.session.query(Unit).count() - len(cards) > 200  # unsold stock
    # The service register: every status, some received by dealers, some overdue.
    from portal.core.db import utcnow
    from portal.service.deadlines import escalation_query
    from portal.service.models import RequestStatus, ServiceRequest

    entries = db.session.query(ServiceRequest).all()
    assert {e.status for e in entries} == set(RequestStatus)
    assert any(e.received_by_dealer_id for e in entries)
    assert db.session.scalars(escalation_query(utcnow())).first() is not None
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and db.session.query(Dealer).count() == 12
    assert runner.invoke(args=["seed-demo"]).exit_code != 0
    # The demo logins work.
    response = client.post("/login", data={"username": "sdjn01_staff", "password": "Sanbao2026"})
    assert response.headers["Location"] == "/"
