"""Row locks for orders. Lock order across apps: order row first, then stock rows (by id)."""

from apps.core import raw_rows
from apps.orders.models import Order

# Plain SQL: taken on every payment, where building the ORM's FOR UPDATE query of the wide
# order row cost more CPU than the statement.
_LOCK_ORDER_SQL = (
    f"SELECT {raw_rows.columns(Order, 'o')} FROM {Order._meta.db_table} o "
    "WHERE o.id = %s FOR UPDATE"
)


def lock_order(order_id: int) -> Order:
    """Lock and return the order row. Call inside a transaction. Raises Order.DoesNotExist."""
    return raw_rows.locked(Order, _LOCK_ORDER_SQL, order_id)
