"""Payment callbacks under real concurrency: threads on their own connections, committed data."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from apps.inventory.models import StockLevel, StockMovement
from apps.orders.models import Order, OrderEvent
from apps.payments import services
from apps.payments.models import Refund, WebhookEvent
from config.celery import app as celery_app
from tests.concurrency import run_concurrently
from tests.factories.payments import PaymentFactory, create_reserved_order
from tests.payments.conftest import configure_stripe, intent_object, post_webhook, stripe_event

N = 8


@pytest.fixture
def eager_tasks():
    """Run queued tasks in place, so the confirmation email is sent (locmem) and counted."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_same_succeeded_event_delivered_concurrently_pays_the_order_once(
    committed_store, fake_stripe, eager_tasks
):
    configure_stripe()
    order = create_reserved_order(quantity=2, on_hand=10)
    payment = PaymentFactory(order=order, gateway="stripe", external_id="pi_concurrent")
    payload = stripe_event("payment_intent.succeeded", intent_object(payment))

    def deliver():
        response = post_webhook(Client(HTTP_HOST=committed_store.primary_host), payload)
        return response.status_code, response.json()["outcome"]

    results = run_concurrently(deliver, [()] * N, store=committed_store)

    order.refresh_from_db()
    level = StockLevel.objects.get(variant=order.lines.get().variant)
    assert sorted(results) == [(200, "duplicate")] * (N - 1) + [(200, "succeeded")]
    assert order.status == Order.Status.PAID
    assert WebhookEvent.objects.count() == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1
    assert [m.delta for m in StockMovement.objects.filter(reason="sale")] == [-2]
    assert (level.on_hand, level.reserved) == (8, 0)
    assert len(mail.outbox) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1


def test_card_form_submitted_concurrently_pays_the_order_once(committed_store, eager_tasks):
    order = create_reserved_order(quantity=1, on_hand=5)
    url = services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")
    card = {"number": "4242424242424242", "expiry": "12/39", "cvc": "123", "name": "Ada"}

    def submit():
        return Client(HTTP_HOST=committed_store.primary_host).post(url.redirect_url, card)

    responses = run_concurrently(submit, [()] * N, store=committed_store)

    order.refresh_from_db()
    assert [r.status_code for r in responses] == [302] * N
    assert order.status == Order.Status.PAID
    assert StockMovement.objects.filter(reason="sale").count() == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1


def test_concurrent_full_refunds_refund_the_order_once(committed_store, eager_tasks):
    order = create_reserved_order()
    payment = PaymentFactory(order=order, external_id="test_pay_refunds")
    services.complete_test_payment(payment_id=payment.id, card_number="4242424242424242")

    results = run_concurrently(
        lambda: services.refund_order(order_id=order.id, amount=order.total),
        [()] * N,
        store=committed_store,
    )

    order.refresh_from_db()
    refunds = [r for r in results if isinstance(r, Refund)]
    assert len(refunds) == 1
    assert all(type(r).__name__ == "InvalidRefund" for r in results if r not in refunds)
    assert order.amount_refunded == order.total == Decimal("40.00")
    assert Refund.objects.filter(status=Refund.Status.SUCCEEDED).count() == 1


@pytest.mark.django_db
def test_a_provider_event_id_can_be_recorded_only_once():
    # The database, not the code path, is what makes concurrent deliveries collapse to one.
    # (This module's django_db test also makes pytest-django create the test database when the
    # module runs alone: the committed_store tests above carry no django_db marker.)
    from django.db import IntegrityError, transaction

    WebhookEvent.objects.create(gateway="stripe", event_id="evt_once", type="x")

    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEvent.objects.create(gateway="stripe", event_id="evt_once", type="x")
