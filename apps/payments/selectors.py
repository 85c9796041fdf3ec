from uuid import UUID

from django.db import connection

from apps.core import raw_rows
from apps.orders.models import Order
from apps.payments.models import Payment

# select_related("order") in plain SQL: the payment page is read twice per checkout, and
# building the ORM query cost more CPU than running it.
_PAYMENT_SQL = f"""
SELECT {raw_rows.columns(Payment, "p")}, {raw_rows.columns(Order, "o")}
FROM {Payment._meta.db_table} p
JOIN {Order._meta.db_table} o ON o.id = p.order_id
WHERE p.token = %s
"""


def get_payment_by_token(*, token) -> Payment:
    """The payment behind a payment-page URL, with its order. Raises Payment.DoesNotExist."""
    try:
        token = UUID(str(token))
    except ValueError as exc:
        raise Payment.DoesNotExist("No such payment") from exc
    with connection.cursor() as cursor:
        cursor.execute(_PAYMENT_SQL, [token])
        row = cursor.fetchone()
    if row is None:
        raise Payment.DoesNotExist("No such payment")
    payment = raw_rows.instance(Payment, row[: raw_rows.width(Payment)])
    payment.order = raw_rows.instance(Order, row[raw_rows.width(Payment) :])
    return payment


def list_payments_for_order(*, order_id: int):
    return Payment.objects.filter(order_id=order_id).prefetch_related("refunds")
