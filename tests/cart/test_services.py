import pytest

from apps.cart import services
from apps.cart.exceptions import CartError, QuantityUnavailable, VariantUnavailable
from apps.cart.models import Cart
from apps.cart.selectors import get_cart_view
from tests.factories.accounts import UserFactory
from tests.shopping import stocked_variant


@pytest.mark.django_db
def test_add_to_cart_accumulates_and_prices_from_catalog():
    variant = stocked_variant(price="12.50", stock=5)
    cart = Cart.objects.create()

    services.add_to_cart(cart=cart, variant_id=variant.id, quantity=2)
    services.add_to_cart(cart=cart, variant_id=variant.id, quantity=1)
    variant.price = "13.00"
    variant.save()

    view = get_cart_view(cart)
    assert view.lines[0].quantity == 3
    assert str(view.subtotal) == "39.00"


@pytest.mark.django_db
def test_add_to_cart_refuses_more_than_available():
    variant = stocked_variant(stock=2)
    cart = Cart.objects.create()
    services.add_to_cart(cart=cart, variant_id=variant.id, quantity=2)

    with pytest.raises(QuantityUnavailable) as excinfo:
        services.add_to_cart(cart=cart, variant_id=variant.id, quantity=1)

    assert excinfo.value.extra["available"] == 2
    assert cart.lines.get().quantity == 2


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, 1000, 2.5, "3", True])
def test_add_to_cart_rejects_bad_quantities_without_writing(quantity):
    variant = stocked_variant()
    cart = Cart.objects.create()

    with pytest.raises(CartError):
        services.add_to_cart(cart=cart, variant_id=variant.id, quantity=quantity)

    assert not cart.lines.exists()


@pytest.mark.django_db
def test_add_to_cart_rejects_draft_products_and_unknown_variants():
    variant = stocked_variant()
    variant.product.status = "draft"
    variant.product.save()
    cart = Cart.objects.create()

    with pytest.raises(VariantUnavailable):
        services.add_to_cart(cart=cart, variant_id=variant.id, quantity=1)
    with pytest.raises(VariantUnavailable):
        services.add_to_cart(cart=cart, variant_id=987654, quantity=1)


@pytest.mark.django_db
def test_update_to_zero_removes_the_line():
    variant = stocked_variant()
    cart = Cart.objects.create()
    services.add_to_cart(cart=cart, variant_id=variant.id, quantity=2)

    services.update_cart_line(cart=cart, variant_id=variant.id, quantity=0)

    assert not cart.lines.exists()


@pytest.mark.django_db
def test_merge_at_login_adds_quantities_capped_by_availability():
    shared = stocked_variant(stock=5)
    only_anonymous = stocked_variant(stock=3)
    user = UserFactory()
    user_cart = Cart.objects.create(user=user)
    services.add_to_cart(cart=user_cart, variant_id=shared.id, quantity=3)
    anonymous = Cart.objects.create()
    services.add_to_cart(cart=anonymous, variant_id=shared.id, quantity=4)
    services.add_to_cart(cart=anonymous, variant_id=only_anonymous.id, quantity=3)

    merged = services.merge_cart_into_user_cart(anonymous_cart=anonymous, user_id=user.id)

    quantities = dict(merged.lines.values_list("variant_id", "quantity"))
    assert merged.id == user_cart.id
    assert quantities == {shared.id: 5, only_anonymous.id: 3}
    anonymous.refresh_from_db()
    assert anonymous.status == Cart.Status.MERGED


@pytest.mark.django_db
def test_merge_without_customer_cart_adopts_the_anonymous_cart():
    variant = stocked_variant()
    user = UserFactory()
    anonymous = Cart.objects.create()
    services.add_to_cart(cart=anonymous, variant_id=variant.id, quantity=1)

    merged = services.merge_cart_into_user_cart(anonymous_cart=anonymous, user_id=user.id)

    assert merged.id == anonymous.id
    assert merged.user_id == user.id


@pytest.mark.django_db
def test_wishlist_item_moves_to_cart():
    variant = stocked_variant()
    user = UserFactory()
    cart = Cart.objects.create(user=user)
    services.add_to_wishlist(user_id=user.id, variant_id=variant.id)

    services.move_wishlist_item_to_cart(user_id=user.id, variant_id=variant.id, cart=cart)

    assert cart.lines.get().variant_id == variant.id
    assert not user.wishlist_items.exists()
