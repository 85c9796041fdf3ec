"""Row locks for orders. Lock order across apps: order row first, then stock rows (by id)."""

from apps.core import raw_rows
from apps.orders import sql
from apps.orders.models import Order


def lock_order(order_id: int) -> Order:
    """Lock and return the order row. Call inside a transaction. Raises Order.DoesNotExist."""
    return raw_rows.locked(Order, sql.lock_order_row, order_id)
