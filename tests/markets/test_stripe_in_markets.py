"""Stripe charges and refunds in the order's currency, in its minor units (the real SDK
against the local Stripe server)."""

from decimal import Decimal

import pytest

from apps.core.money import to_minor_units
from apps.payments import services as payment_services
from apps.payments.amounts import chargeable
from apps.payments.models import Payment
from tests.factories.checkout import ShippingMethodFactory
from tests.markets.test_checkout_in_markets import _cart_in
from tests.payments.conftest import configure_stripe, intent_object, post_webhook, stripe_event
from tests.shopping import ADDRESS, stocked_variant

pytestmark = pytest.mark.django_db


def _placed_order(currency: str):
    """An order placed in ``currency``: three stocked items (20.00, 12.99 and 5.00 in the
    store's currency) and 5.00 shipping, converted by the market."""
    from apps.checkout import services as checkout_services

    variants = [stocked_variant(price=p, stock=20) for p in ("20.00", "12.99", "5.00")]
    method = ShippingMethodFactory(price=Decimal("5.00"))
    checkout = checkout_services.start_checkout(cart=_cart_in(currency, variants))
    checkout_services.set_contact(checkout=checkout, email="shopper@example.test")
    checkout_services.set_shipping_address(checkout=checkout, address=ADDRESS)
    checkout_services.set_shipping_method(checkout=checkout, method_id=method.id)
    return checkout_services.place_order(checkout=checkout).order


@pytest.mark.parametrize(("currency", "refund", "refund_minor"), [
    ("JPY", "1001", 1001), ("KWD", "1.230", 1230), ("EUR", "5.01", 501),
])  # fmt: skip
def test_stripe_charges_and_refunds_in_the_currencys_minor_units(
    markets, fake_stripe, store_client, currency, refund, refund_minor
):
    configure_stripe()
    order = _placed_order(currency)

    started = payment_services.start_payment(order_id=order.id, return_url="/done/")
    payment = Payment.objects.get(pk=started.payment_id)
    intent = fake_stripe.intents[payment.external_id]
    fake_stripe.succeed(payment.external_id)
    event = stripe_event(
        "payment_intent.succeeded", intent_object(payment, amount=intent["amount"])
    )
    answered = post_webhook(store_client, event)
    payment_services.refund_order(order_id=order.id, amount=Decimal(refund))

    order.refresh_from_db()
    assert intent["currency"] == currency.lower()
    # KWD: Stripe's step of ten fils (22.417 due, 22.420 charged); others: the exact total.
    assert intent["amount"] == to_minor_units(chargeable(order.total, currency), currency)
    assert answered.status_code == 200 and order.paid_at is not None
    (stripe_refund,) = fake_stripe.refunds.values()
    assert stripe_refund["amount"] == refund_minor
    assert order.amount_refunded == Decimal(refund)


def test_a_kwd_total_off_stripes_step_is_charged_rounded_and_pays_the_order(
    markets, fake_stripe, store_client
):
    """Stripe takes KWD only in tens of fils (its docs: round to the nearest ten): 6.142 KWD
    due is charged as 6.140, and that payment pays the order's whole 6.142."""
    configure_stripe()
    order = _placed_order("KWD")
    assert to_minor_units(order.total, "KWD") % 10 != 0, order.total

    started = payment_services.start_payment(order_id=order.id, return_url="/done/")
    payment = Payment.objects.get(pk=started.payment_id)
    intent = fake_stripe.intents[payment.external_id]
    fake_stripe.succeed(payment.external_id)
    answered = post_webhook(
        store_client,
        stripe_event("payment_intent.succeeded", intent_object(payment, amount=intent["amount"])),
    )

    order.refresh_from_db()
    payment.refresh_from_db()
    assert intent["amount"] % 10 == 0
    assert abs(intent["amount"] - to_minor_units(order.total, "KWD")) <= 5
    assert payment.amount == Decimal(intent["amount"]) / 1000
    assert answered.status_code == 200
    assert payment.status == Payment.Status.SUCCEEDED and payment.applied_to_order
    assert order.paid_at is not None
    assert order.events.filter(message__contains="provider's step").exists()


def test_a_kwd_stripe_payment_refunds_in_stripes_steps_and_in_full(
    markets, fake_stripe, store_client
):
    """22.417 KWD paid as 22.420: 1.235 cannot go back through Stripe (a clear refusal, no
    refund left pending); the whole order's refund gives back the whole 22.420."""
    from apps.orders.exceptions import InvalidRefund

    configure_stripe()
    order = _placed_order("KWD")
    started = payment_services.start_payment(order_id=order.id, return_url="/done/")
    payment = Payment.objects.get(pk=started.payment_id)
    intent = fake_stripe.succeed(payment.external_id)
    post_webhook(
        store_client,
        stripe_event("payment_intent.succeeded", intent_object(payment, amount=intent["amount"])),
    )

    with pytest.raises(InvalidRefund):
        payment_services.refund_order(order_id=order.id, amount=Decimal("1.235"))
    payment_services.refund_order(order_id=order.id, amount=Decimal("1.230"))
    payment_services.refund_order(order_id=order.id, amount=order.total - Decimal("1.230"))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [1230, intent["amount"] - 1230]
    assert order.amount_refunded == order.total and order.payment_status == "refunded"
    assert payment.amount_refunded == payment.amount and payment.status == Payment.Status.REFUNDED


def test_fake_stripe_refuses_a_kwd_amount_off_the_step_as_stripe_does(fake_stripe):
    import stripe

    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake_stripe.url})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(params={"amount": 6142, "currency": "kwd"})
    assert refused.value.param == "amount"
