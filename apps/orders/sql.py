"""The orders app's raw SQL: the only module of the app that runs ``cursor.execute``."""

from django.db import connection

from apps.core import raw_rows
from apps.orders.models import Order, OrderEvent, OrderLine


def next_sequence_value(sequence: str) -> int:
    """``nextval`` of a sequence in the current schema: the ORM has no sequence API."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        return cursor.fetchone()[0]


# --- hot reads of the checkout path ----------------------------------------------------------
# The order row lock (every payment) and the order page (after every payment) in the ORM cost
# bench/checkout.py, with the checkout and payment reads, 15 % of its orders/s: building the
# queries cost more CPU than PostgreSQL spent running them.

_LOCK_ORDER = (
    f"SELECT {raw_rows.columns(Order, 'o')} FROM {Order._meta.db_table} o "
    "WHERE o.id = %s FOR UPDATE"
)
_ORDER_BY_TOKEN = (
    f"SELECT {raw_rows.columns(Order, 'o')} FROM {Order._meta.db_table} o WHERE o.token = %s"
)
_LINES_OF_ORDER = (
    f"SELECT {raw_rows.columns(OrderLine, 'l')} FROM {OrderLine._meta.db_table} l "
    "WHERE l.order_id = %s ORDER BY l.id"  # OrderLine.Meta.ordering
)
_EVENTS_OF_ORDER = (
    f"SELECT {raw_rows.columns(OrderEvent, 'e')} FROM {OrderEvent._meta.db_table} e "
    "WHERE e.order_id = %s ORDER BY e.created_at, e.id"  # OrderEvent.Meta.ordering
)


def lock_order_row(order_id: int) -> tuple | None:
    """The order's columns, its row locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_ORDER, [order_id])
        return cursor.fetchone()


def order_page_rows(token) -> tuple[tuple, list[tuple], list[tuple]] | None:
    """The order's columns, its lines' and its events' (three statements); None if unknown."""
    with connection.cursor() as cursor:
        cursor.execute(_ORDER_BY_TOKEN, [token])
        order = cursor.fetchone()
        if order is None:
            return None
        order_id = order[[f.attname for f in Order._meta.concrete_fields].index("id")]
        cursor.execute(_LINES_OF_ORDER, [order_id])
        lines = cursor.fetchall()
        cursor.execute(_EVENTS_OF_ORDER, [order_id])
        return order, lines, cursor.fetchall()
