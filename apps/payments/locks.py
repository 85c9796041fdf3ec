"""Row locks for payments. Lock order: order row (orders.locks) → refund → payment."""

from apps.core import raw_rows
from apps.payments import sql
from apps.payments.models import Payment, Refund


def lock_payment(payment_id: int) -> Payment:
    """Lock and return the payment row. Call inside a transaction, after the order lock.
    Raises Payment.DoesNotExist."""
    return raw_rows.locked(Payment, sql.lock_payment_row, payment_id)


def lock_refund(refund_id: int) -> Refund:
    """Lock and return the refund row. Call inside a transaction, after the order lock."""
    return Refund.objects.select_for_update(of=("self",)).get(pk=refund_id)
