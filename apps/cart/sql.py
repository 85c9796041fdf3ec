"""The cart app's raw SQL: the only module of the app that runs ``cursor.execute``.

Each statement says what the ORM could not do or what it cost. The statements of every add and
every cart page are prepared (``core.prepared.prepared_cursor``): PostgreSQL spent more time
planning them than running them (0.65 ms planning, 0.09 ms running for the sellable variant).
Rows come back as tuples of ``raw_rows.columns(...)``; the selectors and services turn them
into model instances.
"""

import json
from datetime import datetime
from uuid import UUID

from django.db import connection

from apps.cart.models import Cart, CartLine
from apps.catalog.models import Product, Variant
from apps.core import raw_rows
from apps.core.prepared import prepared_cursor
from apps.inventory import selectors as inventory_selectors

_AVAILABLE_FOR_VARIANT = inventory_selectors.AVAILABLE_FOR_VARIANT_SQL.format(variant="v.id")

# A sellable variant with its product and its availability, in one statement: run on every
# add to cart. The ORM needs a correlated-subquery annotation for the availability, which cost
# more CPU to build than the statement took to run.
_SELLABLE_SQL = f"""
SELECT {raw_rows.columns(Variant, "v")}, {raw_rows.columns(Product, "p")},
       ({_AVAILABLE_FOR_VARIANT})
FROM {Variant._meta.db_table} v
JOIN {Product._meta.db_table} p ON p.id = v.product_id
WHERE v.id = %s AND v.active AND p.status = %s
"""


def sellable_variant_row(*, variant_id: int, now: datetime) -> tuple | None:
    """Variant columns, product columns, then the units available now; None if not sellable."""
    with prepared_cursor() as cursor:
        cursor.execute(_SELLABLE_SQL, [now, variant_id, Product.Status.ACTIVE], prepare=True)
        return cursor.fetchone()


# A cart line is a shopper's note, not a sale: an add that is its own transaction commits
# without waiting for the WAL flush (``synchronous_commit`` off for that transaction only, as a
# stock hold does). The flush cost an add 3.2 ms (median; p95 6.6 ms) on the 2-core machine,
# more than the rest of the request. A crash of the database server may forget the adds of its
# last fraction of a second; never a line an order was made of, since the order's own durable
# commit flushes everything written before it. Inside a caller's transaction (the API's order
# from items) the caller's commit decides, so nothing is relaxed there.
_RELAXED_COMMIT = """relaxed AS (
    SELECT set_config('synchronous_commit', 'off', true) WHERE %(relaxed)s
)"""

# The line upsert of both adds below: units added to the line of ``cart`` (a CTE of one row
# with the cart's id), created if needed, only while its new quantity stays within the limit.
# The ORM has no conditional upsert (ON CONFLICT ... DO UPDATE ... WHERE). The upsert takes the
# line's row lock, so concurrent adds to one line queue and each re-checks the limit against
# the newest quantity.
_LINE_UPSERT = f"""line AS (
    INSERT INTO {CartLine._meta.db_table}
        (cart_id, variant_id, quantity, gift_card, created_at, updated_at)
    SELECT cart.id, %(variant)s, %(quantity)s, %(gift_card)s::jsonb, %(now)s, %(now)s FROM cart
    ON CONFLICT (cart_id, variant_id) DO UPDATE
        SET quantity = {CartLine._meta.db_table}.quantity + EXCLUDED.quantity,
            -- a gift card's recipient entered again replaces the line's
            gift_card = CASE WHEN EXCLUDED.gift_card = '{{}}'::jsonb
                             THEN {CartLine._meta.db_table}.gift_card ELSE EXCLUDED.gift_card END,
            updated_at = EXCLUDED.updated_at
        WHERE {CartLine._meta.db_table}.quantity + EXCLUDED.quantity <= %(limit)s
    RETURNING id, quantity, created_at
)"""

# Add units to a line of a known cart and touch the cart's updated_at, in one statement (one
# transaction, one round trip).
_ADD_UNITS_SQL = f"""
WITH {_RELAXED_COMMIT}, cart AS (SELECT %(cart)s::bigint AS id), {_LINE_UPSERT}, touched AS (
    UPDATE {Cart._meta.db_table} SET updated_at = %(now)s
    WHERE id = %(cart)s AND EXISTS (SELECT 1 FROM line)
)
SELECT line.id, line.quantity, line.created_at FROM line LEFT JOIN relaxed ON true
"""


def add_units(
    *, cart_id: int, variant_id: int, quantity: int, limit: int, now: datetime,
    gift_card: dict | None = None,
) -> tuple | None:  # fmt: skip
    """(line id, new quantity, created_at), or None when the new quantity would pass ``limit``.
    ``gift_card``: the recipient of a gift card line (kept when empty)."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _ADD_UNITS_SQL,
            {"cart": cart_id, "variant": variant_id, "quantity": quantity, "limit": limit,
             "now": now, "gift_card": json.dumps(gift_card or {}),
             "relaxed": not connection.in_atomic_block},
            prepare=True,
        )  # fmt: skip
        return cursor.fetchone()


# A guest's add, the whole write in one statement: the open cart with the cookie's token, else
# a new cart (a guest's first add was an INSERT of the cart, then the line's upsert: two
# statements and two commits), the line upserted as above, and a found cart touched and given
# the shopper's currency (``%(currency)s``; NULL leaves it). The new cart has the token the
# caller made, so the cookie can be set from the row.
_CART = Cart._meta.db_table
_ADD_TO_GUEST_CART_SQL = f"""
WITH {_RELAXED_COMMIT}, found AS (
    SELECT {raw_rows.columns(Cart, "c")} FROM {_CART} c
    WHERE c.token = %(token)s AND c.status = %(open)s
), created AS (
    INSERT INTO {_CART} (token, user_id, email, currency, status, created_at, updated_at)
    SELECT %(new_token)s, NULL, '', coalesce(%(currency)s, ''), %(open)s, %(now)s, %(now)s
    WHERE NOT EXISTS (SELECT 1 FROM found)
    RETURNING {raw_rows.columns(Cart, _CART)}
), cart AS (
    SELECT * FROM found UNION ALL SELECT * FROM created
), {_LINE_UPSERT}, touched AS (
    UPDATE {_CART} c SET updated_at = %(now)s, currency = coalesce(%(currency)s, c.currency)
    FROM found
    WHERE c.id = found.id
      AND (EXISTS (SELECT 1 FROM line) OR c.currency <> coalesce(%(currency)s, c.currency))
)
SELECT cart.*, line.id, line.quantity, line.created_at
FROM cart LEFT JOIN line ON true LEFT JOIN relaxed ON true
"""


def add_units_to_guest_cart(
    *, token: UUID | None, new_token: UUID, currency: str | None, variant_id: int,
    quantity: int, limit: int, now: datetime, gift_card: dict | None = None,
) -> tuple:  # fmt: skip
    """The cart's columns (before ``currency`` is applied), then (line id, new quantity,
    created_at) — three NULLs when the line's new quantity would pass ``limit`` (a found cart's
    line only: a new cart's line is written whenever ``quantity <= limit``)."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _ADD_TO_GUEST_CART_SQL,
            {"token": token, "new_token": new_token, "currency": currency,
             "open": Cart.Status.OPEN, "variant": variant_id, "quantity": quantity,
             "limit": limit, "now": now, "gift_card": json.dumps(gift_card or {}),
             "relaxed": not connection.in_atomic_block},
            prepare=True,
        )  # fmt: skip
        row = cursor.fetchone()
    assert row is not None  # a cart is found or created
    return row


# The lines of one cart with their variants and products (and their cart, for the guest cart
# read), plus each variant's availability as the inventory app computes it. Plain SQL: the cart
# page runs it after every add, and the ORM's select_related query cost several times more CPU
# to build than to run.
_LINES_SQL = f"""
SELECT {raw_rows.columns(Cart, "c")}, {raw_rows.columns(CartLine, "l")},
       {raw_rows.columns(Variant, "v")}, {raw_rows.columns(Product, "p")}{{availability}}
FROM {CartLine._meta.db_table} l
JOIN {Cart._meta.db_table} c ON c.id = l.cart_id
JOIN {Variant._meta.db_table} v ON v.id = l.variant_id
JOIN {Product._meta.db_table} p ON p.id = v.product_id
WHERE {{where}}
ORDER BY l.id
"""
_AVAILABILITY_COLUMN = f", ({_AVAILABLE_FOR_VARIANT})"
_CART_BY_ID = "l.cart_id = %s"
_OPEN_CART_BY_TOKEN = "c.token = %s AND c.status = %s"


def line_rows_of_cart(*, cart_id: int, now: datetime | None) -> list[tuple]:
    """Cart, line, variant and product columns per line; then availability if ``now`` is given
    (None: availability is not read)."""
    return _line_rows(_CART_BY_ID, [cart_id], now=now)


def line_rows_of_open_cart(*, token, now: datetime) -> list[tuple]:
    """``line_rows_of_cart`` for the open cart with this token, availability included."""
    return _line_rows(_OPEN_CART_BY_TOKEN, [token, Cart.Status.OPEN], now=now)


def _line_rows(where: str, params: list, *, now: datetime | None) -> list[tuple]:
    sql = _LINES_SQL.format(
        availability=_AVAILABILITY_COLUMN if now is not None else "", where=where
    )
    if now is not None:
        params = [now, *params]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()
