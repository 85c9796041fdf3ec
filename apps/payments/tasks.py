from celery import shared_task

from apps.payments import services


@shared_task(acks_late=True, ignore_result=True)
def return_gift_cards_of_cancelled_orders_task() -> int:
    """Per store (queued by the beat fan-out): gift card shares of orders cancelled unpaid go
    back on their cards."""
    return services.return_gift_cards_of_cancelled_orders()
