"""Row locks for payments. Lock order: order row (orders.locks) → refund → payment."""

from django.db import connection
from django.db.transaction import TransactionManagementError

from apps.core import raw_rows
from apps.payments import sql
from apps.payments.models import Payment, Refund


def lock_payment(payment_id: int) -> Payment:
    """Lock and return the payment row. Call inside a transaction, after the order lock.
    Raises Payment.DoesNotExist."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_payment needs a transaction.")
    row = sql.lock_payment_row(payment_id)
    if row is None:
        raise Payment.DoesNotExist(f"No payment {payment_id}.")
    return raw_rows.instance(Payment, row)


def lock_refund(refund_id: int) -> Refund:
    """Lock and return the refund row. Call inside a transaction, after the order lock."""
    return Refund.objects.select_for_update(of=("self",)).get(pk=refund_id)
