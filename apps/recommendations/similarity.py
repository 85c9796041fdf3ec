"""Item-to-item similarity from co-occurrence, computed inside PostgreSQL.

Each kind of neighbour is cosine similarity over "baskets" — sets of products that appeared
together: the lines of one paid order (bought together), the products one customer bought
across orders (bought by the same customers), the products one visitor viewed in a day or put in
one cart (viewed together). For items i and j seen in n_i and n_j baskets, c_ij of them shared:

    score(i, j) = c_ij / (sqrt(n_i * n_j) + SHRINK)

The shrink term damps pairs seen once or twice between rare items, which plain cosine ranks at
the top (1 / sqrt(1 * 1) = 1). Baskets larger than a cap are skipped: they cost O(n²) pairs and
come from bots, wholesale buyers or crawlers rather than from shoppers' intent.

The whole computation is a handful of ``INSERT … SELECT`` statements: no rows travel to Python,
so 100,000 orders take seconds, and the swap is one transaction (readers see the old neighbours
until it commits).
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.recommendations.models import ProductNeighbour, ProductRanking, RecomputeRun

logger = logging.getLogger(__name__)

TOP_K = 30  # neighbours kept per product and kind (pages show at most 24 after filtering)
SHRINK = 5.0
MAX_ORDER_BASKET = 50
MAX_CUSTOMER_BASKET = 100
MAX_SESSION_BASKET = 40
PURCHASE_WINDOW = timedelta(days=730)
SESSION_WINDOW = timedelta(days=90)
TRENDING_WINDOW = timedelta(days=7)
POPULAR_WINDOW = timedelta(days=90)
TRENDING_SIZE = 200
FORCE_AFTER = timedelta(hours=24)  # recompute even without new signals: trending decays

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

RANKING_WEIGHTS = {"w_purchase": 3.0, "w_cart": 2.0, "w_view": 1.0}


@dataclass(frozen=True)
class RecomputeResult:
    run_id: int | None
    skipped: bool
    duration_ms: int
    neighbours: dict[str, int]
    rankings: dict[str, int]


def signal_watermark() -> str:
    """A cheap fingerprint of the signals: unchanged means a recompute would change nothing."""
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


def _try_lock(cursor) -> bool:
    # Advisory locks are per database: the schema name keeps stores from blocking each other.
    cursor.execute(
        "SELECT pg_try_advisory_xact_lock(hashtext('recs-recompute:' || current_schema()))"
    )
    return bool(cursor.fetchone()[0])


def recompute(*, force: bool = False) -> RecomputeResult:
    """Replace every stored neighbour and ranking of the current store in one transaction.

    Skips the work (returns ``skipped``) when another recompute of this store holds the lock, or
    when the signals have not changed since a run less than a day old, unless ``force``.
    """
    started_at = timezone.now()
    clock = time.perf_counter()
    watermark = signal_watermark()
    last = RecomputeRun.objects.order_by("-id").first()
    if (
        not force
        and last is not None
        and last.watermark == watermark
        and started_at - last.finished_at < FORCE_AFTER
    ):
        return RecomputeResult(last.id, True, 0, {}, {})
    neighbours: dict[str, int] = {}
    rankings: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if not _try_lock(cursor):
            logger.info("recommendations recompute already running in %s", connection.schema_name)
            return RecomputeResult(None, True, 0, {}, {})
        # Big sorts and hash joins stay in memory for the pair counts of large stores.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        params = {
            "since": started_at - PURCHASE_WINDOW,
            "session_since": started_at - SESSION_WINDOW,
            "session_day": (started_at - SESSION_WINDOW).date(),
            "shrink": SHRINK,
            "top_k": TOP_K,
        }
        cursor.execute("DELETE FROM recommendations_productneighbour")
        plan = [
            (ProductNeighbour.Kind.BOUGHT_TOGETHER, ORDER_BASKETS, MAX_ORDER_BASKET),
            (ProductNeighbour.Kind.BOUGHT_BY_SAME, CUSTOMER_BASKETS, MAX_CUSTOMER_BASKET),
            (ProductNeighbour.Kind.VIEWED_TOGETHER, SESSION_BASKETS, MAX_SESSION_BASKET),
        ]
        for kind, baskets, max_basket in plan:
            cursor.execute(
                NEIGHBOURS_SQL.format(baskets=baskets),
                {**params, "kind": str(kind), "max_basket": max_basket},
            )
            neighbours[str(kind)] = cursor.rowcount
        cursor.execute("DELETE FROM recommendations_productranking")
        for kind, window, limit in (
            (ProductRanking.Kind.TRENDING, TRENDING_WINDOW, TRENDING_SIZE),
            (ProductRanking.Kind.POPULAR, POPULAR_WINDOW, None),
        ):
            since = started_at - window
            cursor.execute(
                RANKING_SQL,
                {
                    **RANKING_WEIGHTS,
                    "kind": str(kind),
                    "since": since,
                    "since_day": since.date(),
                    "limit": limit,
                },
            )
            rankings[str(kind)] = cursor.rowcount
        cursor.execute(f"SELECT count(DISTINCT basket) FROM ({ORDER_BASKETS}) b", params)
        orders_used = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(DISTINCT basket) FROM ({SESSION_BASKETS}) b", params)
        sessions_used = cursor.fetchone()[0]
        duration_ms = int((time.perf_counter() - clock) * 1000)
        run = RecomputeRun.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=duration_ms,
            orders_used=orders_used,
            sessions_used=sessions_used,
            neighbours_stored=sum(neighbours.values()),
            watermark=watermark,
        )
    logger.info(
        "recommendations recomputed in %s: %s neighbours, %s ms",
        connection.schema_name,
        neighbours,
        duration_ms,
    )
    return RecomputeResult(run.id, False, duration_ms, neighbours, rankings)
