"""Row locks for orders. Lock order across apps: order row first, then stock rows (by id)."""

from apps.orders.models import Order


def lock_order(order_id: int) -> Order:
    """Lock and return the order row. Call inside a transaction. Raises Order.DoesNotExist."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)
