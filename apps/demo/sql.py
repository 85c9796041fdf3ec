"""The demo app's raw SQL: the only module of ``apps.demo`` that runs ``cursor.execute``.

Bulk fix-ups of generated and seeded data, each one statement over many rows. The tables are
read by name (through the models' ``db_table``): this app sits above every domain app.
"""

from collections.abc import Sequence

from django.db import connection

from apps.cart.models import Cart
from apps.catalog.models import Product
from apps.checkout.models import Checkout
from apps.orders.models import Order


def analyze_tables(tables: Sequence[str]) -> None:
    """Refresh the planner statistics of ``tables`` (names from code, never from input).

    ANALYZE is a maintenance statement: the ORM has no way to issue it.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def spread_product_created_at(product_ids: Sequence[int]) -> None:
    """Give the products creation dates spread over the past year, derived from their ids.

    One statement for a batch of thousands of rows, each with its own date computed from its
    id: ``QuerySet.update`` cannot multiply an integer expression by an interval without
    casts that hide the arithmetic, and a per-row ``save()`` would cost one query per product.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Product._meta.db_table} "
            "SET created_at = now() - ((id * 7919) %% 31536000) * interval '1 second' "
            "WHERE id = ANY(%s)",
            [list(product_ids)],
        )


def backdate_carts_to_their_orders() -> int:
    """Give each cart that became an order its order's ``created_at``; return the carts changed.

    An UPDATE ... FROM joining cart → checkout → order (matched on the checkout token, not a
    foreign key): ``QuerySet.update`` cannot join, and correlated subqueries would read the
    order table once per cart.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Cart._meta.db_table} AS cart SET created_at = o.created_at "
            f"FROM {Checkout._meta.db_table} AS c "
            f"JOIN {Order._meta.db_table} AS o ON o.checkout_token = c.token "
            "WHERE c.cart_id = cart.id"
        )
        return cursor.rowcount
