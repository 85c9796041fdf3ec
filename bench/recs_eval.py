"""Offline evaluation of the recommender on planted co-purchase structure; prints JSON.

    DATABASE_URL=… REDIS_URL=… python bench/recs_eval.py [--customers 4000] [--orders 20000]
        [--scale-orders 100000] [--seed 7]

1. Opens a throw-away store and fills it with bulk inserts (no checkout): ``--products``
   products in 40 categories, customers in 50 segments, each segment with a planted affinity set
   of 40 products drawn across categories. An order takes 1–4 distinct products, each from the
   customer's segment set (75 %, Zipf-weighted) or from global Zipf popularity (25 %). Every
   paid training order also leaves a view session (its products plus two more of the segment).
2. Holds out each customer's last order, recomputes neighbours on the rest (timed), and for
   every customer whose held-out order holds something they had not bought before, ranks 10
   products with the storefront's own "for you" code (``compute_for_you_ids``) and with a
   popularity baseline (most bought products, minus the customer's purchases). Reports
   hit-rate@10 and NDCG@10 (binary relevance: the held-out order's new products).
3. Adds orders (and their view sessions) until the store holds ``--scale-orders`` paid orders
   and times a full recompute again.

The store is dropped at the end, whatever happens.
"""

import argparse
import bisect
import json
import math
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks speak plain HTTP to this machine (the HTTPS-only settings are for deployments).
os.environ.setdefault("PLAIN_HTTP", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.catalog.models import Category, Product, Variant  # noqa: E402
from apps.orders.models import Order, OrderLine  # noqa: E402
from apps.recommendations import selectors, similarity  # noqa: E402
from apps.recommendations.models import ProductViewDaily  # noqa: E402
from apps.tenants import services as tenant_services  # noqa: E402

CATEGORIES = 40
SEGMENTS = 50
SEGMENT_SET = 40
IN_SEGMENT = 0.75
BASKET_SIZES = ([1, 2, 3, 4], [0.35, 0.35, 0.2, 0.1])
K = 10
PRICE = Decimal("10.00")
BATCH = 5000


class Generator:
    """Customers, segments and orders with a known structure (deterministic per seed)."""

    def __init__(self, *, products: list[int], seed: int):
        self.rng = random.Random(seed)
        self.products = products
        shuffled = products[:]
        self.rng.shuffle(shuffled)
        # Global popularity: Zipf over a random order of the catalog.
        self.global_cum = list(accumulate(1 / (r + 1) ** 0.8 for r in range(len(shuffled))))
        self.global_order = shuffled
        self.segments = [self.rng.sample(products, SEGMENT_SET) for _ in range(SEGMENTS)]
        self.segment_cum = list(accumulate(1 / (r + 1) ** 0.6 for r in range(SEGMENT_SET)))
        self.segment_of: dict[int, int] = {}

    def _pick(self, cum: list[float], items: list[int]) -> int:
        return items[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def basket(self, segment: int) -> list[int]:
        size = self.rng.choices(*BASKET_SIZES)[0]
        chosen: list[int] = []
        while len(chosen) < size:
            if self.rng.random() < IN_SEGMENT:
                item = self._pick(self.segment_cum, self.segments[segment])
            else:
                item = self._pick(self.global_cum, self.global_order)
            if item not in chosen:
                chosen.append(item)
        return chosen

    def extra_views(self, segment: int, basket: list[int]) -> list[int]:
        extra = [p for p in self.rng.sample(self.segments[segment], 4) if p not in basket]
        return extra[:2]

    def histories(self, customers: list[int], orders: int) -> dict[int, list[list[int]]]:
        """Every customer gets at least two orders; the rest are spread at random."""
        counts = dict.fromkeys(customers, 2)
        for _ in range(orders - 2 * len(customers)):
            counts[self.rng.choice(customers)] += 1
        segment_of = {c: self.rng.randrange(SEGMENTS) for c in customers}
        self.segment_of.update(segment_of)
        return {c: [self.basket(segment_of[c]) for _ in range(n)] for c, n in counts.items()}


def create_catalog(count: int) -> tuple[list[int], dict[int, int]]:
    run = uuid.uuid4().hex[:6]
    categories = Category.objects.bulk_create(
        Category(name=f"Category {i}", slug=f"c-{run}-{i}") for i in range(CATEGORIES)
    )
    products = Product.objects.bulk_create(
        (
            Product(
                name=f"Product {i}",
                slug=f"p-{run}-{i}",
                status=Product.Status.ACTIVE,
                category=categories[i % CATEGORIES],
            )
            for i in range(count)
        ),
        batch_size=BATCH,
    )
    variants = Variant.objects.bulk_create(
        (Variant(product=p, sku=f"S-{run}-{p.id}", price=PRICE) for p in products),
        batch_size=BATCH,
    )
    return [p.id for p in products], {v.product_id: v.id for v in variants}


def create_customers(count: int, offset: int) -> list[int]:
    users = User.objects.bulk_create(
        (User(email=f"c{offset + i}@bench.test", password="!") for i in range(count)),
        batch_size=BATCH,
    )
    return [u.id for u in users]


def insert_orders(
    histories: dict[int, list[list[int]]],
    variant_of: dict[int, int],
    generator: Generator,
    *,
    number_offset: int,
) -> int:
    """Insert paid orders (chronological per customer over the last year) with view sessions."""
    now = timezone.now()
    orders, baskets, views = [], [], {}
    number = number_offset
    for customer, history in histories.items():
        start = generator.rng.uniform(200, 360)
        for position, basket in enumerate(history):
            paid_at = now - timedelta(days=start * (1 - position / len(history)) + 0.5)
            number += 1
            total = PRICE * len(basket)
            orders.append(
                Order(
                    number=number,
                    user_id=customer,
                    email=f"u{customer}@bench.test",
                    status=Order.Status.PAID,
                    payment_status=Order.PaymentStatus.PAID,
                    currency="USD",
                    subtotal=total,
                    total=total,
                    paid_at=paid_at,
                )
            )
            baskets.append(basket)
            segment = generator.segment_of[customer]
            for product in [*basket, *generator.extra_views(segment, basket)]:
                views[(paid_at.date(), f"u:{customer}", product)] = 1
    created = Order.objects.bulk_create(orders, batch_size=BATCH)
    OrderLine.objects.bulk_create(
        (
            OrderLine(
                order=order,
                variant_id=variant_of[product],
                product_name="Product",
                sku="SKU",
                quantity=1,
                unit_price=PRICE,
                line_total=PRICE,
            )
            for order, basket in zip(created, baskets, strict=True)
            for product in basket
        ),
        batch_size=BATCH,
    )
    ProductViewDaily.objects.bulk_create(
        (
            ProductViewDaily(day=day, visitor_key=key, product_id=product, views=1)
            for (day, key, product) in views
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return len(created)


def ndcg(ranked: list[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, p in enumerate(ranked[:K]) if p in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return dcg / ideal if ideal else 0.0


def evaluate(held_out: dict[int, list[int]], training: dict[int, list[list[int]]]) -> dict:
    popularity: dict[int, int] = {}
    for history in training.values():
        for basket in history:
            for product in basket:
                popularity[product] = popularity.get(product, 0) + 1
    popular = sorted(popularity, key=lambda p: (-popularity[p], p))
    totals = {"ours": [0, 0.0], "popularity": [0, 0.0]}
    evaluated = 0
    clock = time.perf_counter()
    for customer, basket in held_out.items():
        bought = {p for b in training[customer] for p in b}
        relevant = set(basket) - bought
        if not relevant:
            continue
        evaluated += 1
        ours = selectors.compute_for_you_ids(user_id=customer, limit=K)
        baseline = [p for p in popular if p not in bought][:K]
        for name, ranked in (("ours", ours), ("popularity", baseline)):
            totals[name][0] += bool(relevant & set(ranked[:K]))
            totals[name][1] += ndcg(ranked, relevant)
    elapsed = time.perf_counter() - clock
    result = {
        name: {
            "hit_rate_at_10": round(hits / evaluated, 4),
            "ndcg_at_10": round(gain / evaluated, 4),
        }
        for name, (hits, gain) in totals.items()
    }
    result["customers_evaluated"] = evaluated
    result["hit_rate_ratio"] = round(
        result["ours"]["hit_rate_at_10"] / max(result["popularity"]["hit_rate_at_10"], 1e-9), 2
    )
    result["ms_per_for_you_ranking"] = round(elapsed / max(evaluated, 1) * 1000, 2)
    return result


def recompute_timed() -> dict:
    clock = time.perf_counter()
    result = similarity.recompute(force=True)
    run = result.run_id
    from apps.recommendations.models import RecomputeRun

    info = RecomputeRun.objects.get(pk=run)
    return {
        "seconds": round(time.perf_counter() - clock, 2),
        "paid_orders": info.orders_used,
        "sessions": info.sessions_used,
        "neighbours": result.neighbours,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--scale-orders", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)  # a fresh database

    slug = f"recsbench{uuid.uuid4().hex[:8]}"
    store = tenant_services.create_store(
        name="Recs bench",
        slug=slug,
        owner_email=f"owner@{slug}.test",
        owner_password="Bench-pass-2026",
        with_defaults=False,  # the bench builds its own stock, shipping and tax setup
    )
    report: dict = {"store": slug}
    try:
        connection.set_tenant(store)
        clock = time.perf_counter()
        products, variant_of = create_catalog(args.products)
        generator = Generator(products=products, seed=args.seed)
        customers = create_customers(args.customers, 0)
        histories = generator.histories(customers, args.orders)
        training = {c: h[:-1] for c, h in histories.items()}
        held_out = {c: h[-1] for c, h in histories.items()}
        inserted = insert_orders(training, variant_of, generator, number_offset=10_000)
        report["setup"] = {
            "products": len(products),
            "customers": len(customers),
            "orders_generated": args.orders,
            "training_orders": inserted,
            "held_out_orders": len(held_out),
            "insert_seconds": round(time.perf_counter() - clock, 1),
        }
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report["recompute_training"] = recompute_timed()
        report["evaluation"] = evaluate(held_out, training)

        # Scale: more customers and orders until the store holds --scale-orders paid orders.
        missing = args.scale_orders - inserted
        if missing > 0:
            clock = time.perf_counter()
            extra_customers = create_customers(missing // 5, args.customers)
            extra = generator.histories(extra_customers, missing)
            inserted += insert_orders(
                extra, variant_of, generator, number_offset=10_000 + args.orders + 10
            )
            insert_seconds = round(time.perf_counter() - clock, 1)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            report["recompute_at_scale"] = {
                **recompute_timed(),
                "insert_seconds": insert_seconds,
            }
        report["targets"] = {
            "hit_rate_at_least_2x_popularity": report["evaluation"]["hit_rate_ratio"] >= 2,
            "recompute_100k_under_60s": report.get("recompute_at_scale", {}).get("seconds", 0) < 60,
        }
    finally:
        connection.set_schema_to_public()
        store.delete(force_drop=True)
        report["store_dropped"] = True
    print(json.dumps(report, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
