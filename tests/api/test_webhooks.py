"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1, delivered by a real worker."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.webhooks import services, signing
from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.celery_worker import running_worker


class Receiver:
    """Records requests; answers 500 to the first ``fail_first`` of them, then 200."""

    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.requests: list[tuple[dict, bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.requests) < receiver.fail_first else 200
                receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    instances = []

    def make(**kwargs):
        instances.append(Receiver(**kwargs))
        return instances[-1]

    yield make
    for instance in instances:
        instance.close()


@pytest.mark.django_db
def test_delivery_is_signed_and_the_signature_verifies(receiver):
    target = receiver()
    subscription = WebhookSubscription.objects.create(url=target.url, topics=["order.paid"])
    [delivery_id] = services.emit_event(topic="order.paid", payload={"number": 1001})

    services.attempt_delivery(delivery_id=delivery_id)

    headers, body, _ = target.requests[0]
    assert signing.verify(body, headers["Mercato-Signature"], subscription.secret)
    assert not signing.verify(body + b" ", headers["Mercato-Signature"], subscription.secret)
    assert json.loads(body)["data"] == {"number": 1001}
    assert headers["Mercato-Topic"] == "order.paid"


@pytest.mark.django_db
def test_every_post_of_a_delivery_carries_its_event_id_and_a_success_is_recorded_once(
    receiver,
):
    target = receiver(fail_first=1)
    WebhookSubscription.objects.create(url=target.url, topics=["order.paid"])
    [delivery_id] = services.emit_event(topic="order.paid", payload={"number": 1001})
    with pytest.raises(services.DeliveryFailed):
        services.attempt_delivery(delivery_id=delivery_id)

    services.attempt_delivery(delivery_id=delivery_id)
    services.attempt_delivery(delivery_id=delivery_id)  # a redelivered task: nothing posted
    services.mark_gave_up(delivery_id=delivery_id)  # a late give-up never undoes the success

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    event_ids = {json.loads(body)["id"] for _, body, _ in target.requests}
    assert [status for _, _, status in target.requests] == [500, 200]
    assert event_ids == {str(delivery.event_id)}
    assert {h["Idempotency-Key"] for h, _, _ in target.requests} == {str(delivery.event_id)}
    assert {h["Mercato-Event-Id"] for h, _, _ in target.requests} == {str(delivery.event_id)}
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 2


@pytest.mark.django_db
def test_events_reach_only_subscribed_topics(receiver, django_capture_on_commit_callbacks):
    target = receiver()
    WebhookSubscription.objects.create(url=target.url, topics=["order.cancelled"])

    with django_capture_on_commit_callbacks() as callbacks:
        created = services.emit_event(topic="order.paid", payload={})

    assert created == [] and callbacks == []


@pytest.mark.worker
def test_receiver_failing_twice_gets_exactly_one_successful_delivery(
    committed_store, receiver, monkeypatch
):
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "0.2")
    target = receiver(fail_first=2)
    WebhookSubscription.objects.create(url=target.url, topics=["order.created"])

    with running_worker():
        # Autocommit here: the delivery's outbox message commits and is queued at once.
        [delivery_id] = services.emit_event(topic="order.created", payload={"number": 7})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            delivery = WebhookDelivery.objects.get(pk=delivery_id)
            if delivery.status != WebhookDelivery.Status.PENDING:
                break
            time.sleep(0.2)

    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 3
    assert [status for _, _, status in target.requests] == [500, 500, 200]


@pytest.mark.django_db
def test_low_stock_and_product_changes_emit_their_topics(receiver):
    from apps.catalog import services as catalog_services
    from apps.inventory import services as inventory_services
    from tests.factories.catalog import VariantFactory
    from tests.factories.inventory import WarehouseFactory

    target = receiver()
    WebhookSubscription.objects.create(url=target.url, topics=["inventory.low", "product.updated"])
    variant = VariantFactory()
    warehouse = WarehouseFactory()
    inventory_services.receive_stock(variant_id=variant.id, warehouse_id=warehouse.id, quantity=2)

    inventory_services.raise_low_stock_alerts(variant_ids=[variant.id])
    catalog_services.set_products_status(product_ids=[variant.product_id], status="archived")

    topics = {d.topic: d.payload for d in WebhookDelivery.objects.all()}
    assert topics["inventory.low"]["sku"] == variant.sku
    assert topics["inventory.low"]["available"] == 2
    assert topics["product.updated"] == {
        "id": variant.product_id,
        "slug": variant.product.slug,
        "status": "archived",
    }
