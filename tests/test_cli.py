"""``flask users …`` commands and API tokens."""

from portal.accounts.models import ApiToken, User
from portal.dealers.models import Dealer
from tests import factories


def test_create_admin(runner, db):
    result = runner.invoke(args=["users", "create-admin", "root", "--password", "Adminpass12"])
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="root").one()
    assert user.role == "admin" and user.check_password("Adminpass12")
    assert not user.must_change_password


def test_create_dealer_user_and_rep(runner, db):
    factories.make_dealer("CLI-1")
    factories.make_dealer("CLI-2")
    result = runner.invoke(args=["users", "create", "dealer1", "--role", "dealer_staff",
                                 "--password", "Dealerpass1", "--dealer", "CLI-1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "rep", "--role", "sales_rep",
                                 "--password", "Reppass1234", "--dealer", "CLI-1",
                                 "--dealer", "CLI-2"])
    assert result.exit_code == 0, result.output
    rep = db.session.query(User).filter_by(username="rep").one()
    assert {d.code for d in db.session.query(Dealer).filter_by(sales_rep_id=rep.id)} == {
        "CLI-1", "CLI-2"}


def test_bad_input_exits_non_zero_with_a_message(runner, db):
    cases = [
        (["users", "create", "xx1", "--role", "boss", "--password", "Goodpass123"], "boss"),
        (["users", "create", "xx2", "--role", "dealer_staff", "--password", "Goodpass123"],
         "needs exactly one --dealer"),
        (["users", "create", "xx3", "--role", "dealer_staff", "--password", "Goodpass123",
          "--dealer", "NOPE"], "unknown dealer"),
        (["users", "create", "xx4", "--role", "clerk", "--password", "short"], "password"),
        (["users", "create-admin", "xx5", "--password", "short"], "password"),
        (["users", "token", "nobody"], "no such user"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert db.session.query(User).filter(User.username.like("xx%")).count() == 0


def test_token_is_printed_last_and_stored_hashed(runner, client, db):
    runner.invoke(args=["users", "create-admin", "api_admin", "--password", "Adminpass12"])
    result = runner.invoke(args=["users", "token", "api_admin"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash == ApiToken.hash(token) and token not in stored.token_hash
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"username": "api_admin", "role": "admin", "dealer": None}
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/v1/me").status_code == 401
