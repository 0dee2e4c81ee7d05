"""The stock returns' work queues (``portal.core.queues``): returns waiting for head office's
decision, approved returns not yet received, a dealer's returns still open."""

from flask_babel import lazy_gettext as _l

from portal.core.queues import Queue
from portal.stock.access import can_decide_stock_returns, can_request_stock_returns
from portal.stock.models import OPEN_RETURN, StockReturn, StockReturnStatus
from portal.stock.scope import visible_returns

S = StockReturn
TO_DECIDE = Queue(
    "stock_requested", _l("Stock returns to decide"), can_decide_stock_returns, visible_returns,
    lambda user, now: (S.status == StockReturnStatus.REQUESTED,), S.requested_at, S.id,
    "stock.index", args={"status": "requested"})
TO_RECEIVE = Queue(
    "stock_approved", _l("Stock returns to receive"), can_decide_stock_returns, visible_returns,
    lambda user, now: (S.status == StockReturnStatus.APPROVED,), S.decided_at, S.id,
    "stock.index", order=S.requested_at, args={"status": "approved"})
OPEN = Queue(
    "stock_open", _l("Stock returns open"), can_request_stock_returns, visible_returns,
    lambda user, now: (S.status.in_(OPEN_RETURN),), S.requested_at, S.id, "stock.index")
