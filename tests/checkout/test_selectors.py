"""The checkout and payment pages' reads: one plain-SQL query each, relations loaded."""

from decimal import Decimal

import pytest
from django.db import connection

from apps.checkout import selectors as checkout_selectors
from apps.checkout import services as checkout_services
from apps.checkout.models import Checkout
from apps.payments import selectors as payment_selectors
from apps.payments import services as payment_services
from apps.payments.models import Payment
from tests.factories.checkout import VoucherFactory
from tests.shopping import ready_checkout, stocked_variant

pytestmark = pytest.mark.django_db


def test_get_checkout_loads_cart_and_voucher_in_one_query(django_assert_num_queries):
    checkout = ready_checkout(lines=[(stocked_variant(), 1)])
    plain = ready_checkout(lines=[(stocked_variant(), 1)])
    VoucherFactory(code="TENOFF", value=Decimal("10"))
    checkout_services.apply_voucher(checkout=checkout, code="TENOFF")

    with django_assert_num_queries(1):
        found = checkout_selectors.get_checkout(token=checkout.token)
        assert (found.cart.pk, found.cart.status, found.voucher.code) == (
            checkout.cart_id, "open", "TENOFF",
        )  # fmt: skip
        assert found.shipping_address["country"] == "US"  # JSON decoded as the ORM does
    with django_assert_num_queries(1):
        assert checkout_selectors.get_checkout(token=plain.token).voucher is None
    for token in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Checkout.DoesNotExist):
            checkout_selectors.get_checkout(token=token)


def test_get_payment_by_token_loads_the_order_in_one_query(django_assert_num_queries):
    checkout = ready_checkout(lines=[(stocked_variant(price="12.00"), 2)])
    order = checkout_services.place_order(checkout=checkout).order
    start = payment_services.start_payment(order_id=order.id, return_url="/done/")
    payment = Payment.objects.get(pk=start.payment_id)

    with django_assert_num_queries(1):
        found = payment_selectors.get_payment_by_token(token=payment.token)
        assert (found.pk, found.order.pk, found.order.total) == (payment.pk, order.pk, order.total)
        assert found.order.shipping_address == order.shipping_address
    assert found.amount == payment.amount and found.status == payment.status
    with pytest.raises(Payment.DoesNotExist):
        payment_selectors.get_payment_by_token(token="nope")
    assert connection.in_atomic_block  # the test's transaction is intact after the misses
