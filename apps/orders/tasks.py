from smtplib import SMTPException

from celery import shared_task

from apps.orders import services


@shared_task(acks_late=True, ignore_result=True)
def cancel_expired_orders_task() -> int:
    """Per store (queued by the beat fan-out): cancel unpaid orders whose hold lapsed."""
    return services.cancel_expired_orders()


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
