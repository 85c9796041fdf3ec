"""The cart view is one plain-SQL read: same lines, prices and availability as the services'."""

from decimal import Decimal

import pytest

from apps.cart import services
from apps.cart.models import Cart
from apps.cart.selectors import get_cart_view, get_guest_cart_view
from apps.catalog.models import Product
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, expire_reservations, stock
from tests.statements import statements_sent

pytestmark = pytest.mark.django_db


def test_cart_view_shows_what_the_inventory_selector_shows_in_one_query():
    main, overflow, closed = WarehouseFactory(), WarehouseFactory(), WarehouseFactory()
    split, held, unstocked = VariantFactory(price="5.00"), VariantFactory(), VariantFactory()
    stock(split, main, 2)
    stock(split, overflow, 3)
    stock(split, closed, 7)
    closed.active = False
    closed.save()
    stock(held, main, 4)
    inventory_services.reserve(reference="checkout:other", lines=[(held.id, 3)])
    inventory_services.reserve(reference="checkout:gone", lines=[(held.id, 1)])
    expire_reservations("checkout:gone")  # an expired hold counts as free
    cart = Cart.objects.create()
    for variant in (split, held):
        services.add_to_cart(cart=cart, variant_id=variant.id, quantity=1)
    cart.lines.create(variant=unstocked, quantity=2)

    with statements_sent() as by_cart:
        view = get_cart_view(cart)
    with statements_sent() as by_token:
        guest = get_guest_cart_view(token=cart.token)

    expected = inventory_selectors.get_available_by_variant([split.id, held.id, unstocked.id])
    assert len(by_cart) == len(by_token) == 1
    for shown in (view, guest):
        assert [line.variant.id for line in shown.lines] == [split.id, held.id, unstocked.id]
        assert [line.available for line in shown.lines] == [
            expected.get(v, 0) for v in (split.id, held.id, unstocked.id)
        ]
        assert [line.available for line in shown.lines] == [5, 1, 0]
        assert shown.lines[0].unit_price == Decimal("5.00")
        assert shown.lines[0].variant.product.name == split.product.name
        assert shown.cart.pk == cart.pk
    assert get_cart_view(cart, with_availability=False).lines[0].available is None


def test_guest_cart_view_of_an_ordered_or_unknown_cart_is_empty():
    cart = Cart.objects.create()
    cart.lines.create(variant=VariantFactory(), quantity=1)
    Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.ORDERED)

    assert get_guest_cart_view(token=cart.token).is_empty
    assert get_guest_cart_view(token="not-a-token").is_empty


def test_cart_view_marks_lines_no_longer_sold():
    variant = VariantFactory()
    cart = Cart.objects.create()
    cart.lines.create(variant=variant, quantity=1)
    Product.objects.filter(pk=variant.product_id).update(status=Product.Status.ARCHIVED)

    assert get_cart_view(cart).lines[0].purchasable is False


def test_open_cart_by_token_is_only_the_open_one(django_assert_num_queries):
    from apps.cart.selectors import get_open_cart

    cart, ordered = Cart.objects.create(), Cart.objects.create(status=Cart.Status.ORDERED)

    with django_assert_num_queries(1):
        found = get_open_cart(token=str(cart.token))
    assert (found.pk, found.token, found.status) == (cart.pk, cart.token, "open")
    assert get_open_cart(token=ordered.token) is None
    assert get_open_cart(token="garbage") is None
    assert get_open_cart(token=None) is None
