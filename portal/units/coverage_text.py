"""Words for the coverage verdict: clocks and reasons, in the user's language."""

from flask_babel import lazy_gettext as _l

from portal.units.coverage import Clock, Reason

CLOCKS = {
    Clock.WHOLE: _l("whole machine"),
    Clock.MAIN: _l("main parts"),
    Clock.WEAR: _l("wear parts"),
    Clock.PART: _l("the part's own period"),
}

REASONS = {
    Reason.NO_SALE: _l("No sale is recorded for this unit, so there is no invoice date to count "
                       "the buyer's periods from: record the sale from the buyer's invoice."),
    Reason.NO_CARD: _l("No warranty card has been filed for this unit."),
    Reason.CARD_NOT_RECOGNISED: _l(
        "The warranty card was filed late and the technical department has not excused it."),
    Reason.PART_NOT_FOR_MODEL: _l("This part does not fit the unit's model."),
    Reason.BEFORE_SALE: _l("The failure date is before the sale."),
    Reason.OUT_OF_PERIOD: _l("The failure date is after the end of the warranty period."),
}
