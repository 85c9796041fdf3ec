"""Order writes, one module per topic; import this package (``from apps.orders import
services as order_services``) rather than its modules.

Every status change goes through ``history.transition`` and leaves an OrderEvent. Network calls
(payment provider, email) never happen here: the payments app calls the provider and then
these services; emails are written to the outbox with the change and sent by
``tasks.send_order_email_task``.
"""

from apps.orders.services.cancellation import cancel_expired_orders, cancel_order
from apps.orders.services.emails import queue_order_email, send_order_email
from apps.orders.services.fulfilment import fulfill_order, mark_order_delivered
from apps.orders.services.history import record_order_event
from apps.orders.services.payment import (
    mark_locked_order_paid,
    mark_order_paid,
    mark_payment_failed,
)
from apps.orders.services.placement import (
    DiscountDraft,
    OrderDraft,
    OrderLineDraft,
    create_order,
    get_order_of_checkout,
)
from apps.orders.services.refunds import check_refund, record_refund
from apps.orders.services.returns import (
    approve_return,
    receive_return,
    reject_return,
    request_return,
    take_back_lines,
)

__all__ = [
    "DiscountDraft",
    "OrderDraft",
    "OrderLineDraft",
    "approve_return",
    "cancel_expired_orders",
    "cancel_order",
    "check_refund",
    "create_order",
    "fulfill_order",
    "get_order_of_checkout",
    "mark_locked_order_paid",
    "mark_order_delivered",
    "mark_order_paid",
    "mark_payment_failed",
    "queue_order_email",
    "receive_return",
    "record_order_event",
    "record_refund",
    "reject_return",
    "request_return",
    "send_order_email",
    "take_back_lines",
]
