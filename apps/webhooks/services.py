"""Emit store events to merchant-registered URLs: one delivery row per subscription, sent by
Celery after the emitting transaction commits."""

import json
import logging
from collections.abc import Callable
from urllib import error, request

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.core import store_cache, tenancy
from apps.observability import metrics
from apps.webhooks import signing
from apps.webhooks.models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
USER_AGENT = "Mercato-Webhooks/1"


def emit_event(*, topic: str, payload: dict | Callable[[], dict]) -> list[int]:
    """Record deliveries for every active subscription to ``topic``; queue them after commit.

    ``payload`` may be a function making it: called only when someone subscribes to ``topic``
    (a payload read from the database then costs nothing when no one listens).
    """
    from apps.webhooks.tasks import deliver_webhook_task

    subscription_ids = [sid for sid, topics in _active_subscriptions() if topic in topics]
    if not subscription_ids:
        return []
    if callable(payload):
        payload = payload()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription_id=sid, topic=topic, payload=payload)
        for sid in subscription_ids
    )
    for delivery in deliveries:
        tenancy.on_commit(lambda d=delivery.id: deliver_webhook_task.delay(d), robust=True)  # type: ignore[misc]
    return [d.id for d in deliveries]


SUBSCRIPTIONS_CACHE_KEY = "webhooks:active-subscriptions"


def _active_subscriptions() -> list[tuple[int, list[str]]]:
    """(id, topics) of every active subscription (cached: read for every order placed)."""
    return store_cache.get_or_load(
        SUBSCRIPTIONS_CACHE_KEY,
        lambda: list(WebhookSubscription.objects.filter(active=True).values_list("id", "topics")),
    )


def build_body(delivery: WebhookDelivery) -> bytes:
    event = {
        "id": str(delivery.event_id),
        "topic": delivery.topic,
        "created_at": delivery.created_at,
        "data": delivery.payload,
    }
    return json.dumps(event, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx; the task retries with backoff."""


def attempt_delivery(*, delivery_id: int) -> bool:
    """POST the event once. True when delivered (now or before); raises DeliveryFailed."""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return True  # idempotent: a redelivered task does not post twice
    body = build_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Mercato-Topic": delivery.topic,
        "Mercato-Event-Id": str(delivery.event_id),
        "Mercato-Signature": signing.sign(body, delivery.subscription.secret),
    }
    status_code, problem = None, ""
    try:
        with request.urlopen(
            request.Request(delivery.subscription.url, data=body, headers=headers, method="POST"),
            timeout=TIMEOUT_SECONDS,
        ) as response:
            status_code = response.status
    except error.HTTPError as exc:
        status_code, problem = exc.code, f"HTTP {exc.code}"
    except (error.URLError, OSError) as exc:
        problem = f"{type(exc).__name__}: {exc}"[:300]
    succeeded = status_code is not None and 200 <= status_code < 300
    metrics.webhook_deliveries.labels("delivered" if succeeded else "failed").inc()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        last_status_code=status_code,
        last_error=problem,
        status=WebhookDelivery.Status.SUCCEEDED if succeeded else delivery.status,
        delivered_at=timezone.now() if succeeded else None,
    )
    if not succeeded:
        logger.warning("webhook %s to %s failed: %s", delivery.id, delivery.subscription.url,
                       problem or status_code)  # fmt: skip
        raise DeliveryFailed(problem or f"HTTP {status_code}")
    return True


def mark_gave_up(*, delivery_id: int) -> None:
    metrics.webhook_deliveries.labels("gave_up").inc()
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=WebhookDelivery.Status.FAILED)


def resend(*, delivery_id: int) -> None:
    """Admin "resend": deliver again (a new attempt series), even if it once succeeded."""
    from apps.webhooks.tasks import deliver_webhook_task

    WebhookDelivery.objects.filter(pk=delivery_id).update(status=WebhookDelivery.Status.PENDING)
    tenancy.on_commit(lambda: deliver_webhook_task.delay(delivery_id), robust=True)
