"""Demo units and warranty cards: most filed on time, some late, some not yet filed.

Units leave the factory ten at a time on a delivery note (portal/demo/deliveries.py)."""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.catalog.models import PolicySettings, ProductModel
from portal.core import audit
from portal.core.db import utcnow
from portal.dealers.models import Dealer
from portal.demo.deliveries import ship_units, shipment_age
from portal.extensions import db
from portal.units.card_services import late_days
from portal.units.cards import CardStatus, WarrantyCard
from portal.units.models import Unit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许"
GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红玉兰德福海波宝山春生"
UNITS_PER_DEALER = 250
PER_NOTE = 10
UNSOLD = 0.25  # of the units shipped in the last months, still in the dealer's stock
STOCK_DAYS = 240  # units shipped longer ago have nearly all been sold:
UNSOLD_OLD = 0.012  # these few have not (they count as sold after two operating seasons)


def load_units(today: date, rng: random.Random | None = None) -> int:
    """Ship units to every dealer and record what became of them; returns how many."""
    rng = rng or random.Random(2026)
    models = db.session.scalars(sa.select(ProductModel).order_by(ProductModel.code)).all()
    dealers = db.session.scalars(sa.select(Dealer).order_by(Dealer.code)).all()
    clerk = db.session.scalar(sa.select(User).where(User.role == "clerk"))
    technician = db.session.scalar(sa.select(User).where(User.role == "technical"))
    deadline = PolicySettings.current().card_deadline_days
    units, shipments = [], []
    for d_index, dealer in enumerate(dealers):
        for first in range(0, UNITS_PER_DEALER, PER_NOTE):
            from_end = (UNITS_PER_DEALER - first) // PER_NOTE - 1
            days_ago, left_open = shipment_age(rng, d_index, from_end)
            shipped = today - timedelta(days=days_ago)
            group = [_unit(rng, models, shipped, d_index, n)
                     for n in range(first, first + PER_NOTE)]
            units += group
            shipments.append((dealer, shipped, group, left_open))
    db.session.add_all(units)
    audit.record_many("create", [(u, {"serial": (None, u.serial)}) for u in units])
    ship_units(shipments, today=today, rng=rng)
    cards = [card for unit in units
             if (card := _card(rng, today, unit, deadline, clerk, technician))]
    db.session.add_all(cards)
    return len(units)


def _unit(rng, models, shipped, d_index, n) -> Unit:
    """A unit in factory stock, produced some weeks before it is shipped."""
    model = models[(d_index + n) % len(models)]
    produced = shipped - timedelta(days=rng.randint(7, 60))
    return Unit(serial=f"{model.code.replace('-', '')}{produced:%y%m}{d_index:02d}{n:04d}",
                model=model, engine_no=f"E{rng.randint(10**7, 10**8 - 1)}",
                frame_no=f"F{rng.randint(10**6, 10**7 - 1)}", production_date=produced,
                batch=f"B{produced:%y%m}")


def _card(rng, today, unit, deadline, clerk, technician) -> WarrantyCard | None:
    fate = rng.random()
    if UNSOLD_OLD <= fate < UNSOLD and (today - unit.shipped_on).days > STOCK_DAYS:
        fate += 0.3  # sold in its first months, as nearly every unit is
    if fate < UNSOLD:
        return None  # still in the dealer's stock
    sale = unit.shipped_on + timedelta(days=rng.randint(3, 120))
    if fate < 0.28:
        # Sold in the last weeks: on the dealer's list of cards to file, some already late.
        sale = max(unit.shipped_on, today - timedelta(days=rng.randint(1, deadline + 5)))
    if sale > today:
        return None
    card = WarrantyCard(unit=unit, dealer=unit.dealer, sale_date=sale, invoice_date=sale,
                        invoice_no=f"{rng.randint(10**7, 10**8 - 1)}", created_by_id=clerk.id,
                        **_buyer(rng, unit.dealer))
    if fate < 0.28:
        card.status = CardStatus.DRAFT  # sold recently, card still to file
        return card
    delay = rng.randint(0, deadline - 2) if fate < 0.9 else rng.randint(deadline + 1, 60)
    card.status, card.received_on = CardStatus.FILED, min(today, sale + timedelta(days=delay))
    card.late_days = late_days(sale, card.received_on, deadline)
    card.filed_by_id, card.filed_at = clerk.id, utcnow()
    if card.late_days and rng.random() < 0.3:
        card.exception_reason = "用户外出务工，经销商提供了购机发票原件，特批认可"
        card.exception_by_id, card.exception_at = technician.id, utcnow()
    return card


def _buyer(rng, dealer) -> dict:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    phone = f"1{rng.choice('3578')}{rng.randint(0, 10**9 - 1):09d}"
    return {"buyer_name": name, "buyer_phone": phone,
            "province": dealer.province, "city": dealer.city, "county": "",
            "address": f"{dealer.city}郊区{rng.randint(1, 30)}村{rng.randint(1, 200)}号"}
