"""The administrator manages users: create, assign, deactivate, reset."""

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.audit import AuditEntry
from portal.dealers.models import Dealer


def _form(**values):
    data = {"username": "new_user", "display_name": "新用户", "role": "dealer_staff",
            "dealer_id": "", "phone": "", "email": "", "password": "Initial1234"}
    data.update(values)
    return data


def test_create_dealer_user(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/admin/users/new", data=_form(dealer_id=str(world.dealer_b.id)))
    assert response.status_code == 303
    user = db.session.query(User).filter_by(username="new_user").one()
    assert user.dealer_id == world.dealer_b.id
    assert user.must_change_password
    assert db.session.query(AuditEntry).filter_by(entity_type="users", action="create",
                                                  entity_id=str(user.id)).count() == 1


def test_dealer_user_without_dealer_is_refused_and_nothing_saved(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/admin/users/new", data=_form())
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    field = body[body.index('name="dealer_id"'):body.index('name="rep_dealer_ids"')]
    assert "经销商用户必须属于一个经销商" in field  # next to the dealer field
    assert db.session.query(User).filter_by(username="new_user").count() == 0


def test_duplicate_username_and_weak_password(client, login, world, db):
    login(world.users[Role.ADMIN])
    response = client.post("/admin/users/new", data=_form(username="w_clerk", role="clerk"))
    assert "该用户名已被占用" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data=_form(role="clerk", password="abc"))
    assert "至少 10 个字符" in response.get_data(as_text=True)
    assert db.session.query(User).filter_by(username="new_user").count() == 0


def test_sales_rep_is_given_a_set_of_dealers(client, login, world, db):
    login(world.users[Role.ADMIN])
    rep = world.users[Role.SALES_REP]
    response = client.post(f"/admin/users/{rep.id}/edit", data={
        "display_name": rep.display_name, "role": "sales_rep", "dealer_id": "",
        "rep_dealer_ids": [str(world.dealer_a.id), str(world.dealer_b.id)],
        "phone": "", "email": ""})
    assert response.status_code == 303
    db.session.expire_all()
    assert {d.code for d in db.session.get(User, rep.id).rep_dealers} == {"DA-01", "DB-01"}
    assert db.session.get(Dealer, world.dealer_b.id).sales_rep_id == rep.id
    # The rep now sees dealer B.
    login(rep)
    assert client.get(f"/dealers/{world.dealer_b.id}").status_code == 200


def test_admin_cannot_deactivate_themselves(client, login, world, db):
    admin = world.users[Role.ADMIN]
    login(admin)
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "", "reason": "x"},
                           follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).is_active_user


def test_deactivate_and_reactivate(client, login, world, db):
    login(world.users[Role.ADMIN])
    clerk = world.users[Role.CLERK]
    client.post(f"/admin/users/{clerk.id}/active", data={"active": "", "reason": "离职"})
    assert not db.session.get(User, clerk.id).is_active_user
    client.post(f"/admin/users/{clerk.id}/active", data={"active": "y", "reason": "返岗"})
    assert db.session.get(User, clerk.id).is_active_user
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(
        entity_type="users", entity_id=str(clerk.id)).order_by(AuditEntry.id)]
    assert actions == ["deactivate", "reactivate"]


def test_user_list_search_is_a_fragment_for_htmx(client, login, world):
    login(world.users[Role.ADMIN])
    full = client.get("/admin/users?q=w_fin")
    fragment = client.get("/admin/users?q=w_fin", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "w_finance" in body and "w_clerk" not in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_list_counts_each_reps_dealers(client, login, world, db):
    """A rep's row says how many dealers it covers, counted in SQL, not loaded."""
    rep = world.users[Role.SALES_REP]
    covered = db.session.query(Dealer).filter_by(sales_rep_id=rep.id).count()
    login(world.users[Role.ADMIN])
    html = client.get("/admin/users", query_string={"q": rep.username},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert covered and f"{covered} 家经销商" in html
