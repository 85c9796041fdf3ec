"""A guest's add to the cart: the cart found by the cookie's token or created with the line, in
one statement; a refused add writes nothing; the add's own commit does not wait for the WAL
flush, a caller's transaction keeps its durability."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.cart import services
from apps.cart.exceptions import QuantityUnavailable, VariantUnavailable
from apps.cart.models import Cart, CartLine
from apps.markets.models import Market
from tests.shopping import stocked_variant


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_first_add_creates_the_cart_with_its_line():
    variant = stocked_variant(stock=5)

    line = services.add_to_guest_cart(token=None, variant_id=variant.id, quantity=2)

    cart = Cart.objects.get()
    assert line.cart.pk == cart.pk and line.cart.token == cart.token
    assert cart.status == Cart.Status.OPEN and cart.user_id is None and cart.currency == ""
    assert list(cart.lines.values_list("variant_id", "quantity")) == [(variant.id, 2)]
    assert line.quantity == 2 and line.id == cart.lines.get().id


@pytest.mark.django_db
def test_adds_with_the_token_go_to_the_same_cart_and_accumulate():
    variant, other = stocked_variant(stock=5), stocked_variant(stock=5)
    first = services.add_to_guest_cart(token=None, variant_id=variant.id)

    again = services.add_to_guest_cart(token=str(first.cart.token), variant_id=variant.id)
    services.add_to_guest_cart(token=first.cart.token, variant_id=other.id, quantity=3)

    assert again.cart.pk == first.cart.pk and again.quantity == 2
    assert Cart.objects.count() == 1
    assert dict(first.cart.lines.values_list("variant_id", "quantity")) == {
        variant.id: 2,
        other.id: 3,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["not-a-uuid", "5f0c56a2-3c1e-4f57-9a43-1d1b8f0e7c21"])
def test_an_unknown_or_malformed_token_starts_a_new_cart(token):
    variant = stocked_variant()

    line = services.add_to_guest_cart(token=token, variant_id=variant.id)

    assert str(line.cart.token) != token
    assert Cart.objects.get().lines.count() == 1


@pytest.mark.django_db
def test_the_token_of_an_ordered_cart_starts_a_new_cart():
    variant = stocked_variant()
    ordered = services.add_to_guest_cart(token=None, variant_id=variant.id).cart
    assert services.take_cart_for_order(cart_id=ordered.pk)

    line = services.add_to_guest_cart(token=ordered.token, variant_id=variant.id)

    assert line.cart.pk != ordered.pk and line.quantity == 1
    assert Cart.objects.get(pk=ordered.pk).lines.get().quantity == 1  # the order's, untouched


@pytest.mark.django_db
def test_the_shoppers_market_prices_a_new_cart_and_moves_a_found_one():
    Market.objects.create(
        name="Euro area", currency="EUR", countries=["DE"], exchange_rate=Decimal("0.92")
    )
    variant = stocked_variant()

    first = services.add_to_guest_cart(token=None, variant_id=variant.id, currency="EUR")
    kept = services.add_to_guest_cart(token=first.cart.token, variant_id=variant.id)
    based = services.add_to_guest_cart(
        token=first.cart.token, variant_id=variant.id, currency="USD"
    )

    assert first.cart.currency == "EUR" and kept.cart.currency == "EUR"
    assert based.cart.currency == ""  # the store's own
    assert Cart.objects.get().currency == ""


@pytest.mark.django_db
def test_a_refused_first_add_leaves_no_cart_behind():
    variant = stocked_variant(stock=2)
    draft = stocked_variant()
    draft.product.status = "draft"
    draft.product.save()

    with pytest.raises(QuantityUnavailable) as excinfo:
        services.add_to_guest_cart(token=None, variant_id=variant.id, quantity=3)
    with pytest.raises(VariantUnavailable):
        services.add_to_guest_cart(token=None, variant_id=draft.id)

    assert excinfo.value.extra["available"] == 2
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_an_add_beyond_availability_counts_the_units_already_in_the_line():
    variant = stocked_variant(stock=3)
    cart = services.add_to_guest_cart(token=None, variant_id=variant.id, quantity=2).cart

    with pytest.raises(QuantityUnavailable) as over_the_line:
        services.add_to_guest_cart(token=cart.token, variant_id=variant.id, quantity=2)
    with pytest.raises(QuantityUnavailable) as over_the_stock:
        services.add_to_guest_cart(token=cart.token, variant_id=variant.id, quantity=4)

    assert over_the_line.value.extra == {"variant_id": variant.id, "requested": 4, "available": 3}
    assert over_the_stock.value.extra["requested"] == 6
    assert CartLine.objects.get().quantity == 2


@pytest.mark.django_db
def test_an_add_inside_a_callers_transaction_keeps_its_durability():
    variant = stocked_variant()

    with transaction.atomic():
        services.add_to_guest_cart(token=None, variant_id=variant.id)
        guest = _synchronous_commit()
        services.add_to_cart(cart=Cart.objects.get(), variant_id=variant.id)
        known = _synchronous_commit()

    assert guest == known == "on"


def test_an_add_on_its_own_commits_and_leaves_the_session_durable(committed_store):
    variant = stocked_variant()

    cart = services.add_to_guest_cart(token=None, variant_id=variant.id).cart
    services.add_to_cart(cart=cart, variant_id=variant.id)
    setting = _synchronous_commit()  # set for the add's own transaction only
    connection.close()  # a new connection sees only committed rows

    assert setting == "on"
    assert Cart.objects.get(pk=cart.pk).lines.get().quantity == 2
