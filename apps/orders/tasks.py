from celery import shared_task

from apps.orders import services


@shared_task(acks_late=True, ignore_result=True)
def cancel_expired_orders_task() -> int:
    """Per store (queued by the beat fan-out): cancel unpaid orders whose hold lapsed."""
    return services.cancel_expired_orders()
