"""Stripe charges and refunds in the order's currency, in its minor units (the real SDK
against the local Stripe server)."""

from decimal import Decimal

import pytest

from apps.core.money import to_minor_units
from apps.payments import services as payment_services
from apps.payments.models import Payment
from tests.factories.checkout import ShippingMethodFactory
from tests.markets.test_checkout_in_markets import _cart_in
from tests.payments.conftest import configure_stripe, intent_object, post_webhook, stripe_event
from tests.shopping import ADDRESS, stocked_variant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("currency", "refund", "refund_minor"), [
    ("JPY", "1001", 1001), ("KWD", "1.235", 1235), ("EUR", "5.01", 501),
])  # fmt: skip
def test_stripe_charges_and_refunds_in_the_currencys_minor_units(
    markets, fake_stripe, store_client, currency, refund, refund_minor
):
    from apps.checkout import services as checkout_services

    configure_stripe()
    variants = [stocked_variant(price=p, stock=20) for p in ("20.00", "12.99", "5.00")]
    method = ShippingMethodFactory(price=Decimal("5.00"))
    checkout = checkout_services.start_checkout(cart=_cart_in(currency, variants))
    checkout_services.set_contact(checkout=checkout, email="shopper@example.test")
    checkout_services.set_shipping_address(checkout=checkout, address=ADDRESS)
    checkout_services.set_shipping_method(checkout=checkout, method_id=method.id)
    order = checkout_services.place_order(checkout=checkout).order

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
    assert intent["amount"] == to_minor_units(order.total, currency)
    assert answered.status_code == 200 and order.paid_at is not None
    (stripe_refund,) = fake_stripe.refunds.values()
    assert stripe_refund["amount"] == refund_minor
    assert order.amount_refunded == Decimal(refund)
