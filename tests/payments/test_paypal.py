"""The PayPal gateway: the real paypal-server-sdk against a local server speaking PayPal's wire
format (tests/payments/fake_paypal.py), webhooks checked by PayPal's verify-webhook-signature
call with PayPal's signature scheme."""

import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client

from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.orders.models import Order, OrderEvent
from apps.payments import services
from apps.payments.exceptions import (
    GatewayNotConfigured,
    PaymentProviderError,
    RefundRejected,
)
from apps.payments.gateways.paypal import PayPalGateway, _Client
from apps.payments.gateways.registry import in_test_mode
from apps.payments.models import Payment, Refund, WebhookEvent
from apps.payments.selectors import get_gateway_config
from config.celery import app as celery_app
from tests.concurrency import run_concurrently
from tests.factories.payments import OrderFactory, create_reserved_order
from tests.payments.conftest import (
    PAYPAL_CLIENT_ID,
    PAYPAL_SECRET,
    PAYPAL_WEBHOOK_ID,
    configure_paypal,
    paypal_event,
    paypal_headers,
    post_paypal_webhook,
)

CAPTURE = r"/v2/checkout/orders/\w+/capture"
REFUND = r"/v2/payments/captures/\w+/refund"


@pytest.fixture
def eager_tasks():
    """Run queued tasks in place, so the confirmation email is sent (locmem) and counted."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def start(order: Order):
    return services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")


def started_payment(order: Order) -> Payment:
    return Payment.objects.get(pk=start(order).payment_id)


def return_path(payment: Payment) -> str:
    return f"/payments/{payment.token}/return/?token={payment.external_id}&PayerID=FAKEPAYER1"


def approve_at_paypal(payment: Payment) -> str:
    """Open the approve link as the shopper's browser would; the store path PayPal sends
    them back to."""
    response = requests.get(payment.approval_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    return f"{location.path}?{location.query}"


def paid_order(store_client, fake_paypal) -> tuple[Order, Payment]:
    order = create_reserved_order()
    payment = started_payment(order)
    fake_paypal.approve(payment.external_id)
    store_client.get(return_path(payment))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order, payment


def capture_resource(fake_paypal, payment: Payment, **changes) -> dict:
    """The capture of ``payment`` as a PAYMENT.CAPTURE.* event carries it."""
    [capture] = [
        c
        for c in fake_paypal.captures.values()
        if c["supplementary_data"]["related_ids"]["order_id"] == payment.external_id
    ]
    return {**capture, **changes}


def approved_resource(fake_paypal, payment: Payment) -> dict:
    return {**fake_paypal.orders[payment.external_id]}


# --- starting a payment ----------------------------------------------------------------------


@pytest.mark.django_db
def test_start_payment_creates_a_capture_order_with_invoice_id_and_request_id(paypal_store):
    order = create_reserved_order(quantity=3, unit_price=Decimal("12.50"))

    payment_start = start(order)

    payment = Payment.objects.get(pk=payment_start.payment_id)
    [request] = paypal_store.posts("/v2/checkout/orders")
    unit = request.body["purchase_units"][0]
    context = request.body["payment_source"]["paypal"]["experience_context"]
    assert request.request_id == f"payment-{payment.idempotency_key}"
    assert request.bearer in paypal_store.tokens
    assert request.body["intent"] == "CAPTURE"
    assert unit["amount"] == {"currency_code": "USD", "value": "37.50"}
    assert unit["invoice_id"] == str(order.number)
    assert unit["custom_id"] == f"{connection.schema_name}:{payment.token.hex}"
    assert context["return_url"].endswith(f"/payments/{payment.token}/return/")
    assert context["cancel_url"].endswith(f"/payments/{payment.token}/cancel/")
    assert context["return_url"].startswith("http")
    assert payment.external_id == payment_start.external_id
    assert payment.approval_url == f"{paypal_store.url}/checkoutnow?token={payment.external_id}"
    assert payment.mode == "test"
    assert payment_start.redirect_url == f"/payments/{payment.token}/"


@pytest.mark.django_db
def test_oauth_token_is_fetched_once_and_reused_across_calls(paypal_store):
    cache.delete(_Client(get_gateway_config("paypal")).token_key)  # cached by an earlier test

    start(create_reserved_order())
    start(create_reserved_order())

    token_requests = [r for r in paypal_store.requests if r.path == "/v1/oauth2/token"]
    first, second = paypal_store.posts("/v2/checkout/orders")
    assert len(token_requests) == 1
    assert first.bearer == second.bearer in paypal_store.tokens


@pytest.mark.django_db
def test_a_cached_token_paypal_no_longer_accepts_is_dropped(paypal_store):
    start(create_reserved_order())
    paypal_store.tokens.clear()  # PayPal revoked it
    with pytest.raises(PaymentProviderError):
        start(create_reserved_order())

    start(create_reserved_order())

    assert len(paypal_store.posts("/v2/checkout/orders")) == 3
    assert paypal_store.requests[-2].path == "/v1/oauth2/token"


@pytest.mark.django_db
def test_zero_decimal_currency_is_sent_without_decimals(paypal_store):
    order = OrderFactory(currency="JPY", subtotal=Decimal("1500"), total=Decimal("1500"))

    start(order)

    [request] = paypal_store.posts("/v2/checkout/orders")
    assert request.body["purchase_units"][0]["amount"] == {"currency_code": "JPY", "value": "1500"}


@pytest.mark.django_db
def test_currency_paypal_does_not_take_is_a_clear_error_without_a_call(paypal_store):
    order = OrderFactory(currency="ISK", subtotal=Decimal("1500"), total=Decimal("1500"))

    with pytest.raises(GatewayNotConfigured):
        start(order)

    assert paypal_store.api_requests() == []


@pytest.mark.django_db
def test_starting_again_after_a_provider_failure_reuses_the_request_id(paypal_store):
    order = create_reserved_order()
    paypal_store.respond_next(503, {"name": "SERVICE_UNAVAILABLE", "message": "Down"})
    with pytest.raises(PaymentProviderError):
        start(order)

    payment = started_payment(order)

    first, second = paypal_store.posts("/v2/checkout/orders")
    assert first.request_id == second.request_id == f"payment-{payment.idempotency_key}"
    assert Payment.objects.filter(order=order).count() == 1
    assert payment.approval_url


@pytest.mark.django_db
def test_wrong_client_secret_is_a_provider_error_and_opens_nothing(paypal_store):
    configure_paypal(secret="wrong-secret")
    order = create_reserved_order()

    with pytest.raises(PaymentProviderError) as error:
        start(order)

    assert "client ID and secret" in error.value.message
    assert paypal_store.posts("/v2/checkout/orders") == []
    assert Payment.objects.get(order=order).external_id is None


@pytest.mark.django_db
def test_payment_page_shows_the_paypal_button_to_the_approve_link(paypal_store, store_client):
    payment = started_payment(create_reserved_order())

    response = store_client.get(f"/payments/{payment.token}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="{payment.approval_url}"' in body
    assert "with PayPal" in body
    assert PAYPAL_SECRET not in body


# --- the shopper's round trip ------------------------------------------------------------------


@pytest.mark.django_db
def test_paypal_purchase_end_to_end(
    paypal_store, store_client, eager_tasks, django_capture_on_commit_callbacks
):
    order = create_reserved_order(quantity=2)
    checkout = start(order)
    page = store_client.get(checkout.redirect_url)
    payment = Payment.objects.get(pk=checkout.payment_id)
    assert payment.approval_url in page.content.decode()

    back_at_store = approve_at_paypal(payment)
    with django_capture_on_commit_callbacks(execute=True):
        response = store_client.get(back_at_store)

    order.refresh_from_db()
    payment.refresh_from_db()
    [capture] = paypal_store.posts(CAPTURE)
    level = StockLevel.objects.get(variant=order.lines.get().variant)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.token}/"
    assert capture.request_id.startswith(f"capture-{payment.idempotency_key}-")
    assert order.status == Order.Status.PAID
    assert payment.status == Payment.Status.SUCCEEDED and payment.applied_to_order
    assert [m.delta for m in StockMovement.objects.filter(order_reference=str(order.number))] == [
        -2
    ]
    assert (level.on_hand, level.reserved) == (8, 0)
    assert len(mail.outbox) == 1 and str(order.number) in mail.outbox[0].subject


@pytest.mark.django_db
def test_cancel_url_returns_to_the_payment_page_with_the_hold_intact(paypal_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)

    response = store_client.get(f"/payments/{payment.token}/cancel/?token={payment.external_id}")
    page = store_client.get(response["Location"])

    order.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/payments/{payment.token}/"
    assert "still held" in page.content.decode()
    assert order.status == Order.Status.PENDING
    assert Reservation.objects.filter(
        reference=order.reservation_reference, state=Reservation.State.ACTIVE
    ).exists()
    assert paypal_store.posts(CAPTURE) == []


@pytest.mark.django_db
def test_return_before_approving_changes_nothing(paypal_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)

    response = store_client.get(return_path(payment))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert response.status_code == 302
    assert order.status == Order.Status.PENDING
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_instrument_declined_sends_the_shopper_back_to_paypal_and_a_new_approval_pays(
    paypal_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    paypal_store.next_capture("instrument_declined")

    declined = store_client.get(return_path(payment))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert declined.status_code == 302 and declined["Location"] == payment.approval_url
    assert order.status == Order.Status.PENDING
    assert order.payment_status == Order.PaymentStatus.FAILED
    assert payment.status == Payment.Status.FAILED

    paypal_store.approve(payment.external_id)  # another funding source, same PayPal order
    store_client.get(return_path(payment))

    order.refresh_from_db()
    first, second = paypal_store.posts(CAPTURE)
    assert order.status == Order.Status.PAID
    assert first.request_id != second.request_id  # a new attempt, not a replay of the decline
    assert len(paypal_store.posts("/v2/checkout/orders")) == 1


@pytest.mark.django_db
def test_declined_capture_leaves_the_order_pending_and_the_shopper_can_retry(
    paypal_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    first_paypal_order = payment.external_id
    paypal_store.approve(first_paypal_order)
    paypal_store.next_capture("declined")

    declined = store_client.get(return_path(payment))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert declined["Location"] == f"/payments/{payment.token}/"
    assert order.status == Order.Status.PENDING
    assert order.payment_status == Order.PaymentStatus.FAILED
    assert payment.status == Payment.Status.FAILED and payment.external_id is None

    # Back on our payment page: a new PayPal order (the declined one is finished).
    page = store_client.get(declined["Location"])
    payment.refresh_from_db()
    assert page.status_code == 200 and payment.approval_url in page.content.decode()
    assert payment.external_id not in (None, first_paypal_order)
    first_create, second_create = paypal_store.posts("/v2/checkout/orders")
    assert first_create.request_id != second_create.request_id

    store_client.get(approve_at_paypal(payment))

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_capture_that_times_out_is_retried_with_the_same_request_id(
    paypal_store, store_client, settings
):
    settings.PAYPAL_TIMEOUT = 0.5
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    paypal_store.delay_next(1.5)  # PayPal captures, but its answer comes too late

    timed_out = store_client.get(return_path(payment))
    order.refresh_from_db()
    assert timed_out["Location"] == f"/orders/{order.token}/"  # "awaiting payment"
    assert order.status == Order.Status.PENDING

    store_client.get(return_path(payment))  # the shopper reloads

    order.refresh_from_db()
    first, second = paypal_store.posts(CAPTURE)
    assert first.request_id == second.request_id
    assert len(paypal_store.captures) == 1
    assert order.status == Order.Status.PAID


@pytest.mark.django_db
def test_pending_capture_waits_for_the_completed_webhook(paypal_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    paypal_store.next_capture("pending")

    store_client.get(return_path(payment))
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    capture = capture_resource(paypal_store, payment, status="COMPLETED")
    response = post_paypal_webhook(store_client, paypal_event("PAYMENT.CAPTURE.COMPLETED", capture))

    order.refresh_from_db()
    assert response.json()["outcome"] == "succeeded"
    assert order.status == Order.Status.PAID


# --- webhooks ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_approved_webhook_captures_for_a_shopper_who_never_comes_back(
    paypal_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)

    response = post_paypal_webhook(
        store_client,
        paypal_event("CHECKOUT.ORDER.APPROVED", approved_resource(paypal_store, payment)),
    )

    order.refresh_from_db()
    [verify] = paypal_store.posts("/v1/notifications/verify-webhook-signature")
    assert response.status_code == 200 and response.json()["outcome"] == "succeeded"
    assert verify.body["webhook_id"] == PAYPAL_WEBHOOK_ID
    assert len(paypal_store.posts(CAPTURE)) == 1
    assert order.status == Order.Status.PAID


@pytest.mark.django_db
def test_webhook_replayed_five_times_captures_once_and_emails_once(
    paypal_store, store_client, eager_tasks, django_capture_on_commit_callbacks
):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    approved = paypal_event("CHECKOUT.ORDER.APPROVED", approved_resource(paypal_store, payment))

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [post_paypal_webhook(store_client, approved).json()["outcome"] for _ in range(5)]
    completed = paypal_event("PAYMENT.CAPTURE.COMPLETED", capture_resource(paypal_store, payment))
    with django_capture_on_commit_callbacks(execute=True):
        outcomes += [
            post_paypal_webhook(store_client, completed).json()["outcome"] for _ in range(5)
        ]

    assert outcomes == ["succeeded"] + ["duplicate"] * 4 + ["succeeded"] + ["duplicate"] * 4
    assert len(paypal_store.posts(CAPTURE)) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1
    assert StockMovement.objects.filter(order_reference=str(order.number)).count() == 1
    assert len(mail.outbox) == 1
    assert WebhookEvent.objects.count() == 2


def test_webhook_replayed_five_times_in_parallel_captures_once_and_emails_once(
    committed_store, fake_paypal, eager_tasks
):
    configure_paypal()
    order = create_reserved_order(quantity=2, on_hand=10)
    payment = started_payment(order)
    fake_paypal.approve(payment.external_id)
    approved = paypal_event("CHECKOUT.ORDER.APPROVED", approved_resource(fake_paypal, payment))

    def deliver():
        response = post_paypal_webhook(Client(HTTP_HOST=committed_store.primary_host), approved)
        return response.status_code, response.json()["outcome"]

    results = run_concurrently(deliver, [()] * 5, store=committed_store)

    order.refresh_from_db()
    level = StockLevel.objects.get(variant=order.lines.get().variant)
    assert sorted(results) == [(200, "duplicate")] * 4 + [(200, "succeeded")]
    assert len(fake_paypal.captures) == 1  # the concurrent captures met ORDER_ALREADY_CAPTURED
    assert order.status == Order.Status.PAID
    assert WebhookEvent.objects.count() == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1
    assert (level.on_hand, level.reserved) == (8, 0)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forgery",
    ["bad-signature", "other-webhook-id", "body-changed", "missing-headers", "wrong-cert"],
)
def test_forged_webhook_is_400_and_writes_nothing(paypal_store, store_client, forgery):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    payload = paypal_event("CHECKOUT.ORDER.APPROVED", approved_resource(paypal_store, payment))
    headers = {
        "bad-signature": paypal_headers(payload, HTTP_PAYPAL_TRANSMISSION_SIG="Zm9yZ2Vk"),
        "other-webhook-id": paypal_headers(payload, webhook_id="WH-OF-ANOTHER-APP"),
        "body-changed": paypal_headers(payload),
        "missing-headers": {"HTTP_PAYPAL_TRANSMISSION_ID": "x"},
        "wrong-cert": paypal_headers(payload, HTTP_PAYPAL_CERT_URL="https://evil.test/cert"),
    }[forgery]
    if forgery == "body-changed":
        payload = payload.replace('"1.0"', '"1.1"')

    response = post_paypal_webhook(store_client, payload, **headers)

    order.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"
    assert not WebhookEvent.objects.exists()
    assert order.status == Order.Status.PENDING
    assert paypal_store.posts(CAPTURE) == []


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json", "[]", '{"id": 5, "resource": {}}', "\xff"])
def test_malformed_webhook_bodies_are_400_never_500(paypal_store, store_client, body):
    response = post_paypal_webhook(store_client, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"


@pytest.mark.django_db
def test_webhook_without_a_webhook_id_configured_is_refused(paypal_store, store_client):
    configure_paypal(webhook_id="")
    payload = paypal_event("PAYMENT.CAPTURE.COMPLETED", {"id": "3C1"})

    response = post_paypal_webhook(store_client, payload)

    assert response.status_code == 400
    assert paypal_store.api_requests() == []


@pytest.mark.django_db
def test_verification_unreachable_is_502_so_paypal_redelivers(paypal_store, store_client):
    paypal_store.respond_next(500, {"name": "INTERNAL_SERVER_ERROR", "message": "Oops"})
    payload = paypal_event("PAYMENT.CAPTURE.COMPLETED", {"id": "3C1"})

    response = post_paypal_webhook(store_client, payload)

    assert response.status_code == 502
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_events_out_of_order_never_unpay_or_capture_twice(paypal_store, store_client):
    order, payment = paid_order(store_client, paypal_store)
    capture = capture_resource(paypal_store, payment)

    denied = post_paypal_webhook(
        store_client, paypal_event("PAYMENT.CAPTURE.DENIED", {**capture, "status": "DECLINED"})
    )
    approved = post_paypal_webhook(
        store_client,
        paypal_event("CHECKOUT.ORDER.APPROVED", approved_resource(paypal_store, payment)),
    )
    completed = post_paypal_webhook(
        store_client, paypal_event("PAYMENT.CAPTURE.COMPLETED", capture)
    )

    order.refresh_from_db()
    payment.refresh_from_db()
    assert denied.json()["outcome"] == "ignored: payment already settled"
    assert approved.json()["outcome"] == "ignored: payment already settled"
    assert completed.json()["outcome"] == "succeeded"
    assert order.status == Order.Status.PAID and payment.status == Payment.Status.SUCCEEDED
    assert len(paypal_store.posts(CAPTURE)) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1


@pytest.mark.django_db
def test_capture_denied_before_completion_fails_the_payment(paypal_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    paypal_store.next_capture("pending")
    store_client.get(return_path(payment))
    capture = capture_resource(paypal_store, payment, status="DECLINED")

    response = post_paypal_webhook(store_client, paypal_event("PAYMENT.CAPTURE.DENIED", capture))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert response.json()["outcome"] == "failed"
    assert order.status == Order.Status.PENDING
    assert order.payment_status == Order.PaymentStatus.FAILED
    assert payment.external_id is None  # the next visit to the payment page opens a new order


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "reason"),
    [({"currency_code": "USD", "value": "39.99"}, "Paid 39.99 USD"),
     ({"currency_code": "EUR", "value": "40.00"}, "Paid in EUR")],
)  # fmt: skip
def test_capture_whose_amount_or_currency_differs_is_not_applied_and_is_refunded(
    paypal_store, store_client, amount, reason
):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    paypal_store.orders[payment.external_id]["purchase_units"][0]["amount"] = amount

    store_client.get(return_path(payment))

    order.refresh_from_db()
    payment.refresh_from_db()
    [refund_call] = paypal_store.posts(REFUND)
    note = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.NOTE).first()
    assert order.status == Order.Status.PENDING and order.payment_status == "unpaid"
    assert reason in note.data["reason"]
    assert refund_call.body["amount"] == amount
    assert payment.status == Payment.Status.REFUNDED and not payment.applied_to_order
    assert not payment.refunds.get().applies_to_order


@pytest.mark.django_db
def test_event_for_another_stores_payment_is_ignored(paypal_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    resource = approved_resource(paypal_store, payment)
    resource["purchase_units"] = [
        {**resource["purchase_units"][0], "custom_id": f"otherstore:{payment.token.hex}"}
    ]

    response = post_paypal_webhook(store_client, paypal_event("CHECKOUT.ORDER.APPROVED", resource))

    order.refresh_from_db()
    assert response.json()["outcome"] == "ignored: another store's payment"
    assert paypal_store.posts(CAPTURE) == []
    assert order.status == Order.Status.PENDING


# --- refunds -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partial_then_full_refund_are_each_booked_once(paypal_store, store_client):
    order, payment = paid_order(store_client, paypal_store)

    partial = services.refund_order(order_id=order.id, amount=Decimal("15.00"), reason="damaged")
    partial_event = paypal_event(
        "PAYMENT.CAPTURE.REFUNDED", paypal_store.refund_resource(partial.external_id)
    )
    replayed = post_paypal_webhook(store_client, partial_event)
    rest = services.refund_order(order_id=order.id, amount=Decimal("25.00"))
    rest_event = paypal_event(
        "PAYMENT.CAPTURE.REFUNDED", paypal_store.refund_resource(rest.external_id)
    )
    replayed_rest = post_paypal_webhook(store_client, rest_event)

    order.refresh_from_db()
    payment.refresh_from_db()
    first, second = paypal_store.posts(REFUND)
    assert first.request_id == f"refund-{partial.idempotency_key}"
    assert first.body["amount"] == {"currency_code": "USD", "value": "15.00"}
    assert first.body["custom_id"] == partial.idempotency_key
    assert second.body["amount"]["value"] == "25.00"
    assert replayed.json()["outcome"] == replayed_rest.json()["outcome"] == "refunds booked: 0"
    assert partial.status == rest.status == Refund.Status.SUCCEEDED
    assert order.amount_refunded == Decimal("40.00") and order.status == Order.Status.REFUNDED
    assert payment.status == Payment.Status.REFUNDED
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.REFUNDED).count() == 2


@pytest.mark.django_db
def test_refund_webhook_arriving_before_our_call_returns_is_booked_once(
    paypal_store, store_client, monkeypatch
):
    order, payment = paid_order(store_client, paypal_store)
    real_refund = PayPalGateway.refund
    outcomes = []

    def refund_then_webhook_arrives(self, payment, **kwargs):
        result = real_refund(self, payment, **kwargs)
        event = paypal_event(
            "PAYMENT.CAPTURE.REFUNDED", paypal_store.refund_resource(result.external_id)
        )
        outcomes.append(post_paypal_webhook(store_client, event).json()["outcome"])
        return result

    monkeypatch.setattr(PayPalGateway, "refund", refund_then_webhook_arrives)

    refund = services.refund_order(order_id=order.id, amount=Decimal("10.00"))

    order.refresh_from_db()
    assert outcomes == ["refunds booked: 1"]
    assert refund.status == Refund.Status.SUCCEEDED
    assert Refund.objects.count() == 1
    assert order.amount_refunded == Decimal("10.00")
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.REFUNDED).count() == 1


@pytest.mark.django_db
def test_refund_made_at_paypal_is_booked_once_from_its_webhook(paypal_store, store_client):
    order, payment = paid_order(store_client, paypal_store)
    capture_id = capture_resource(paypal_store, payment)["id"]
    answer = requests.post(  # the merchant refunds 10.00 in PayPal's dashboard
        f"{paypal_store.url}/v2/payments/captures/{capture_id}/refund",
        json={"amount": {"currency_code": "USD", "value": "10.00"}},
        headers={"Authorization": f"Bearer {next(iter(paypal_store.tokens))}"},
        timeout=5,
    ).json()
    event = paypal_event("PAYMENT.CAPTURE.REFUNDED", paypal_store.refund_resource(answer["id"]))

    first = post_paypal_webhook(store_client, event)
    again = post_paypal_webhook(store_client, event)

    order.refresh_from_db()
    assert first.json()["outcome"] == "refunds booked: 1"
    assert again.json()["outcome"] == "duplicate"
    assert order.amount_refunded == Decimal("10.00")
    assert Refund.objects.get().external_id == answer["id"]


@pytest.mark.django_db
def test_refund_paypal_rejects_raises_and_books_nothing(paypal_store, store_client):
    order, payment = paid_order(store_client, paypal_store)
    capture_id = capture_resource(paypal_store, payment)["id"]
    paypal_store.captures[capture_id]["status"] = "REFUNDED"  # refunded at PayPal meanwhile
    paypal_store._sync_order_capture(capture_id)

    with pytest.raises(RefundRejected):
        services.refund_order(order_id=order.id, amount=Decimal("10.00"))

    order.refresh_from_db()
    assert order.amount_refunded == 0 and order.payment_status == "paid"
    assert payment.refunds.get().status == Refund.Status.FAILED


@pytest.mark.django_db
def test_refund_paypal_answers_with_an_issue_is_rejected_with_it(paypal_store, store_client):
    order, payment = paid_order(store_client, paypal_store)
    paypal_store.respond_next(200, approved_resource(paypal_store, payment))  # the order read
    paypal_store.respond_next(
        422,
        {"name": "UNPROCESSABLE_ENTITY", "message": "x", "debug_id": "1",
         "details": [{"issue": "REFUND_TIME_LIMIT_EXCEEDED"}]},
    )  # fmt: skip

    with pytest.raises(RefundRejected) as error:
        services.refund_order(order_id=order.id, amount=Decimal("10.00"))

    assert "REFUND_TIME_LIMIT_EXCEEDED" in error.value.message


# --- settings and modes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_sandbox_is_test_mode_and_live_needs_the_platform_to_allow_it(paypal_store, settings):
    from django.core.exceptions import ValidationError

    settings.ALLOW_LIVE_PAYMENTS = False
    assert in_test_mode("paypal")

    with pytest.raises(ValidationError) as error:
        configure_paypal(mode="live")

    assert "mode" in error.value.message_dict
    settings.ALLOW_LIVE_PAYMENTS = True
    configure_paypal(mode="live")
    assert not in_test_mode("paypal")


@pytest.mark.django_db
def test_environment_must_be_sandbox_or_live(paypal_store):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        configure_paypal(mode="production")

    assert "mode" in error.value.message_dict


@pytest.mark.django_db
def test_the_secret_is_write_only_in_the_store_settings(paypal_store):
    from apps.payments.selectors import get_gateway_config

    config = get_gateway_config("paypal")

    assert config.values == {
        "client_id": PAYPAL_CLIENT_ID, "webhook_id": PAYPAL_WEBHOOK_ID, "mode": "sandbox",
    }  # fmt: skip
    assert config.secrets == {"client_secret": PAYPAL_SECRET}
    assert [f.key for f in PayPalGateway.settings_fields if f.secret] == ["client_secret"]


@pytest.mark.django_db
def test_webhook_event_body_reaches_paypal_byte_for_byte(paypal_store, store_client):
    payload = paypal_event("CUSTOMER.DISPUTE.CREATED", {"id": "PP-D-1"})

    response = post_paypal_webhook(store_client, payload)

    [verify] = paypal_store.posts("/v1/notifications/verify-webhook-signature")
    assert response.json()["outcome"] == "ignored: event type not handled"
    assert verify.raw.endswith(f'"webhook_event": {payload}}}')
    assert json.loads(verify.raw)["webhook_event"] == json.loads(payload)


# --- the REST API ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_order_answers_with_our_payment_page_and_paypals_approve_link(
    paypal_store, store, store_client
):
    from rest_framework.test import APIClient

    from tests.factories.checkout import ShippingMethodFactory
    from tests.shopping import ADDRESS, stocked_variant

    variant = stocked_variant(price="10.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))
    body = {
        "items": [{"variant_id": variant.id, "quantity": 2}], "email": "app@example.test",
        "shipping_address": ADDRESS, "shipping_method": method.id,
    }  # fmt: skip

    response = APIClient(HTTP_HOST=store.primary_host).post("/api/v1/orders", body, format="json")

    answer = response.json()
    payment = Payment.objects.get(order__number=answer["number"])
    assert response.status_code == 201, answer
    assert answer["payment"]["url"].endswith(f"/payments/{payment.token}/")
    assert answer["payment"]["approval_url"] == payment.approval_url
    [created] = paypal_store.posts("/v2/checkout/orders")
    assert created.body["purchase_units"][0]["amount"]["value"] == answer["total"] == "25.00"

    store_client.get(approve_at_paypal(payment))

    assert Order.objects.get(number=answer["number"]).status == Order.Status.PAID


@pytest.mark.django_db
def test_capture_paypal_refuses_for_good_fails_visibly_and_the_retry_opens_a_new_order(
    paypal_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    paypal_store.approve(payment.external_id)
    paypal_store.respond_next(
        422,
        {"name": "UNPROCESSABLE_ENTITY", "message": "x", "debug_id": "1",
         "details": [{"issue": "ORDER_EXPIRED"}]},
    )  # fmt: skip

    response = store_client.get(return_path(payment))
    page = store_client.get(response["Location"])

    payment.refresh_from_db()
    assert response["Location"] == f"/payments/{payment.token}/"
    assert "ORDER_EXPIRED" in page.content.decode()
    assert payment.status == Payment.Status.FAILED
    assert len(paypal_store.posts("/v2/checkout/orders")) == 2  # the page opened a new one
    assert payment.approval_url in page.content.decode()


@pytest.mark.django_db
def test_storefront_checkout_to_paypal_and_back(paypal_store, store_client):
    import re

    from tests.factories.checkout import ShippingMethodFactory
    from tests.shopping import ADDRESS, stocked_variant

    lamp = stocked_variant(price="20.00", stock=5)
    method = ShippingMethodFactory(price=Decimal("5.00"))
    store_client.post("/cart/add/", {"variant_id": lamp.id, "quantity": 2})
    token = re.search(r"/checkout/([0-9a-f-]{36})/", store_client.post("/checkout/")["Location"])[1]
    answers = {"email": "ada@example.test", **ADDRESS, "method": method.id, "action": "pay"}

    to_gateway = store_client.post(f"/checkout/{token}/", answers)
    paypal_page = store_client.get(to_gateway["Location"]).content.decode()
    order = Order.objects.get()
    payment = order.payments.get()
    back = store_client.get(approve_at_paypal(payment))

    order.refresh_from_db()
    assert f'href="{payment.approval_url}"' in paypal_page and "45.00" in paypal_page
    assert back["Location"] == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID and order.total == Decimal("45.00")
    assert StockLevel.objects.get(variant=lamp).on_hand == 3


@pytest.mark.django_db
def test_sandbox_takes_no_payment_where_the_platform_takes_no_test_payments(paypal_store, settings):
    from apps.payments.exceptions import TestPaymentsNotAllowed

    settings.ALLOW_TEST_PAYMENTS = False
    order = create_reserved_order()

    with pytest.raises(TestPaymentsNotAllowed):
        start(order)

    assert paypal_store.api_requests() == []
    assert not Payment.objects.filter(order=order).exists()
