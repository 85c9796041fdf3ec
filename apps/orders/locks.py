"""Row locks for orders. Lock order across apps: order row first, then stock rows (by id)."""

from django.db import connection
from django.db.transaction import TransactionManagementError

from apps.core import raw_rows
from apps.orders import sql
from apps.orders.models import Order


def lock_order(order_id: int) -> Order:
    """Lock and return the order row. Call inside a transaction. Raises Order.DoesNotExist."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_order needs a transaction.")
    row = sql.lock_order_row(order_id)
    if row is None:
        raise Order.DoesNotExist(f"No order {order_id}.")
    return raw_rows.instance(Order, row)
