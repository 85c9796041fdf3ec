"""Order emails: queued after commit, sent by a Celery task, recorded on the order's history."""

import logging
import uuid

from django.db import connection

from apps.core import tenancy
from apps.observability import metrics
from apps.orders.emails import KINDS, build_order_email
from apps.orders.models import Order, OrderEvent
from apps.orders.services import history
from apps.tenants.selectors import get_current_store

logger = logging.getLogger(__name__)

# Mail that makes sense once per order however often it is queued.
ONCE_PER_ORDER = frozenset({"confirmed", "delivered", "cancelled"})


def queue_order_email(*, order_id: int, kind: str, context: dict | None = None) -> None:
    """Send an order email once the current transaction commits (right away outside one).

    ``context`` holds JSON primitives only (ids, amounts as strings). A rolled back
    transaction sends nothing.
    """
    # The task module imports this one: its import waits until the first email is queued.
    from apps.orders.tasks import send_order_email_task

    if kind not in KINDS:
        raise ValueError(f"Unknown order email kind {kind!r}; expected one of {sorted(KINDS)}.")
    context = dict(context or {})
    # The task runs in this store's schema (tenant-schemas-celery reads this header). The
    # email id names this one message, so a retried or redelivered task never sends it twice.
    schema = connection.schema_name
    email_id = uuid.uuid4().hex

    def send() -> None:
        send_order_email_task.apply_async(
            args=[order_id, kind, context, email_id], headers={"_schema_name": schema}
        )

    # robust: the order is committed either way; a broker outage must not fail the request.
    tenancy.on_commit(send, robust=True)


def send_order_email(*, order_id: int, kind: str, context: dict | None = None,
                     email_id: str = "") -> bool:  # fmt: skip
    """Render and send one order email, then record it on the order. Returns False if skipped.

    Idempotent-ish: skipped when the order's history already shows this message (same email id,
    or for queue-less calls the same kind and context; confirmed/delivered/cancelled mail goes
    out once per order). Raises SMTPException / OSError for the task to retry.
    """
    context = dict(context or {})
    try:
        order = Order.objects.prefetch_related("lines").get(pk=order_id)
    except Order.DoesNotExist:
        logger.warning("order email %s: order %s does not exist", kind, order_id)
        return False
    if _already_sent(order_id=order.id, kind=kind, context=context, email_id=email_id):
        logger.info("order #%s: %s email already sent", order.number, kind)
        return False
    store = get_current_store()
    message = build_order_email(order=order, store=store, kind=kind, context=context)
    with metrics.outcome(metrics.emails_sent, success="sent", kind=kind):
        message.send()  # network; no transaction is open here
    history.record_order_event(
        order_id=order.id,
        type=OrderEvent.Type.EMAIL_SENT,
        message=f"{message.subject} — sent to {order.email}"[:255],
        data={"kind": kind, "context": context, "email_id": email_id, "to": order.email},
    )
    logger.info("order #%s: %s email sent", order.number, kind)
    return True


def _already_sent(*, order_id: int, kind: str, context: dict, email_id: str) -> bool:
    sent = OrderEvent.objects.filter(order_id=order_id, type=OrderEvent.Type.EMAIL_SENT)
    if email_id and sent.filter(data__email_id=email_id).exists():
        return True
    if kind in ONCE_PER_ORDER or not email_id:
        return sent.filter(data__kind=kind, data__context=context).exists()
    return False


def queue_email(order: Order, kind: str, **context) -> None:
    """``queue_order_email`` for an order at hand, with the context as keywords."""
    queue_order_email(order_id=order.id, kind=kind, context=context)
