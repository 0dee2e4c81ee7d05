"""Who pays for a unit returned from a dealer's stock (DOMAIN.md, 库存产品返厂).

The maker pays the freight when the product itself is defective; the dealer pays it when it
took the unit apart, and is charged the labour to restore it; the dealer also pays it for a unit
that is unsellable for any other reason.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.stock.models import FreightPayer, StockReturnReason

R = StockReturnReason
PAYERS = {R.DEFECTIVE: FreightPayer.MAKER, R.DISMANTLED: FreightPayer.DEALER,
          R.UNSELLABLE: FreightPayer.DEALER}
EXPLAINED = {
    R.DEFECTIVE: _l("The product itself is defective: the maker pays the freight and no "
                    "restoration labour is charged."),
    R.DISMANTLED: _l("The dealer took the unit apart: the dealer pays the freight, and head "
                     "office charges the labour to restore it to the dealer's account when the "
                     "unit arrives."),
    R.UNSELLABLE: _l("The unit cannot be sold for another reason: the dealer pays the freight; "
                     "no restoration labour is charged."),
}


def freight_payer(reason: StockReturnReason) -> FreightPayer:
    """Who pays to carry the unit back to the factory."""
    return PAYERS[StockReturnReason(reason)]


def restoration_charged(reason: StockReturnReason) -> bool:
    """Whether the dealer is charged the labour to restore the unit."""
    return StockReturnReason(reason) == R.DISMANTLED


@dataclass(frozen=True)
class Outcome:
    reason: StockReturnReason
    freight_payer: FreightPayer
    restoration_charged: bool
    explanation: str


def outcome(reason: StockReturnReason) -> Outcome:
    """What the rules decide for a reason, with the plain words shown on the pages."""
    reason = StockReturnReason(reason)
    return Outcome(reason, freight_payer(reason), restoration_charged(reason),
                   str(EXPLAINED[reason]))
