from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.cart.models import Cart
from apps.checkout import services
from apps.checkout.exceptions import CheckoutError, InvalidVoucher, ShippingUnavailable
from apps.checkout.models import ShippingMethod
from apps.checkout.selectors import get_checkout_summary
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import StockLevel
from apps.orders.models import Order
from tests.factories.checkout import (
    ShippingMethodFactory,
    ShippingZoneFactory,
    TaxRateFactory,
    VoucherFactory,
)
from tests.shopping import ADDRESS, ready_checkout, stocked_variant

D = Decimal


@pytest.mark.django_db
def test_place_order_reserves_stock_and_snapshots_lines_and_totals():
    TaxRateFactory(country="US", rate=D("0.1000"))
    variant = stocked_variant(price="20.00", stock=5)
    checkout = ready_checkout(lines=[(variant, 2)])

    order = services.place_order(checkout=checkout).order

    assert order.status == Order.Status.PENDING
    assert order.number >= 1001
    assert (order.subtotal, order.shipping_total, order.tax_total, order.total) == (
        D("40.00"), D("5.00"), D("4.00"), D("49.00"),
    )  # fmt: skip
    line = order.lines.get()
    assert (line.sku, line.quantity, line.unit_price) == (variant.sku, 2, D("20.00"))
    assert StockLevel.objects.get(variant=variant).reserved == 2
    assert Cart.objects.get(pk=checkout.cart_id).status == Cart.Status.ORDERED


@pytest.mark.django_db
def test_place_order_twice_returns_the_same_order():
    checkout = ready_checkout(lines=[(stocked_variant(stock=5), 1)])

    first = services.place_order(checkout=checkout).order
    second = services.place_order(checkout=checkout).order

    assert first.id == second.id
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_place_order_with_a_sold_out_line_creates_nothing():
    plenty = stocked_variant(stock=5)
    scarce = stocked_variant(stock=1)
    checkout = ready_checkout(lines=[(plenty, 1), (scarce, 1)])
    StockLevel.objects.filter(variant=scarce).update(reserved=1)  # someone else holds it

    with pytest.raises(InsufficientStock) as excinfo:
        services.place_order(checkout=checkout)

    assert excinfo.value.extra["lines"][0]["variant_id"] == scarce.id
    assert not Order.objects.exists()
    assert StockLevel.objects.get(variant=plenty).reserved == 0


@pytest.mark.django_db
def test_place_order_needs_every_step():
    cart = Cart.objects.create()
    from apps.cart import services as cart_services

    cart_services.add_to_cart(cart=cart, variant_id=stocked_variant().id, quantity=1)
    checkout = services.start_checkout(cart=cart)

    with pytest.raises(CheckoutError) as excinfo:
        services.place_order(checkout=checkout)

    assert excinfo.value.extra["missing"] == ["email", "shipping address", "delivery method"]


@pytest.mark.django_db
def test_shipping_address_is_validated():
    checkout = ready_checkout(lines=[(stocked_variant(), 1)])

    with pytest.raises(ValidationError) as excinfo:
        services.set_shipping_address(
            checkout=checkout, address={**ADDRESS, "country": "XX", "postal_code": "!", "city": ""}
        )

    assert set(excinfo.value.message_dict) == {"country", "postal_code", "city"}


@pytest.mark.django_db
def test_shipping_methods_follow_zone_weight_and_free_over_rules():
    variant = stocked_variant(price="30.00", stock=10)
    zone = ShippingZoneFactory(countries=["US"])
    flat = ShippingMethodFactory(zone=zone, name="Flat", price=D("6.00"), free_over=D("50.00"))
    by_weight = ShippingMethodFactory(
        zone=zone, name="Heavy", kind=ShippingMethod.Kind.BY_WEIGHT, price=D("2.00"),
        price_per_kg=D("3.00"),
    )  # fmt: skip
    ShippingMethodFactory(zone=ShippingZoneFactory(countries=["FR"]), name="France only")
    checkout = ready_checkout(lines=[(variant, 3)], method=flat)  # 1,500 g, subtotal 90.00

    options = {
        o["method"].name: o["price"] for o in get_checkout_summary(checkout).shipping_options
    }

    assert options == {"Flat": D("0.00"), "Heavy": D("8.00")}
    with pytest.raises(ShippingUnavailable):
        services.set_shipping_method(
            checkout=checkout, method_id=ShippingMethod.objects.get(name="France only").id
        )
    assert by_weight.id in [o["method"].id for o in get_checkout_summary(checkout).shipping_options]


@pytest.mark.django_db
def test_percent_voucher_discounts_and_counts_its_use():
    voucher = VoucherFactory(code="TENOFF", value=D("10"))
    checkout = ready_checkout(lines=[(stocked_variant(price="50.00"), 1)])
    services.apply_voucher(checkout=checkout, code="tenoff")

    order = services.place_order(checkout=checkout).order

    voucher.refresh_from_db()
    assert order.discount_total == D("5.00")
    assert order.voucher_code == "TENOFF"
    assert voucher.times_used == 1


@pytest.mark.django_db
def test_free_shipping_voucher_zeroes_shipping():
    VoucherFactory(code="SHIPFREE", kind="free_shipping", value=0)
    checkout = ready_checkout(lines=[(stocked_variant(price="10.00"), 1)])
    services.apply_voucher(checkout=checkout, code="SHIPFREE")

    assert get_checkout_summary(checkout).totals.shipping_total == D("0.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("voucher_kwargs", "message"),
    [
        ({"minimum_subtotal": D("100")}, "at least"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not valid yet"),
        ({"ends_at": timezone.now() - timedelta(days=1)}, "expired"),
        ({"usage_limit": 1, "times_used": 1}, "fully used"),
        ({"active": False}, "not a valid"),
    ],
)
def test_voucher_rules_are_enforced(voucher_kwargs, message):
    VoucherFactory(code="RULES", **voucher_kwargs)
    checkout = ready_checkout(lines=[(stocked_variant(price="10.00"), 1)])

    with pytest.raises(InvalidVoucher) as excinfo:
        services.apply_voucher(checkout=checkout, code="RULES")

    assert message in excinfo.value.message


@pytest.mark.django_db
def test_voucher_limit_per_customer_is_checked_again_when_the_order_is_placed():
    VoucherFactory(code="ONCE", usage_limit_per_customer=1)
    first = ready_checkout(lines=[(stocked_variant(), 1)], email="same@example.test")
    second = ready_checkout(lines=[(stocked_variant(), 1)], email="same@example.test")
    services.apply_voucher(checkout=first, code="ONCE")
    services.apply_voucher(checkout=second, code="ONCE")
    services.place_order(checkout=first)

    with pytest.raises(InvalidVoucher):
        services.place_order(checkout=second)

    assert Order.objects.count() == 1
