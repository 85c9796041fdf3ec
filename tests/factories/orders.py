"""Orders made directly (no checkout), for reports and dashboards that only read them."""

from datetime import datetime
from decimal import Decimal

from apps.orders.models import Order, OrderLine

PAID = Order.PaymentStatus.PAID


def make_order(
    *,
    total: str = "50.00",
    refunded: str = "0.00",
    created_at: datetime | None = None,
    paid_at: datetime | None = None,
    payment_status: str = PAID,
    status: str = Order.Status.PAID,
    email: str = "buyer@example.test",
    user=None,
    lines=(),
) -> Order:
    """An order with the given money; ``lines`` are (variant, quantity, line_total) tuples."""
    total_d = Decimal(total)
    order = Order.objects.create(
        email=email,
        user=user,
        currency="USD",
        subtotal=total_d,
        total=total_d,
        amount_refunded=Decimal(refunded),
        payment_status=payment_status,
        status=status,
        paid_at=paid_at,
    )
    for variant, quantity, line_total in lines:
        OrderLine.objects.create(
            order=order,
            variant=variant,
            product_name=variant.product.name,
            sku=variant.sku,
            quantity=quantity,
            unit_price=Decimal(line_total) / quantity,
            line_total=Decimal(line_total),
        )
    if created_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
        order.created_at = created_at
    return order
