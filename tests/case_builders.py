"""Exchange and refund cases built through the portal's services, up to finance's settlement:
completed, the failed machine received at the factory, the settlement approved. Shared by the
case-finance, notice and statement tests; the day is always given, never read here."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

from portal.accounts.roles import Role
from portal.cases import machine, services
from portal.cases.finance import settle_case
from portal.catalog.models import DiscountRate, ModelCategory
from portal.core.versioning import LATEST
from portal.extensions import db
from tests import factories

SOLD = date(2026, 5, 10)
PRICE = Decimal("80000.00")


def discount_standard(category=ModelCategory.TRACTOR_LARGE):
    """The category's standard: 100 % in the first 3 months in use, 95 % to 6, 90 % after."""
    for start, rate in ((0, "100"), (3, "95"), (6, "90")):
        db.session.add(DiscountRate(category=category, from_month=start, rate=Decimal(rate)))
    db.session.flush()


def at(day: date) -> datetime:
    """10:00 in Shanghai on ``day``, as a UTC instant."""
    return datetime.combine(day, time(2), tzinfo=UTC)


def completed_case(world, kind, day, *, dealer=None, received=True, price=PRICE,
                   replacement=None):
    """A case of ``kind`` for a tractor sold on SOLD, completed on ``day`` (an exchange with
    ``replacement``, a unit; a refund of 98 000), its machine received the same day."""
    dealer = dealer or world.dealer_a
    model = replacement.model if replacement else factories.make_model(dealer_price=price)
    unit = factories.make_unit(model=model, dealer=dealer)
    factories.make_card(unit, sale_date=SOLD)
    clerk = world.users[Role.CLERK]
    case = services.open_case(unit, kind, "同一故障第三次", actor=clerk, today=day,
                              invoice_amount="98000.00", now=at(day))
    services.decide_case(case, True, "同意", actor=world.users[Role.TECHNICAL],
                         version=LATEST, now=at(day))
    completion = ({"replacement_serial": replacement.serial} if replacement is not None
                  else {"refund_amount": "98000.00"})
    services.complete_case(case, day, actor=clerk, version=LATEST, today=day, now=at(day),
                           **completion)
    if received:
        machine.receive_machine(case, day, actor=clerk, version=LATEST, today=day)
    db.session.flush()
    return case


def settled_case(world, kind="refund", day=date(2026, 10, 12), **kwargs):
    """A completed, received case whose settlement finance approved on ``day``."""
    case = completed_case(world, kind, day, **kwargs)
    settle_case(case, True, actor=world.users[Role.FINANCE], now=at(day))
    db.session.flush()
    return case
