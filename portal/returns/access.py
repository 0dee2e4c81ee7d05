"""Who may do what with old-part returns: shipping, receiving, verdicts, waivers, stores and
supplier recovery. Each rule said once, asked by the routes, the services and the templates."""

from portal.accounts.roles import DEALER_ROLES, Role
from portal.core.permissions import granted_to
from portal.dealers.scope import scoped
from portal.returns.models import STILL_OWED, OwedStatus, Receipt, ShipmentStatus

can_ship_parts = granted_to(*DEALER_ROLES)
can_receive_parts = granted_to(Role.CLERK, Role.ADMIN)
can_keep_stores = granted_to(Role.CLERK, Role.ADMIN)
can_read_stores = granted_to(Role.CLERK, Role.ADMIN, Role.TECHNICAL)
can_read_recovery = granted_to(Role.TECHNICAL, Role.FINANCE, Role.ADMIN)
# The technical department gives verdicts and waives returns.
can_judge_parts = granted_to(Role.TECHNICAL)
can_list_verdicts = granted_to(Role.TECHNICAL, Role.ADMIN)
can_list_overdue_parts = granted_to(Role.TECHNICAL, Role.CLERK, Role.SALES_REP, Role.ADMIN)


def can_ship_parts_of(dealer_id: int, user) -> bool:
    """Only the dealer's own staff ship (and take back) its old parts."""
    return can_ship_parts(user) and user.dealer_id == dealer_id


def can_open_owed_part(owed, user) -> bool:
    """A part's page opens to whoever sees its dealer's records (``visible_owed_parts``); a
    head-office repair's part, owed by no dealer, to head office, which takes it in and judges
    it (the claim page shows its state to the rest)."""
    return owed.dealer_id is not None or not scoped(user)


def can_take_handed_in(owed, user) -> bool:
    """A receiver takes a head-office repair's old part from the hand of the technician or rep
    who replaced it (no dealer ships it), while it is still owed."""
    return can_receive_parts(user) and owed.to_take_in


def can_cancel_shipment(shipment, user, checked: int | None = None) -> bool:
    """The dealer's staff take a shipment back while nothing of it has been received
    (``checked``: how many of its lines head office has checked, if already counted)."""
    if checked is None:
        checked = sum(line.receipt != Receipt.PENDING for line in shipment.lines)
    return (can_ship_parts_of(shipment.dealer_id, user)
            and shipment.status == ShipmentStatus.SHIPPED and checked == 0)


def can_receive_shipment(shipment, user) -> bool:
    """A receiver opens a shipment until it is reconciled."""
    return can_receive_parts(user) and shipment.status != ShipmentStatus.RECONCILED


def return_waivable(owed) -> bool:
    """A return can be waived while the part is still owed or on its way, or when it arrived
    after its return date (which would otherwise block the write-off for good)."""
    if owed.waived_at is not None:
        return False
    if owed.status in (*STILL_OWED, OwedStatus.SHIPPED):
        return True
    return owed.status == OwedStatus.RECEIVED and owed.days_late > 0


def can_waive_return(owed, user) -> bool:
    """The technical department waives a return that can still be waived."""
    return can_judge_parts(user) and return_waivable(owed)


def can_judge_part(owed, user, today) -> bool:
    """The technical department gives the verdict on a part received, or not received by its
    date."""
    if not can_judge_parts(user) or owed.verdict is not None:
        return False
    return owed.status == OwedStatus.RECEIVED or (
        owed.status in (*STILL_OWED, OwedStatus.SHIPPED) and owed.due_on < today)
