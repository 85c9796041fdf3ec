"""The payments app's raw SQL: the only module of the app that runs ``cursor.execute``.

The payment page's read and the payment row lock run on every checkout; in the ORM (with the
checkout read and the order lock) they cost bench/checkout.py 15 % of its orders/s: building
the queries cost more CPU than PostgreSQL spent running them.
"""

from django.db import connection

from apps.core import raw_rows
from apps.orders.models import Order
from apps.payments.models import Payment

# select_related("order"): the payment page is read twice per checkout.
_PAYMENT_BY_TOKEN = f"""
SELECT {raw_rows.columns(Payment, "p")}, {raw_rows.columns(Order, "o")}
FROM {Payment._meta.db_table} p
JOIN {Order._meta.db_table} o ON o.id = p.order_id
WHERE p.token = %s
"""

_LOCK_PAYMENT = (
    f"SELECT {raw_rows.columns(Payment, 'p')} FROM {Payment._meta.db_table} p "
    "WHERE p.id = %s FOR UPDATE"
)


def payment_row_by_token(token) -> tuple | None:
    """Payment columns, then its order's."""
    with connection.cursor() as cursor:
        cursor.execute(_PAYMENT_BY_TOKEN, [token])
        return cursor.fetchone()


def lock_payment_row(payment_id: int) -> tuple | None:
    """The payment's columns, its row locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_PAYMENT, [payment_id])
        return cursor.fetchone()
