"""Dealer list (active search, keyset pages, scoping), detail, edit, status."""


from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.dealers.models import Dealer, DealerStatus
from tests import factories
from tests.helpers import walk_pages


def _valid(**values):
    data = {"code": "SX-TY01", "name": "太原晋中农机有限公司", "province": "山西省",
            "city": "太原市", "address": "", "contact_name": "", "contact_phone": "0351-1234567",
            "service_phone": "", "email": "", "grade": "b", "sales_rep_id": "", "version": ""}
    data.update(values)
    return data


def test_admin_creates_a_dealer(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/dealers/new", data=_valid(code="sx-ty01"))
    assert response.status_code == 303
    dealer = db.session.query(Dealer).filter_by(code="SX-TY01").one()
    assert dealer.status == DealerStatus.ACTIVE and dealer.grade == "b"
    assert db.session.query(AuditEntry).filter_by(entity_type="dealers",
                                                  entity_id=str(dealer.id)).count() == 1


def test_bad_dealer_input_is_shown_by_the_field(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/dealers/new", data=_valid(code="DA-01", contact_phone="call me",
                                                       province="火星"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "该编码已被其他经销商使用" in body
    assert body.count('class="error"') >= 3
    assert db.session.query(Dealer).count() == 2


def test_edit_refuses_a_stale_version(client, login, world, db):
    login(world.users[Role.ADMIN])
    dealer = world.dealer_a
    stale = dealer.version
    dealer.name = "别人改过的名字"
    db.session.commit()
    response = client.post(f"/dealers/{dealer.id}/edit", data=_valid(
        code=dealer.code, name="我的修改", version=str(stale)))
    assert response.status_code == 422
    assert "他人已修改此记录" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Dealer, dealer.id).name == "别人改过的名字"


def test_edit_records_what_changed(client, login, world, db):
    login(world.users[Role.ADMIN])
    dealer = world.dealer_a
    response = client.post(f"/dealers/{dealer.id}/edit", data=_valid(
        code=dealer.code, name=dealer.name, province=dealer.province, city="青岛市",
        contact_phone="", version=str(dealer.version)))
    assert response.status_code == 303
    entry = db.session.query(AuditEntry).filter_by(action="update", entity_type="dealers").one()
    assert entry.changes["city"] == ["济南市", "青岛市"]


def test_suspend_needs_a_reason(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post(f"/dealers/{world.dealer_b.id}/status", data={"reason": ""})
    assert response.status_code == 422
    response = client.post(f"/dealers/{world.dealer_b.id}/status", data={"reason": "欠款停供"})
    assert response.status_code == 303
    entry = db.session.query(AuditEntry).filter_by(action="change_status").one()
    assert (entry.from_state, entry.to_state, entry.reason) == ("active", "suspended", "欠款停供")


def test_scoping_of_the_list(client, login, world):
    login(world.users[Role.DEALER_STAFF])
    body = client.get("/dealers/").get_data(as_text=True)
    assert "DA-01" in body and "DB-01" not in body
    login(world.rep_b)
    body = client.get("/dealers/").get_data(as_text=True)
    assert "DB-01" in body and "DA-01" not in body
    login(world.users[Role.FINANCE])
    body = client.get("/dealers/").get_data(as_text=True)
    assert "DA-01" in body and "DB-01" in body


def test_active_search_answers_a_fragment_and_the_page_includes_it(client, login, world):
    login(world.users[Role.CLERK])
    full = client.get("/dealers/?q=乙")
    fragment = client.get("/dealers/?q=乙", headers={"HX-Request": "true"})
    boosted = client.get("/dealers/?q=乙", headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = client.get("/dealers/?q=乙", headers={"HX-Request": "true",
                                                     "HX-History-Restore-Request": "true"})
    for response in (full, fragment, boosted, restore):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
        assert "DB-01" in response.get_data(as_text=True)
        assert "DA-01" not in response.get_data(as_text=True)
    assert "<html" in full.get_data(as_text=True)
    assert "<html" in boosted.get_data(as_text=True)
    assert "<html" in restore.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.get_data(as_text=True).strip().startswith("<tr>")


def test_keyset_pages_walk_every_dealer_once(client, login, world, db, app):
    for n in range(60):
        factories.make_dealer(f"K-{n:03d}")
    login(world.users[Role.ADMIN])
    seen = walk_pages(client, "/dealers/?q=K-", r"K-\d{3}")
    assert seen == [f"K-{n:03d}" for n in range(60)]


def test_filters_by_province_and_status(client, login, world, db):
    world.dealer_b.status = DealerStatus.SUSPENDED
    db.session.commit()
    login(world.users[Role.CLERK])
    body = client.get("/dealers/?province=河南省").get_data(as_text=True)
    assert "DB-01" in body and "DA-01" not in body
    body = client.get("/dealers/?status=active").get_data(as_text=True)
    assert "DA-01" in body and "DB-01" not in body


def test_dealer_detail_shows_rate_and_rep(client, login, world, db):
    from decimal import Decimal

    from portal.catalog.models import LabourRate

    db.session.add(LabourRate(grade=world.dealer_a.grade, hourly_rate=Decimal("55.00")))
    db.session.commit()
    login(world.users[Role.DEALER_ADMIN])
    body = client.get(f"/dealers/{world.dealer_a.id}").get_data(as_text=True)
    assert "¥55.00" in body and world.users[Role.SALES_REP].display_name in body


def test_the_menu_marks_only_the_current_section(client, login, world):
    login(world.users[Role.ADMIN])
    for url, label in [("/catalog/parts", "配件"), ("/catalog/travel-bands", "工时"),
                       ("/catalog/seasons/new", "政策"), ("/dealers/", "经销商"),
                       ("/catalog/models/import", "机型")]:
        body = client.get(url).get_data(as_text=True)
        nav = body[body.index('class="mainnav"'):body.index("</nav>")]
        assert nav.count("aria-current") == 1, url
        assert f'aria-current="page">{label}</a>' in nav, url
