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
    row = raw_rows.fetch_by_token(Payment, _PAYMENT_SQL, token)
    payment, order = raw_rows.split(row, Payment, Order)
    payment.order = order
    return payment


def list_payments_for_order(*, order_id: int):
    return Payment.objects.filter(order_id=order_id).prefetch_related("refunds")
