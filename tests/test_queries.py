"""Lists load their rows with a fixed number of queries, however many rows there are."""


from portal.accounts.roles import Role
from tests import factories
from tests.helpers import count_queries


def _add_rows(world, db, n):
    model = factories.make_model()
    for _ in range(n):
        dealer = factories.make_dealer(sales_rep=factories.make_user(Role.SALES_REP))
        factories.make_user(Role.DEALER_STAFF, dealer=dealer)
        factories.make_part(models=[model])
    db.session.commit()


def test_list_queries_do_not_grow_with_rows(client, login, world, db):
    login(world.users[Role.ADMIN])
    urls = ["/dealers/", "/admin/users", "/catalog/parts", "/audit"]
    _add_rows(world, db, 3)
    count_queries(db, client, "/home/admin")  # the first request of a session warms up
    few = {url: count_queries(db, client, url) for url in urls}
    _add_rows(world, db, 15)
    many = {url: count_queries(db, client, url) for url in urls}
    assert many == few


def test_claim_pages_do_not_grow_with_rows(client, login, world, db):
    """The claims list, a unit's repairs and a claim's lines load in a fixed number of queries."""
    shop = factories.workshop(world.dealer_a)

    def add(n):
        for _ in range(n):
            factories.make_claim(shop.unit, status="submitted", lines=[
                {"kind": "part", "amount": "1200.00", "part": shop.main_part, "quantity": 1,
                 "unit_price": "1200.00"},
                {"kind": "travel", "amount": "80.00", "km": 30}])
        db.session.commit()

    login(world.users[Role.TECHNICAL])
    add(2)
    urls = ["/claims/", "/claims/?status=review", f"/units/{shop.unit.id}"]
    count_queries(db, client, "/home/technical")
    few = {url: count_queries(db, client, url) for url in urls}
    add(12)
    many = {url: count_queries(db, client, url) for url in urls}
    assert many == few
