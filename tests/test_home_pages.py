"""The head-office home pages show what the portal holds: counts, the catalogue's lists."""

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.catalog.models import FaultCode, Part, ProductModel
from portal.dealers.models import Dealer
from portal.extensions import db
from tests import factories


def _stat(page: str, href: str) -> str:
    """The figure of the stat tile linking to ``href``."""
    opening = f'<a class="stat" href="{href}"><b>'
    start = page.index(opening) + len(opening)
    return page[start:page.index("</b>", start)]


def test_the_admin_home_counts_what_the_portal_holds(client, login, world):
    factories.make_part(models=[factories.make_model()])
    login(world.users[Role.ADMIN])
    page = client.get("/home/admin").get_data(as_text=True)
    for href, model in (("/admin/users", User), ("/dealers/", Dealer),
                        ("/catalog/models", ProductModel), ("/catalog/parts", Part)):
        assert _stat(page, href) == str(db.session.scalar(sa.select(sa.func.count()).select_from(
            model))), href


def test_the_technical_home_lists_the_models_and_fault_codes(client, login, world):
    model = factories.make_model(code="TX-HOME-1")
    factories.workshop(world.dealer_a)  # a fault code with its standard hours
    login(world.users[Role.TECHNICAL])
    page = client.get("/home/technical").get_data(as_text=True)
    assert f'<a href="/catalog/models/{model.id}">TX-HOME-1</a>' in page
    faults = db.session.scalars(sa.select(FaultCode)).all()
    assert faults
    for fault in faults:
        assert f"<li><b>{fault.code}</b> {fault.description}</li>" in page


def test_the_rep_home_lists_its_dealers_and_no_others(client, login, world):
    rep = world.users[Role.SALES_REP]
    login(rep)
    page = client.get("/home/rep").get_data(as_text=True)
    mine = db.session.scalars(sa.select(Dealer).where(Dealer.sales_rep_id == rep.id)).all()
    assert mine and world.dealer_b.sales_rep_id != rep.id
    for dealer in mine:
        assert (f'<a href="/dealers/{dealer.id}">{dealer.code}</a></td><td>{dealer.name}</td>'
                f'<td>{dealer.province} {dealer.city}</td>') in page
    assert f'<a href="/dealers/{world.dealer_b.id}">' not in page
