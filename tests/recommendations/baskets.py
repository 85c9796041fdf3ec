"""Arrange helpers: stocked products and paid orders written directly (no checkout)."""

from decimal import Decimal

from django.utils import timezone

from apps.catalog.models import Product
from apps.inventory import services as inventory_services
from apps.orders.models import Order, OrderLine
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.factories.inventory import WarehouseFactory

PRICE = Decimal("10.00")


def stocked_product(*, stock: int = 5, warehouse=None, **kwargs) -> Product:
    product = ProductFactory(**kwargs)
    variant = VariantFactory(product=product, price=PRICE)
    if stock:
        warehouse = warehouse or WarehouseFactory()
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, quantity=stock
        )
    return product


def paid_order(
    products, *, user=None, email: str = "buyer@example.test", status=Order.Status.PAID
) -> Order:
    """An order for one unit of each product's first variant, paid now (unless ``status``)."""
    total = PRICE * len(products)
    paid = status != Order.Status.PENDING
    order = Order.objects.create(
        user=user,
        email=email,
        status=status,
        payment_status=Order.PaymentStatus.PAID if paid else Order.PaymentStatus.UNPAID,
        currency="USD",
        subtotal=total,
        total=total,
        paid_at=timezone.now() if paid else None,
    )
    for product in products:
        variant = product.variants.first()
        OrderLine.objects.create(
            order=order,
            variant=variant,
            product_name=product.name,
            sku=variant.sku,
            quantity=1,
            unit_price=PRICE,
            line_total=PRICE,
        )
    return order
