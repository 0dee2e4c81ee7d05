"""The units deemed sold as an Excel sheet."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.excel import Column, write_sheet

DEEMED_COLUMNS = [
    Column("serial", _l("Serial number"), width=18),
    Column("model", _l("Model code")),
    Column("dealer", _l("Dealer code")),
    Column("dealer_name", _l("Dealer"), width=30),
    Column("shipped_on", _l("Shipped on"), width=14, number_format="yyyy-mm-dd"),
    Column("first_season", _l("First season"), width=22),
    Column("second_season", _l("Second season"), width=22),
    Column("sold_on", _l("Counts as sold on"), width=14, number_format="yyyy-mm-dd"),
]


def export_deemed_sold(rows) -> bytes:
    """One line per unit deemed sold, with the two seasons that made it so."""
    lines = [[a.unit.serial, a.unit.model.code, a.dealer.code, a.dealer.name, a.shipped_on,
              a.seasons[0].name, a.seasons[1].name, a.sold_on] for a in rows]
    return write_sheet(_("Units deemed sold"), DEEMED_COLUMNS, lines)
