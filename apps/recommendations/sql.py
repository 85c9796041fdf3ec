"""The recommendations app's raw SQL: the only module of the app that runs ``cursor.execute``.

Similarity and rankings are computed inside PostgreSQL (``similarity.py`` says how and why):
co-occurrence counting over every basket is a handful of ``INSERT … SELECT`` statements with
window functions and materialized CTEs, which no rows leave; the ORM would bring every pair to
Python. The signal flush writes batches with ``INSERT … SELECT FROM unnest(…) ON CONFLICT … DO
UPDATE`` (an additive or monotonic upsert, which ``bulk_create(update_conflicts=True)`` cannot
express: it only overwrites). Orders, carts and the catalog are read by table name.
"""

from datetime import date

from django.db import connection

# Purchases count only for orders that were paid and not undone.
PAID_ORDER = (
    "o.paid_at IS NOT NULL AND o.status NOT IN ('cancelled', 'refunded') AND o.paid_at >= %(since)s"
)

ORDER_BASKETS = f"""
    SELECT DISTINCT l.order_id AS basket, v.product_id AS item
    FROM orders_orderline l
    JOIN orders_order o ON o.id = l.order_id
    JOIN catalog_variant v ON v.id = l.variant_id
    WHERE {PAID_ORDER}
"""

# Signed-in customers by account, guests by email: a guest's orders still form one history.
CUSTOMER_BASKETS = f"""
    SELECT DISTINCT COALESCE('u' || o.user_id::text, lower(o.email)) AS basket,
           v.product_id AS item
    FROM orders_orderline l
    JOIN orders_order o ON o.id = l.order_id
    JOIN catalog_variant v ON v.id = l.variant_id
    WHERE {PAID_ORDER}
"""

SESSION_BASKETS = """
    SELECT visitor_key || '|' || day::text AS basket, product_id AS item
    FROM recommendations_productviewdaily
    WHERE day >= %(session_day)s
    UNION
    SELECT 'c' || cl.cart_id::text, v.product_id
    FROM cart_cartline cl
    JOIN catalog_variant v ON v.id = cl.variant_id
    WHERE cl.created_at >= %(session_since)s
"""

NEIGHBOURS_SQL = """
    INSERT INTO recommendations_productneighbour (kind, product_id, neighbour_id, score, rank)
    WITH s AS MATERIALIZED ({baskets}),
    sized AS MATERIALIZED (
        SELECT basket, item FROM (
            SELECT basket, item, count(*) OVER (PARTITION BY basket) AS n FROM s
        ) t
        WHERE n BETWEEN 2 AND %(max_basket)s
    ),
    item_count AS (SELECT item, count(*)::float AS n FROM s GROUP BY item),
    pairs AS (
        SELECT a.item AS i, b.item AS j, count(*) AS c
        FROM sized a JOIN sized b ON a.basket = b.basket AND a.item <> b.item
        GROUP BY a.item, b.item
    ),
    ranked AS (
        SELECT p.i, p.j, p.c / (sqrt(ci.n * cj.n) + %(shrink)s) AS score,
               row_number() OVER (
                   PARTITION BY p.i
                   ORDER BY p.c / (sqrt(ci.n * cj.n) + %(shrink)s) DESC, p.c DESC, p.j
               ) AS rank
        FROM pairs p
        JOIN item_count ci ON ci.item = p.i
        JOIN item_count cj ON cj.item = p.j
    )
    SELECT %(kind)s, i, j, score, rank FROM ranked WHERE rank <= %(top_k)s
"""

# One score per product from weighted signals; the window decides trending vs popular.
RANKING_SQL = f"""
    INSERT INTO recommendations_productranking (kind, product_id, score, rank)
    SELECT %(kind)s, product_id, score, row_number() OVER (ORDER BY score DESC, product_id)
    FROM (
        SELECT x.product_id, sum(x.w) AS score
        FROM (
            SELECT v.product_id, %(w_purchase)s::float * l.quantity AS w
            FROM orders_orderline l
            JOIN orders_order o ON o.id = l.order_id
            JOIN catalog_variant v ON v.id = l.variant_id
            WHERE {PAID_ORDER}
            UNION ALL
            SELECT v.product_id, %(w_cart)s::float
            FROM cart_cartline cl JOIN catalog_variant v ON v.id = cl.variant_id
            WHERE cl.created_at >= %(since)s
            UNION ALL
            SELECT product_id, %(w_view)s::float
            FROM recommendations_productviewdaily
            WHERE day >= %(since_day)s
        ) x
        JOIN catalog_product p ON p.id = x.product_id AND p.status = 'active'
        GROUP BY x.product_id
    ) scored
    ORDER BY score DESC, product_id
    LIMIT %(limit)s
"""

UPSERT_VIEWS_SQL = """
    INSERT INTO recommendations_productviewdaily (day, visitor_key, product_id, views)
    SELECT u.day, u.visitor_key, u.product_id, u.views
    FROM unnest(%s::date[], %s::varchar[], %s::bigint[], %s::int[])
         AS u(day, visitor_key, product_id, views)
    JOIN catalog_product p ON p.id = u.product_id
    ON CONFLICT (day, visitor_key, product_id)
    DO UPDATE SET views = recommendations_productviewdaily.views + EXCLUDED.views
"""

UPSERT_STATS_SQL = """
    INSERT INTO recommendations_widgetstat (day, widget, impressions, clicks)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (day, widget) DO UPDATE SET
        impressions = GREATEST(recommendations_widgetstat.impressions, EXCLUDED.impressions),
        clicks = GREATEST(recommendations_widgetstat.clicks, EXCLUDED.clicks)
"""


def signal_watermark() -> str:
    """A cheap fingerprint of the signals: unchanged means a recompute would change nothing.

    Four max() lookups over other apps' tables in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT max(paid_at) FROM orders_order),
                   (SELECT max(updated_at) FROM orders_order WHERE paid_at IS NOT NULL),
                   (SELECT max(id) FROM cart_cartline),
                   (SELECT max(id) FROM recommendations_productviewdaily)
            """
        )
        row = cursor.fetchone()
    return "|".join("" if value is None else str(value) for value in row)[:200]


def try_recompute_lock() -> bool:
    """Take this store's recompute lock for the transaction, unless someone holds it.

    The ORM has no advisory locks. Advisory locks are per database: the schema name keeps
    stores from blocking each other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext('recs-recompute:' || current_schema()))"
        )
        return bool(cursor.fetchone()[0])


def raise_work_mem() -> None:
    """Big sorts and hash joins stay in memory for the pair counts of large stores (a session
    setting, for the transaction only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")


def delete_neighbours() -> None:
    """Empty the neighbour table (inside the recompute's transaction; one statement, no
    collector as ``QuerySet.delete()`` would run)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM recommendations_productneighbour")


def insert_neighbours(baskets: str, params: dict) -> int:
    """Store the top neighbours of one kind from ``baskets`` (one of the basket statements
    above); return how many."""
    with connection.cursor() as cursor:
        cursor.execute(NEIGHBOURS_SQL.format(baskets=baskets), params)
        return cursor.rowcount


def delete_rankings() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM recommendations_productranking")


def insert_ranking(params: dict) -> int:
    """Store one ranking (trending or popular, by ``params``); return how many products."""
    with connection.cursor() as cursor:
        cursor.execute(RANKING_SQL, params)
        return cursor.rowcount


def count_baskets(baskets: str, params: dict) -> int:
    """How many distinct baskets one of the basket statements yields."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT basket) FROM ({baskets}) b", params)
        return cursor.fetchone()[0]


def add_view_counts(
    *, days: list[date], visitor_keys: list[str], product_ids: list[int], views: list[int]
) -> None:
    """Add a batch of buffered views to the daily counts in one statement (views of products
    deleted meanwhile are dropped by the join)."""
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_VIEWS_SQL, [days, visitor_keys, product_ids, views])


def record_widget_stats(*, day: date, widget: str, impressions: int, clicks: int) -> None:
    """Write a widget's totals of a day, never lowering the stored ones."""
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_STATS_SQL, [day, widget, impressions, clicks])
