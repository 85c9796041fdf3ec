"""Item-to-item similarity from co-occurrence, computed inside PostgreSQL.

Each kind of neighbour is cosine similarity over "baskets" — sets of products that appeared
together: the lines of one paid order (bought together), the products one customer bought
across orders (bought by the same customers), the products one visitor viewed in a day or put in
one cart (viewed together). For items i and j seen in n_i and n_j baskets, c_ij of them shared:

    score(i, j) = c_ij / (sqrt(n_i * n_j) + SHRINK)

The shrink term damps pairs seen once or twice between rare items, which plain cosine ranks at
the top (1 / sqrt(1 * 1) = 1). Baskets larger than a cap are skipped: they cost O(n²) pairs and
come from bots, wholesale buyers or crawlers rather than from shoppers' intent.

The whole computation is a handful of ``INSERT … SELECT`` statements (in ``sql.py``): no rows
travel to Python,
so 100,000 orders take seconds, and the swap is one transaction (readers see the old neighbours
until it commits).
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.recommendations import sql
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

RANKING_WEIGHTS = {"w_purchase": 3.0, "w_cart": 2.0, "w_view": 1.0}


@dataclass(frozen=True)
class RecomputeResult:
    run_id: int | None
    skipped: bool
    duration_ms: int
    neighbours: dict[str, int]
    rankings: dict[str, int]


def recompute(*, force: bool = False) -> RecomputeResult:
    """Replace every stored neighbour and ranking of the current store in one transaction.

    Skips the work (returns ``skipped``) when another recompute of this store holds the lock, or
    when the signals have not changed since a run less than a day old, unless ``force``.
    """
    started_at = timezone.now()
    clock = time.perf_counter()
    watermark = sql.signal_watermark()
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
    with transaction.atomic():
        if not sql.try_recompute_lock():
            logger.info("recommendations recompute already running in %s", connection.schema_name)
            return RecomputeResult(None, True, 0, {}, {})
        sql.raise_work_mem()
        params = {
            "since": started_at - PURCHASE_WINDOW,
            "session_since": started_at - SESSION_WINDOW,
            "session_day": (started_at - SESSION_WINDOW).date(),
            "shrink": SHRINK,
            "top_k": TOP_K,
        }
        sql.delete_neighbours()
        plan = [
            (ProductNeighbour.Kind.BOUGHT_TOGETHER, sql.ORDER_BASKETS, MAX_ORDER_BASKET),
            (ProductNeighbour.Kind.BOUGHT_BY_SAME, sql.CUSTOMER_BASKETS, MAX_CUSTOMER_BASKET),
            (ProductNeighbour.Kind.VIEWED_TOGETHER, sql.SESSION_BASKETS, MAX_SESSION_BASKET),
        ]
        for kind, baskets, max_basket in plan:
            neighbours[str(kind)] = sql.insert_neighbours(
                baskets, {**params, "kind": str(kind), "max_basket": max_basket}
            )
        sql.delete_rankings()
        for kind, window, limit in (
            (ProductRanking.Kind.TRENDING, TRENDING_WINDOW, TRENDING_SIZE),
            (ProductRanking.Kind.POPULAR, POPULAR_WINDOW, None),
        ):
            since = started_at - window
            rankings[str(kind)] = sql.insert_ranking(
                {
                    **RANKING_WEIGHTS,
                    "kind": str(kind),
                    "since": since,
                    "since_day": since.date(),
                    "limit": limit,
                }
            )
        orders_used = sql.count_baskets(sql.ORDER_BASKETS, params)
        sessions_used = sql.count_baskets(sql.SESSION_BASKETS, params)
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
