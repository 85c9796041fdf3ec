from smtplib import SMTPException

from celery import shared_task

from apps.payments import services


@shared_task(acks_late=True, ignore_result=True)
def return_gift_cards_of_cancelled_orders_task() -> int:
    """Per store (queued by the beat fan-out): gift card shares of orders cancelled unpaid go
    back on their cards."""
    return services.return_gift_cards_of_cancelled_orders()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=300,  # below the broker's visibility timeout (see send_order_email_task)
    retry_jitter=True,
    max_retries=6,
)
def send_gift_card_email_task(order_id: int, card_id: int) -> bool:
    """Email a sold gift card's code to its recipient; at most once per card (the order email
    delivery's claim), retried with backoff on SMTP errors."""
    return services.send_gift_card_email(order_id=order_id, card_id=card_id)
