"""Arrange helpers shared by cart, checkout and order tests."""

from decimal import Decimal

from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.checkout import services as checkout_services
from apps.inventory import services as inventory_services
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.factories.inventory import WarehouseFactory

ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


def stocked_variant(*, price: str = "20.00", stock: int = 10, warehouse=None, **kwargs):
    warehouse = warehouse or WarehouseFactory()
    variant = VariantFactory(
        product=kwargs.pop("product", None) or ProductFactory(),
        price=Decimal(price),
        weight_grams=500,
        **kwargs,
    )
    if stock:
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, quantity=stock
        )
    return variant


def ready_checkout(*, lines, email: str = "shopper@example.test", method=None):
    """A checkout with contact, address and delivery filled in; ``lines``: (variant, qty)."""
    cart = Cart.objects.create()
    for variant, quantity in lines:
        cart_services.add_to_cart(cart=cart, variant_id=variant.id, quantity=quantity)
    checkout = checkout_services.start_checkout(cart=cart)
    checkout_services.set_contact(checkout=checkout, email=email)
    checkout_services.set_shipping_address(checkout=checkout, address=ADDRESS)
    method = method or ShippingMethodFactory()
    checkout_services.set_shipping_method(checkout=checkout, method_id=method.id)
    return checkout


def pay_with_test_card(order, card_number: str = "4242424242424242"):
    """Pay an order the way a shopper does: the store's test gateway, a test card."""
    from apps.payments import services as payment_services

    start = payment_services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")
    payment_services.complete_test_payment(payment_id=start.payment_id, card_number=card_number)
    order.refresh_from_db()
    return order
