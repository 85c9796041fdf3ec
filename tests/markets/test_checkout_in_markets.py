"""The same cart in USD (base), EUR (rate + .99), JPY (0 places) and KWD (3 places): priced
line by line, checked out, paid with the test gateway, partly refunded, and counted in the
dashboard's revenue at its base-currency equivalent."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.checkout import services as checkout_services
from apps.core.money import quantize
from apps.dashboard import periods
from apps.dashboard import selectors as dashboard_selectors
from apps.payments import services as payment_services
from apps.payments.models import Payment
from apps.tenants.selectors import get_current_store
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import ADDRESS, pay_with_test_card, stocked_variant

pytestmark = pytest.mark.django_db

BASE_PRICES = ("20.00", "12.99", "5.00")
QUANTITIES = (2, 1, 3)
# Worked by hand: base price × rate, then the market's rounding, then the minor unit.
#   EUR 0.92 and ".99": 18.40 → 18.99; 11.9508 → 11.99; 4.60 → 4.99
#   JPY 151.37: 3027.4 → 3027; 1966.2963 → 1966; 756.85 → 757
#   KWD 0.3071: 6.142; 3.989229 → 3.989; 1.5355 → 1.536 (half up)
TABLE = {
    "USD": (("20.00", "40.00"), ("12.99", "12.99"), ("5.00", "15.00"), "67.99", "5.00"),
    "EUR": (("18.99", "37.98"), ("11.99", "11.99"), ("4.99", "14.97"), "64.94", "4.60"),
    "JPY": (("3027", "6054"), ("1966", "1966"), ("757", "2271"), "10291", "757"),
    "KWD": (("6.142", "12.284"), ("3.989", "3.989"), ("1.536", "4.608"), "20.881", "1.536"),
}


def _cart_in(currency: str, variants) -> Cart:
    cart = Cart.objects.create()
    for variant, quantity in zip(variants, QUANTITIES, strict=True):
        cart_services.add_to_cart(cart=cart, variant_id=variant.id, quantity=quantity)
    return cart_services.set_cart_currency(cart=cart, currency=currency)


@pytest.fixture
def variants():
    return [stocked_variant(price=price, stock=50) for price in BASE_PRICES]


@pytest.mark.parametrize("currency", list(TABLE))
def test_the_same_cart_is_priced_line_by_line_in_each_market(markets, variants, currency):
    cart = _cart_in(currency, variants)

    view = cart_selectors.get_cart_view(cart)

    *lines, subtotal, _ = TABLE[currency]
    assert view.currency == currency
    assert [(str(v.unit_price), str(v.line_total)) for v in view.lines] == lines
    assert str(view.subtotal) == subtotal


@pytest.mark.parametrize("currency", list(TABLE))
def test_checkout_to_a_paid_order_in_each_currency(markets, variants, currency):
    method = ShippingMethodFactory(price=Decimal("5.00"))
    cart = _cart_in(currency, variants)
    checkout = checkout_services.start_checkout(cart=cart)
    checkout_services.set_contact(checkout=checkout, email="shopper@example.test")
    checkout_services.set_shipping_address(checkout=checkout, address=ADDRESS)
    checkout_services.set_shipping_method(checkout=checkout, method_id=method.id)

    order = checkout_services.place_order(checkout=checkout).order
    order = pay_with_test_card(order)

    *lines, subtotal, shipping = TABLE[currency]
    payment = Payment.objects.get(order=order)
    assert order.currency == currency and order.payment_status == "paid"
    assert [(x.unit_price, x.line_total) for x in order.lines.all()] == [
        (Decimal(unit), Decimal(total)) for unit, total in lines
    ]
    assert order.subtotal == Decimal(subtotal) and order.shipping_total == Decimal(shipping)
    assert order.tax_total == quantize(order.tax_total, currency)
    assert order.total == order.subtotal + order.shipping_total + (
        0 if order.prices_include_tax else order.tax_total
    )
    assert (payment.amount, payment.currency) == (order.total, currency)
    rate = markets[currency].exchange_rate if currency != "USD" else Decimal("1")
    assert order.base_currency == "USD" and order.exchange_rate == rate
    assert order.base_total == quantize(order.total / rate)


def _paid_order(currency, variants):
    method = ShippingMethodFactory(price=Decimal("5.00"))
    cart = _cart_in(currency, variants)
    checkout = checkout_services.start_checkout(cart=cart)
    checkout_services.set_contact(checkout=checkout, email="shopper@example.test")
    checkout_services.set_shipping_address(checkout=checkout, address=ADDRESS)
    checkout_services.set_shipping_method(checkout=checkout, method_id=method.id)
    return pay_with_test_card(checkout_services.place_order(checkout=checkout).order)


@pytest.mark.parametrize(("currency", "amount"), [("JPY", "1001"), ("KWD", "1.235")])
def test_a_partial_refund_is_exact_to_the_minor_unit(markets, variants, currency, amount):
    order = _paid_order(currency, variants)

    refund = payment_services.refund_order(order_id=order.id, amount=Decimal(amount))

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (refund.amount, refund.currency) == (Decimal(amount), currency)
    assert order.amount_refunded == payment.amount_refunded == Decimal(amount)
    assert order.payment_status == "partially_refunded"
    assert order.base_amount_refunded == quantize(Decimal(amount) / order.exchange_rate)


def test_dashboard_revenue_is_the_sum_of_base_equivalents(markets, variants):
    orders = [_paid_order(currency, variants) for currency in TABLE]
    payment_services.refund_order(order_id=orders[2].id, amount=Decimal("1000"))  # JPY
    for order in orders:
        order.refresh_from_db()
    today = periods.windows(periods.store_zone(get_current_store()), now=timezone.now())[:1]

    (kpis,) = dashboard_selectors.get_kpis(today)

    expected = sum((o.base_total - o.base_amount_refunded for o in orders), Decimal("0"))
    assert kpis.revenue == expected
    assert (
        kpis.refunds
        == orders[2].base_amount_refunded
        == quantize(Decimal("1000") / Decimal("151.37"))
    )


def test_the_admin_order_page_shows_the_base_equivalent_and_the_rate(
    markets, variants, store_client
):
    from django.contrib.auth import get_user_model

    from tests.conftest import STORE_SPEC

    order = _paid_order("JPY", variants)
    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))

    page = store_client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    assert f"{order.base_total} USD" in page and "151.37 JPY per USD" in page
