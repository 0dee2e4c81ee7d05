"""The units at risk of an alert as a spreadsheet, one row per unit."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.excel import Column, write_sheet

COLUMNS = [
    Column("dealer", _l("Dealer"), width=12), Column("dealer_name", _l("Dealer name"), width=24),
    Column("state", _l("State"), width=12), Column("serial", _l("Serial number"), width=18),
    Column("model", _l("Model"), width=12), Column("batch", _l("Batch"), width=10),
    Column("sale_date", _l("Sale date"), width=12), Column("buyer", _l("Buyer"), width=14),
    Column("phone", _l("Phone"), width=14), Column("region", _l("Region"), width=24),
]


def risk_sheet(alert, groups) -> bytes:
    rows = []
    for group in groups:
        dealer = [group.dealer.code, group.dealer.name]
        for unit, card in group.sold:
            rows.append([*dealer, _("In the field"), unit.serial, unit.model.code, unit.batch,
                         card.sale_date, card.buyer_name, card.buyer_phone,
                         " ".join(filter(None, (card.province, card.city, card.county)))])
        for unit in group.unsold:
            rows.append([*dealer, _("In dealer stock"), unit.serial, unit.model.code,
                         unit.batch, None, "", "", ""])
    return write_sheet(_("Units at risk"), COLUMNS, rows)
