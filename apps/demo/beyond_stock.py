"""The demo's back-orders, pre-orders and address book: a back-orderable variant that has run
out, a pre-order product, a paid back-order in the admin's list, and the demo customer's saved
addresses (so a returning customer checks out in one click)."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.catalog import services as catalog_services
from apps.catalog.models import Category, InventoryPolicy, Variant
from apps.checkout import address_book
from apps.checkout import services as checkout_services
from apps.checkout.models import ShippingMethod
from apps.demo.orders import ADDRESSES, DEMO_CUSTOMER_EMAIL
from apps.inventory import selectors as inventory_selectors
from apps.orders import services as order_services

PREORDER_PRODUCT = "Aurora Rain Jacket"


def seed_beyond_stock() -> None:
    customer = get_user_model().objects.get(email=DEMO_CUSTOMER_EMAIL)
    backorderable = _sold_out_variant()
    if backorderable is not None:
        catalog_services.set_inventory_policy(
            variant_id=backorderable.id,
            fields={"inventory_policy": InventoryPolicy.BACKORDER, "backorder_lead_days": 10},
        )
        _paid_order(customer, backorderable.id, quantity=2)
    jacket = catalog_services.create_product_with_variants(
        name=PREORDER_PRODUCT,
        category=Category.objects.filter(name="Apparel").first(),
        price=Decimal("129.00"),
        sku_prefix="AURORA",
        options={"Size": ["S", "M", "L"]},
        description="Our first rain jacket, on pre-order: it ships when the first batch lands.",
        weight_grams=800,
    )
    for variant in jacket.variants.all():
        catalog_services.set_inventory_policy(
            variant_id=variant.id,
            fields={
                "inventory_policy": InventoryPolicy.PREORDER,
                "preorder_until": timezone.localdate() + timedelta(days=45),
                "preorder_cap": 50,
            },
        )


def seed_saved_addresses() -> None:
    customer = get_user_model().objects.get(email=DEMO_CUSTOMER_EMAIL)
    address_book.save_address(user_id=customer.id, address=ADDRESSES[0])  # both defaults
    address_book.save_address(user_id=customer.id, address=ADDRESSES[2])


def _sold_out_variant() -> Variant | None:
    """The first active T-shirt variant with no free units (the demo's stock is random)."""
    variants = list(
        Variant.objects.filter(active=True, product__name__endswith="T-shirt").order_by("id")
    )
    free = inventory_selectors.get_available_by_variant(v.id for v in variants)
    return next((v for v in variants if free.get(v.id, 0) == 0), None)


def _paid_order(customer, variant_id: int, *, quantity: int) -> None:
    cart = Cart.objects.create(user=customer)
    cart_services.add_to_cart(cart=cart, variant_id=variant_id, quantity=quantity)
    address = ADDRESSES[0]
    method = ShippingMethod.objects.filter(zone__countries__contains=[address["country"]]).first()
    assert method is not None
    order = checkout_services.checkout_in_one_step(
        cart=cart,
        answers=checkout_services.CheckoutAnswers(
            email=customer.email, address=address, shipping_method_id=method.id
        ),
        user_id=customer.id,
    )
    order_services.mark_order_paid(order_id=order.id, amount=order.total, payment_reference="demo")
