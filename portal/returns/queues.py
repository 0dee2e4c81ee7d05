"""The old-part returns' work queues (``portal.core.queues``): received parts waiting for the
technical verdict, shipments to receive, head-office repairs' parts to take in by hand, parts
overdue."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.queues import Queue, day_of
from portal.returns.access import can_judge_parts, can_list_overdue_parts, can_receive_parts
from portal.returns.models import TO_COME_BACK, OwedPart, OwedStatus, ReturnShipment
from portal.returns.receipt import OPEN as SHIPMENT_OPEN
from portal.returns.scope import visible_owed_parts, visible_shipments

JUDGE = Queue(
    "judge", _l("Old parts to judge"), can_judge_parts, visible_owed_parts,
    lambda user, now: (OwedPart.status == OwedStatus.RECEIVED, OwedPart.verdict.is_(None)),
    OwedPart.received_on, OwedPart.id, "returns.verdict_queue")
RECEIVE = Queue(
    "receive", _l("Old-part shipments to receive"), can_receive_parts, visible_shipments,
    # The statuses written out: SQLite proves the partial index ix_return_shipments_open_shipped
    # holds the rows asked for only from literal values; the list walks it in its order.
    lambda user, now: (ReturnShipment.status.in_(
        [sa.literal_column(f"'{status.value}'") for status in SHIPMENT_OPEN]),),
    ReturnShipment.shipped_on, ReturnShipment.id, "returns.incoming")
# can_take_handed_in: a head-office repair's part still owed (``OwedPart.to_take_in``), worked
# down by its return date (ix_owed_parts_dealer_status_due: dealer_id NULL, status, due_on).
TAKE_IN = Queue(
    "parts_to_take_in", _l("Head office's repairs: old parts to take in"), can_receive_parts,
    visible_owed_parts, lambda user, now: (OwedPart.to_take_in,), OwedPart.due_on, OwedPart.id,
    "returns.take_in_list")


def _past_due(user, now):
    # The statuses written out: SQLite proves the partial index ix_owed_parts_to_come_due holds
    # the rows asked for only from literal values, and head office's list walks it in due order.
    # A part on the dealer's returning delivery truck is returned from the day it left.
    statuses = [sa.literal_column(f"'{status.value}'") for status in TO_COME_BACK]
    return (OwedPart.status.in_(statuses), OwedPart.verdict.is_(None),
            OwedPart.due_on < day_of(now), OwedPart.truck_left_on.is_(None))


OVERDUE = Queue(
    "owed_overdue", _l("Old parts overdue"),
    can_list_overdue_parts, visible_owed_parts, _past_due,
    OwedPart.due_on, OwedPart.id, "returns.overdue")
