"""Order emails: written to the outbox with the change that causes them, sent by a Celery task
at most once per message (see ``send_order_email``), recorded on the order's history."""

import hashlib
import logging
import time
import uuid

from django.db import transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.mail import stable_message_id
from apps.observability import metrics
from apps.orders.emails import KINDS, build_order_email
from apps.orders.models import Order, OrderEmail, OrderEvent
from apps.orders.services import history
from apps.tenants.selectors import get_current_store

logger = logging.getLogger(__name__)

# Mail that makes sense once per order however often it is queued.
ONCE_PER_ORDER = frozenset({"confirmed", "delivered", "cancelled"})
# The task's registered name (its former module's: messages queued before a deploy find it).
SEND_TASK = "apps.notifications.tasks.send_order_email_task"


def queue_order_email(*, order_id: int, kind: str, context: dict | None = None) -> None:
    """Send an order email once the current transaction commits (right away outside one).

    The message is an outbox row written in the caller's transaction: a rolled back
    transaction sends nothing, and a broker that is down at commit time delays the email
    (the periodic relay queues it) but never loses it. ``context`` holds JSON primitives only
    (ids, amounts as strings).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown order email kind {kind!r}; expected one of {sorted(KINDS)}.")
    # The email id names this one message for good: every redelivery carries it.
    outbox.enqueue(SEND_TASK, order_id, kind, dict(context or {}), uuid.uuid4().hex)


def email_key(*, kind: str, context: dict, email_id: str) -> str:
    """The name of one order email: what makes two sends of it the same message."""
    if kind in ONCE_PER_ORDER:
        return kind
    if email_id:
        return f"{kind}:{email_id}"
    digest = hashlib.sha256(repr(sorted(context.items())).encode()).hexdigest()[:32]
    return f"{kind}:context:{digest}"


def message_id_for(*, order_id: int, key: str) -> str:
    """A Message-ID derived from the message's identity, the same on every attempt: a resend in
    the duplicate window below is the same message to mail clients, not a second one."""
    return stable_message_id("order-email", order_id, key)


def send_order_email(*, order_id: int, kind: str, context: dict | None = None,
                     email_id: str = "", private_context: dict | None = None) -> bool:  # fmt: skip
    """Render and send one order email, then record it on the order. Returns False if skipped.

    ``private_context``: rendered into the message but never recorded (a gift card's code).
    ``context["to"]``: the recipient when it is not the order's email (a gift card's).

    Sent at most once per message (``email_key``), however often the task runs:

    1. the message's ``OrderEmail`` row is created (committed, unique per order and key);
    2. a transaction locks that row (a second delivery of the same message waits here), and
       returns if it is marked sent;
    3. the message is sent, the row marked sent and the history event written, and the
       transaction commits.

    A worker that dies before the commit (before the send, or in the middle of it) loses its
    database connection, so PostgreSQL rolls the claim back and releases the lock at once: the
    redelivered task sends the email. A worker that dies after the commit leaves the row marked
    sent: the redelivered task sends nothing. The one duplicate left is a death in the instant
    between the SMTP server accepting the message and the commit (the log line "sent … recorded
    N ms after" measures that instant); the resend carries the same Message-ID. That is the
    choice: at least once with that instant as the only duplicate window, rather than at most
    once (marking sent before sending), which would lose the email to any crash during the send.

    The send runs inside the transaction on purpose: the lock is on this email's own row only,
    and it is what ties the claim to the sending process's life. Raises SMTPException / OSError
    (rolled back, nothing recorded) for the task to retry.
    """
    context = dict(context or {})
    try:
        order = Order.objects.prefetch_related("lines").get(pk=order_id)
    except Order.DoesNotExist:
        logger.warning("order email %s: order %s does not exist", kind, order_id)
        return False
    key = email_key(kind=kind, context=context, email_id=email_id)
    OrderEmail.objects.get_or_create(
        order=order,
        key=key,
        defaults={"kind": kind, "message_id": message_id_for(order_id=order.id, key=key)},
    )
    store = get_current_store()
    with transaction.atomic():
        claim = OrderEmail.objects.select_for_update().get(order=order, key=key)
        if claim.sent_at is not None or _sent_before_claims(
            order_id=order.id, kind=kind, context=context, email_id=email_id
        ):
            logger.info("order #%s: %s email already sent", order.number, kind)
            return False
        message = build_order_email(
            order=order, store=store, kind=kind, context={**context, **(private_context or {})}
        )
        message.extra_headers["Message-ID"] = claim.message_id
        with metrics.outcome(metrics.emails_sent, success="sent", kind=kind):
            message.send()  # network, under this email's own row lock (see above)
        accepted = time.perf_counter()
        claim.sent_at = timezone.now()
        claim.save(update_fields=["sent_at"])
        history.record_order_event(
            order_id=order.id,
            type=OrderEvent.Type.EMAIL_SENT,
            message=f"{message.subject} — sent to {message.to[0]}"[:255],
            data={"kind": kind, "context": context, "email_id": email_id, "to": message.to[0]},
        )
    window_ms = (time.perf_counter() - accepted) * 1000
    logger.info("order #%s: %s email sent, recorded %.1f ms after the mail server accepted it",
                order.number, kind, window_ms)  # fmt: skip
    return True


def _sent_before_claims(*, order_id: int, kind: str, context: dict, email_id: str) -> bool:
    """Whether the order's history shows this message sent before claims existed (messages
    queued before the deploy that added ``OrderEmail``)."""
    sent = OrderEvent.objects.filter(order_id=order_id, type=OrderEvent.Type.EMAIL_SENT)
    if email_id and sent.filter(data__email_id=email_id).exists():
        return True
    if kind in ONCE_PER_ORDER or not email_id:
        return sent.filter(data__kind=kind, data__context=context).exists()
    return False


def queue_email(order: Order, kind: str, **context) -> None:
    """``queue_order_email`` for an order at hand, with the context as keywords."""
    queue_order_email(order_id=order.id, kind=kind, context=context)
