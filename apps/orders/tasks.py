from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from apps.orders import services
from apps.orders.models import Order
from apps.tenants import due


@shared_task(acks_late=True, ignore_result=True)
def cancel_expired_orders_task() -> int:
    """Per store (queued by the beat fan-out): cancel unpaid orders whose hold lapsed.

    Orders still unpaid keep the store in beat's due index (their holds lapse within the
    store's reservation minutes; a released hold no longer marks it).
    """
    cancelled = services.cancel_expired_orders()
    if Order.objects.filter(status=Order.Status.PENDING).exists():
        due.mark_due(due.HOLDS, timezone.now() + timedelta(minutes=1))
    return cancelled


@shared_task(
    # The name it had in its former module: messages queued before a deploy still find it.
    name="apps.notifications.tasks.send_order_email_task",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    # Below the broker's visibility timeout (settings: CELERY_BROKER_TRANSPORT_OPTIONS): a
    # countdown longer than it would have Redis hand the waiting message to a second worker.
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def send_order_email_task(
    order_id: int, kind: str, context: dict | None = None, email_id: str = ""
) -> bool:
    """Send one order email; an SMTP or network failure is retried with backoff.

    Idempotent (``services.send_order_email`` sends each message at most once), so it is
    acknowledged late and requeued when its worker dies (settings: task_acks_late,
    task_reject_on_worker_lost).
    """
    return services.send_order_email(
        order_id=order_id, kind=kind, context=context, email_id=email_id
    )
