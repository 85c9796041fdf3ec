"""The checkout app's raw SQL: the only module of the app that runs ``cursor.execute``."""

from django.db import connection

from apps.cart.models import Cart
from apps.checkout.models import Checkout, Voucher
from apps.core import raw_rows

# A checkout with its cart and voucher (select_related("cart", "voucher")): read on every
# checkout page and submission. Kept in SQL for the checkout benchmark: with this read, the
# payment-page read and the order and payment row locks in the ORM, bench/checkout.py ran
# 15 % fewer orders/s (README, issue #15 figures); building these ORM queries cost more CPU
# than PostgreSQL spent running them.
_CHECKOUT_BY_TOKEN = f"""
SELECT {raw_rows.columns(Checkout, "k")}, {raw_rows.columns(Cart, "c")},
       {raw_rows.columns(Voucher, "v")}
FROM {Checkout._meta.db_table} k
JOIN {Cart._meta.db_table} c ON c.id = k.cart_id
LEFT JOIN {Voucher._meta.db_table} v ON v.id = k.voucher_id
WHERE k.token = %s
"""


def checkout_row_by_token(token) -> tuple | None:
    """Checkout, cart and voucher columns (the voucher's all NULL when it has none)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHECKOUT_BY_TOKEN, [token])
        return cursor.fetchone()
