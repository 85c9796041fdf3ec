from celery import shared_task
from django.conf import settings

from apps.webhooks import services

MAX_ATTEMPTS = 8
# Below the broker's visibility timeout (settings: CELERY_BROKER_TRANSPORT_OPTIONS): Redis
# would hand a message waiting longer than that to a second worker.
MAX_COUNTDOWN_SECONDS = 300


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1, ignore_result=True)
def deliver_webhook_task(self, delivery_id: int) -> None:
    """Deliver one webhook; retried with exponential backoff (base × 1, 2, 4, 8 … seconds, at
    most ``MAX_COUNTDOWN_SECONDS``). Idempotent on our side (a succeeded delivery is not posted
    again); receivers drop repeats by the event id."""
    try:
        services.attempt_delivery(delivery_id=delivery_id)
    except services.DeliveryFailed as exc:
        if self.request.retries >= self.max_retries:
            services.mark_gave_up(delivery_id=delivery_id)
            return
        base = settings.WEBHOOK_RETRY_BASE_SECONDS
        countdown = min(base * 2**self.request.retries, MAX_COUNTDOWN_SECONDS)
        raise self.retry(exc=exc, countdown=countdown) from exc
