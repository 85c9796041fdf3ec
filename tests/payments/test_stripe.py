"""The Stripe gateway: the real SDK against a local server speaking Stripe's wire format, and
webhooks signed with Stripe's scheme and verified by ``stripe.Webhook.construct_event``."""

import json
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from apps.inventory.models import StockMovement
from apps.orders import services as order_services
from apps.orders.models import Order, OrderEvent
from apps.payments import services
from apps.payments.exceptions import GatewayNotConfigured, PaymentProviderError, RefundRejected
from apps.payments.gateways.stripe import StripeGateway
from apps.payments.models import Payment, Refund, WebhookEvent
from apps.payments.selectors import get_gateway_config
from tests.conftest import STORE_SPEC
from tests.factories.payments import OrderFactory, create_reserved_order
from tests.payments.conftest import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_PATH,
    configure_stripe,
    intent_object,
    post_webhook,
    sign,
    stripe_event,
)


def start(order: Order):
    return services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")


def started_payment(order: Order) -> Payment:
    return Payment.objects.get(pk=start(order).payment_id)


def succeeded_event(payment: Payment, **intent) -> str:
    return stripe_event("payment_intent.succeeded", intent_object(payment, **intent))


def paid_order(store_client, fake_stripe) -> tuple[Order, Payment]:
    order = create_reserved_order()
    payment = started_payment(order)
    fake_stripe.succeed(payment.external_id)
    assert post_webhook(store_client, succeeded_event(payment)).status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


def charge_refunded_event(fake_stripe, payment: Payment, *, embed: bool = True) -> str:
    refunds = [
        r for r in fake_stripe.refunds.values() if r["payment_intent"] == payment.external_id
    ]
    charge = {
        "id": "ch_test",
        "object": "charge",
        "payment_intent": payment.external_id,
        "amount": int(payment.amount * 100),
        "amount_refunded": sum(r["amount"] for r in refunds),
        "currency": payment.currency.lower(),
        "refunded": True,
    }
    if embed:
        charge["refunds"] = {"object": "list", "data": refunds, "has_more": False}
    return stripe_event("charge.refunded", charge)


# --- starting a payment ----------------------------------------------------------------------


@pytest.mark.django_db
def test_start_payment_creates_a_payment_intent_with_the_stores_key_and_an_idempotency_key(
    stripe_store,
):
    order = create_reserved_order(quantity=3, unit_price=Decimal("12.50"))

    payment_start = start(order)

    payment = Payment.objects.get(pk=payment_start.payment_id)
    [request] = stripe_store.posts("/v1/payment_intents")
    assert request.api_key == SECRET_KEY
    assert request.idempotency_key == f"payment-{payment.idempotency_key}"
    assert request.params["amount"] == "3750"
    assert request.params["currency"] == "usd"
    assert request.params["metadata"]["mercato_payment"] == payment.token.hex
    assert request.params["metadata"]["mercato_store"] == connection.schema_name
    assert payment.external_id == payment_start.external_id
    assert payment.external_id.startswith("pi_")
    assert payment.client_secret == payment_start.client_secret != ""
    assert payment_start.redirect_url == f"/payments/{payment.token}/"


@pytest.mark.django_db
def test_zero_decimal_currency_is_sent_in_whole_units(stripe_store):
    order = OrderFactory(currency="JPY", subtotal=Decimal("1500"), total=Decimal("1500"))

    start(order)

    [request] = stripe_store.posts("/v1/payment_intents")
    assert (request.params["amount"], request.params["currency"]) == ("1500", "jpy")


@pytest.mark.django_db
def test_sdk_retry_after_a_server_error_reuses_the_idempotency_key(stripe_store):
    order = create_reserved_order()
    stripe_store.respond_next(500, {"error": {"type": "api_error", "message": "Try again"}})

    payment = started_payment(order)

    first, second = stripe_store.posts("/v1/payment_intents")
    assert first.idempotency_key == second.idempotency_key == f"payment-{payment.idempotency_key}"
    assert payment.external_id.startswith("pi_")


@pytest.mark.django_db
def test_starting_again_after_a_provider_failure_asks_with_the_same_idempotency_key(stripe_store):
    order = create_reserved_order()
    stripe_store.respond_next(
        503, {"error": {"type": "api_error", "message": "Down"}}, {"Stripe-Should-Retry": "false"}
    )
    with pytest.raises(PaymentProviderError):
        start(order)

    payment = started_payment(order)

    first, second = stripe_store.posts("/v1/payment_intents")
    assert first.idempotency_key == second.idempotency_key
    assert Payment.objects.filter(order=order).count() == 1
    assert payment.client_secret


@pytest.mark.django_db
def test_reloading_the_payment_reuses_the_intent_without_calling_stripe(stripe_store):
    order = create_reserved_order()
    first = start(order)

    second = start(order)

    assert (second.external_id, second.client_secret) == (first.external_id, first.client_secret)
    assert len(stripe_store.posts("/v1/payment_intents")) == 1


@pytest.mark.django_db
def test_stripe_without_a_secret_key_is_a_clear_error(stripe_store):
    configure_stripe(secret_key="")
    order = create_reserved_order()

    with pytest.raises(GatewayNotConfigured) as error:
        start(order)

    assert error.value.http_status == 409
    assert stripe_store.requests == []


@pytest.mark.django_db
def test_payment_page_renders_the_payment_element_server_side(stripe_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)

    response = store_client.get(f"/payments/{payment.token}/")

    body = response.content.decode()
    config = json.loads(body.split('id="stripe-config" type="application/json">')[1].split("<")[0])
    assert response.status_code == 200
    assert '<script src="https://js.stripe.com/v3/"' in body
    assert 'id="payment-element"' in body and "<noscript>" in body
    assert config["publishableKey"] == PUBLISHABLE_KEY
    assert config["clientSecret"] == payment.client_secret
    assert config["returnUrl"].endswith(f"/payments/{payment.token}/return/")
    assert SECRET_KEY not in body


# --- webhooks: payment outcomes ----------------------------------------------------------------


@pytest.mark.django_db
def test_payment_intent_succeeded_pays_the_order_and_commits_stock(stripe_store, store_client):
    order = create_reserved_order(quantity=2)
    payment = started_payment(order)

    response = post_webhook(store_client, succeeded_event(payment))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "succeeded"}
    assert order.status == Order.Status.PAID
    assert payment.status == Payment.Status.SUCCEEDED and payment.applied_to_order
    assert StockMovement.objects.filter(order_reference=str(order.number)).count() == 1


@pytest.mark.django_db
def test_event_delivered_five_times_is_processed_once(stripe_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    payload = succeeded_event(payment)

    responses = [post_webhook(store_client, payload) for _ in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert [r.json()["outcome"] for r in responses] == ["succeeded"] + ["duplicate"] * 4
    assert WebhookEvent.objects.count() == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1
    assert StockMovement.objects.filter(order_reference=str(order.number)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        "t=1700000000,v1=deadbeef",
        "garbage",
        "",
        # A valid signature of another body. Its timestamp changes the value: a fixed id keeps
        # the test's name the same in every pytest-xdist worker's collection.
        pytest.param(sign("{}"), id="signature-of-another-body"),
    ],
)
def test_bad_signature_is_400_json_and_changes_nothing(stripe_store, store_client, signature):
    order = create_reserved_order()
    payment = started_payment(order)

    response = post_webhook(store_client, succeeded_event(payment), signature=signature)

    order.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"
    assert order.status == Order.Status.PENDING
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_signature_older_than_the_tolerance_is_rejected(stripe_store, store_client):
    payment = started_payment(create_reserved_order())
    payload = succeeded_event(payment)

    response = post_webhook(
        store_client, payload, signature=sign(payload, timestamp=int(time.time()) - 3600)
    )

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json", "[]", '{"id": 5, "data": {}}', "\xff"])
def test_malformed_bodies_are_400_never_500(stripe_store, store_client, body):
    response = post_webhook(store_client, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"


@pytest.mark.django_db
def test_webhook_answers_405_to_get_and_404_for_unknown_gateways(stripe_store, store_client):
    unknown = store_client.post("/payments/bitcoin/webhook/", data="{}", content_type="text/plain")
    no_webhooks = store_client.post("/payments/test/webhook/", data="{}", content_type="text/plain")

    assert store_client.get(WEBHOOK_PATH).status_code == 405
    assert unknown.status_code == 404
    assert no_webhooks.status_code == 400


@pytest.mark.django_db
def test_event_for_an_unknown_payment_is_acknowledged_and_ignored(stripe_store, store_client):
    payload = stripe_event(
        "payment_intent.succeeded",
        {"id": "pi_unknown", "object": "payment_intent", "amount": 500, "currency": "usd",
         "amount_received": 500, "status": "succeeded", "metadata": {}},
    )  # fmt: skip

    response = post_webhook(store_client, payload)

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: unknown payment"


@pytest.mark.django_db
def test_event_types_we_do_not_handle_are_acknowledged(stripe_store, store_client):
    response = post_webhook(store_client, stripe_event("customer.created", {"id": "cus_1"}))

    assert response.status_code == 200
    assert response.json()["outcome"].startswith("ignored")


@pytest.mark.django_db
def test_succeeded_event_that_beats_our_own_write_of_the_intent_id_finds_the_payment(
    stripe_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    Payment.objects.filter(pk=payment.pk).update(external_id=None)

    response = post_webhook(store_client, succeeded_event(payment))

    payment.refresh_from_db()
    assert response.json()["outcome"] == "succeeded"
    assert payment.external_id.startswith("pi_")


@pytest.mark.django_db
def test_payment_failed_keeps_the_order_pending_and_a_later_success_pays_it(
    stripe_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    failed = stripe_event(
        "payment_intent.payment_failed",
        intent_object(payment, status="requires_payment_method", error="Your card was declined."),
    )

    post_webhook(store_client, failed)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.payment_status == Order.PaymentStatus.FAILED
    assert payment.failure_message == "Your card was declined."

    post_webhook(store_client, succeeded_event(payment))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.django_db
def test_payment_failed_arriving_after_succeeded_does_not_unpay(stripe_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    failed = stripe_event(
        "payment_intent.payment_failed",
        intent_object(payment, status="requires_payment_method", error="Declined"),
    )

    post_webhook(store_client, succeeded_event(payment))
    response = post_webhook(store_client, failed)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert response.json()["outcome"] == "ignored: payment already settled"
    assert order.status == Order.Status.PAID and order.payment_status == "paid"
    assert payment.status == Payment.Status.SUCCEEDED
    assert not OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAYMENT_FAILED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("intent", "reason"),
    [({"amount": 3999}, "Paid 39.99 USD"), ({"currency": "eur"}, "Paid in EUR")],
)
def test_intent_whose_amount_or_currency_differs_is_not_applied_and_is_refunded(
    stripe_store, store_client, intent, reason
):
    order = create_reserved_order()
    payment = started_payment(order)
    stripe_store.succeed(payment.external_id)
    stripe_store.intents[payment.external_id].update(
        amount_received=intent.get("amount", 4000), currency=intent.get("currency", "usd")
    )

    response = post_webhook(store_client, succeeded_event(payment, **intent))

    order.refresh_from_db()
    payment.refresh_from_db()
    [refund_call] = stripe_store.posts("/v1/refunds")
    note = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.NOTE).first()
    assert response.json()["outcome"] == "not applied: refunding"
    assert order.status == Order.Status.PENDING and order.payment_status == "unpaid"
    assert reason in note.data["reason"]
    assert refund_call.params["payment_intent"] == payment.external_id
    assert payment.status == Payment.Status.REFUNDED and not payment.applied_to_order
    assert not payment.refunds.get().applies_to_order


@pytest.mark.django_db
def test_money_arriving_for_a_cancelled_order_is_refunded_automatically(stripe_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    stripe_store.succeed(payment.external_id)
    order_services.cancel_order(order_id=order.id, reason="reservation expired")

    post_webhook(store_client, succeeded_event(payment))

    order.refresh_from_db()
    payment.refresh_from_db()
    [refund_call] = stripe_store.posts("/v1/refunds")
    assert order.status == Order.Status.CANCELLED
    assert refund_call.params["amount"] == "4000"
    assert refund_call.idempotency_key == f"refund-auto-{payment.idempotency_key}"
    assert payment.status == Payment.Status.REFUNDED


@pytest.mark.django_db
def test_automatic_refund_that_fails_is_noted_and_can_be_retried(stripe_store, store_client):
    order = create_reserved_order()
    payment = started_payment(order)
    stripe_store.succeed(payment.external_id)
    order_services.cancel_order(order_id=order.id)
    stripe_store.respond_next(
        400, {"error": {"type": "invalid_request_error", "code": "x", "message": "No"}}
    )

    post_webhook(store_client, succeeded_event(payment))
    payment.refresh_from_db()
    assert payment.refunds.get().status == Refund.Status.FAILED
    assert OrderEvent.objects.filter(order=order, message__startswith="Automatic refund failed")

    refund = services.refund_unapplied_payment(payment_id=payment.id)

    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.status == Payment.Status.REFUNDED
    assert Refund.objects.count() == 1


# --- the shopper's return URL -----------------------------------------------------------------


@pytest.mark.django_db
def test_return_url_marks_paid_only_when_stripe_says_the_intent_succeeded(
    stripe_store, store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    return_url = f"/payments/{payment.token}/return/?payment_intent={payment.external_id}"

    before = store_client.get(return_url + "&redirect_status=succeeded")
    order.refresh_from_db()
    assert before.status_code == 302 and order.status == Order.Status.PENDING

    stripe_store.succeed(payment.external_id)
    after = store_client.get(return_url + "&redirect_status=succeeded")

    order.refresh_from_db()
    assert after.status_code == 302
    assert after["Location"] == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID


# --- refunds -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refund_order_refunds_at_stripe_with_an_idempotency_key_and_books_it(
    stripe_store, store_client
):
    order, payment = paid_order(store_client, stripe_store)

    refund = services.refund_order(order_id=order.id, amount=Decimal("15.00"), reason="damaged")

    order.refresh_from_db()
    [request] = stripe_store.posts("/v1/refunds")
    assert request.idempotency_key == f"refund-{refund.idempotency_key}"
    assert request.params["amount"] == "1500"
    assert request.params["metadata"]["mercato_refund"] == refund.idempotency_key
    assert refund.status == Refund.Status.SUCCEEDED and refund.external_id.startswith("re_")
    assert order.amount_refunded == Decimal("15.00")
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_REFUNDED


@pytest.mark.django_db
def test_refund_stripe_rejects_raises_and_books_nothing(stripe_store, store_client):
    order, payment = paid_order(store_client, stripe_store)
    stripe_store.respond_next(
        400,
        {"error": {"type": "invalid_request_error", "code": "charge_disputed",
                   "message": "This charge is disputed."}},
    )  # fmt: skip

    with pytest.raises(RefundRejected) as error:
        services.refund_order(order_id=order.id, amount=Decimal("10.00"))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert "disputed" in error.value.message
    assert order.amount_refunded == 0 and order.payment_status == "paid"
    assert payment.amount_refunded == 0
    assert payment.refunds.get().status == Refund.Status.FAILED


@pytest.mark.django_db
def test_charge_refunded_arriving_before_our_refund_call_returns_is_booked_once(
    stripe_store, store_client, monkeypatch
):
    order, payment = paid_order(store_client, stripe_store)
    real_refund = StripeGateway.refund
    outcomes = []

    def refund_then_webhook_arrives(self, payment, **kwargs):
        result = real_refund(self, payment, **kwargs)
        response = post_webhook(store_client, charge_refunded_event(stripe_store, payment))
        outcomes.append(response.json()["outcome"])
        return result

    monkeypatch.setattr(StripeGateway, "refund", refund_then_webhook_arrives)

    refund = services.refund_order(order_id=order.id, amount=Decimal("40.00"))

    order.refresh_from_db()
    assert outcomes == ["refunds booked: 1"]
    assert refund.status == Refund.Status.SUCCEEDED
    assert Refund.objects.count() == 1
    assert order.amount_refunded == Decimal("40.00") and order.status == Order.Status.REFUNDED
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.REFUNDED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("embed", [True, False], ids=["embedded", "listed-via-api"])
def test_refund_made_in_the_stripe_dashboard_is_booked_once(stripe_store, store_client, embed):
    order, payment = paid_order(store_client, stripe_store)
    stripe_store.refunds["re_dashboard"] = {
        "id": "re_dashboard", "object": "refund", "amount": 1000, "currency": "usd",
        "payment_intent": payment.external_id, "status": "succeeded", "metadata": {},
    }  # fmt: skip
    refund_created = stripe_event("refund.created", stripe_store.refunds["re_dashboard"])

    first = post_webhook(store_client, charge_refunded_event(stripe_store, payment, embed=embed))
    second = post_webhook(store_client, refund_created)

    order.refresh_from_db()
    assert first.json()["outcome"] == "refunds booked: 1"
    assert second.json()["outcome"] == "refunds booked: 0"
    assert order.amount_refunded == Decimal("10.00")
    assert Refund.objects.get().external_id == "re_dashboard"


# --- isolation ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_webhook_on_another_stores_host_cannot_touch_this_stores_payment(
    stripe_store, store, other_store, store_client, other_store_client
):
    order = create_reserved_order()
    payment = started_payment(order)
    payload = succeeded_event(payment)
    with schema_context(other_store.schema_name):
        configure_stripe(secret_key="sk_test_other", webhook_secret="whsec_other")

    wrong_secret = post_webhook(other_store_client, payload)  # signed with this store's secret
    own_secret = post_webhook(other_store_client, payload, secret="whsec_other")
    connection.set_tenant(store)

    order.refresh_from_db()
    assert wrong_secret.status_code == 400
    assert own_secret.status_code == 200
    assert own_secret.json()["outcome"] == "ignored: another store's payment"
    assert order.status == Order.Status.PENDING
    assert not WebhookEvent.objects.exists()
    assert get_gateway_config("stripe").secrets["webhook_secret"] != "whsec_other"


@pytest.mark.django_db
def test_refund_that_fails_later_at_stripe_is_flagged_on_the_order(stripe_store, store_client):
    order, payment = paid_order(store_client, stripe_store)
    refund = services.refund_order(order_id=order.id, amount=Decimal("40.00"))
    failed = {**stripe_store.refunds[refund.external_id], "status": "failed"}

    response = post_webhook(store_client, stripe_event("refund.updated", failed))

    note = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.NOTE).last()
    assert response.json()["outcome"] == "refunds booked: 0"
    assert f"refund {refund.external_id} as failed" in note.message


@pytest.mark.django_db
def test_provider_refund_larger_than_what_is_left_is_recorded_flagged_and_answered_200(
    stripe_store, store_client
):
    """A signed event that cannot be applied is not a 5xx the provider retries for days."""
    order, payment = paid_order(store_client, stripe_store)
    stripe_store.refunds["re_too_big"] = {
        "id": "re_too_big", "object": "refund", "amount": 999_900, "currency": "usd",
        "payment_intent": payment.external_id, "status": "succeeded", "metadata": {},
    }  # fmt: skip
    event = stripe_event("refund.created", stripe_store.refunds["re_too_big"])

    first = post_webhook(store_client, event)
    replay = post_webhook(store_client, event)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert first.status_code == 200 and replay.status_code == 200
    assert first.json()["outcome"].startswith("not applied: refund re_too_big of 9999.00")
    assert replay.json()["outcome"] == "duplicate"
    recorded = WebhookEvent.objects.get(event_id=json.loads(event)["id"])
    assert recorded.needs_attention and recorded.order_id == order.id
    assert order.amount_refunded == 0 and payment.amount_refunded == 0
    assert not Refund.objects.exists()
    note = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.NOTE).last()
    assert "re_too_big" in note.message and "check it at the provider" in note.message

    # The merchant sees it on the dashboard home until they mark it checked in the admin.
    owner = get_user_model().objects.get(email=STORE_SPEC["owner_email"])
    store_client.force_login(owner)
    home = store_client.get("/admin/").content.decode()
    assert "Payment events to check" in home and "re_too_big" in home
    changelist = "/admin/payments/webhookevent/"
    marked = store_client.post(
        changelist, {"action": "mark_checked", "_selected_action": [recorded.pk]}, follow=True
    )
    assert "1 event(s) marked as checked." in marked.content.decode()
    assert "Payment events to check" not in store_client.get("/admin/").content.decode()
