"""Orders ready to pay, and payments. (Order factories live here until the orders app has its
own; they build rows directly, the way a placed order looks.)"""

from decimal import Decimal

import factory

from apps.inventory import services as inventory_services
from apps.orders.models import Order, OrderLine
from apps.payments.models import Payment
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    email = factory.Sequence(lambda n: f"shopper{n}@example.test")
    currency = "USD"
    subtotal = Decimal("40.00")
    total = Decimal("40.00")
    shipping_address = factory.LazyFunction(
        lambda: {"full_name": "Ada Shopper", "line1": "1 Main St", "city": "Springfield",
                 "postal_code": "12345", "country": "US"}
    )  # fmt: skip
    shipping_method_name = "Standard"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product_name = "Desk Lamp"
    variant_name = "Green"
    sku = factory.Sequence(lambda n: f"LAMP-{n:04d}")
    quantity = 2
    unit_price = Decimal("20.00")
    line_total = Decimal("40.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    gateway = "test"
    amount = factory.LazyAttribute(lambda payment: payment.order.total)
    currency = factory.LazyAttribute(lambda payment: payment.order.currency)
    return_url = factory.LazyAttribute(lambda payment: f"/orders/{payment.order.token}/")


def create_reserved_order(
    *, quantity: int = 2, unit_price: Decimal = Decimal("20.00"), on_hand: int = 10, **fields
) -> Order:
    """A pending order of one stocked variant whose units are held by a live reservation."""
    warehouse = WarehouseFactory()
    variant = VariantFactory(price=unit_price)
    inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=on_hand
    )
    total = unit_price * quantity
    order = OrderFactory(subtotal=total, total=total, **fields)
    OrderLineFactory(
        order=order, variant=variant, product_name=variant.product.name, variant_name="",
        sku=variant.sku, quantity=quantity, unit_price=unit_price, line_total=total,
    )  # fmt: skip
    inventory_services.reserve(
        reference=order.reservation_reference, lines=[(variant.id, quantity)]
    )
    return order
