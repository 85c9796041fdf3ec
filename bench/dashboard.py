"""Time the merchant dashboard (/admin/) of a store holding 10,000 orders; print JSON.

    python -m config.devservices -- python bench/dashboard.py [--orders 10000] [--requests 30]

Opens a throw-away store, bulk-creates a catalog (50 products × 2 variants, stock, some of it
low), carts, and ``--orders`` orders with 1–3 lines each, all placed within the last 30 days
(the dashboard's widest window, so every order is aggregated), ANALYZEs the tables, then
requests the dashboard as the owner through Django's test client (the full middleware and
template stack, no network) and reports the median server time and the SQL query count. The
store is dropped afterwards (``--keep`` keeps it).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks speak plain HTTP to this machine (the HTTPS-only settings are for deployments).
os.environ.setdefault("PLAIN_HTTP", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.cart.models import Cart  # noqa: E402
from apps.catalog.models import Category, Product, Variant  # noqa: E402
from apps.dashboard import selectors as dashboard_selectors  # noqa: E402
from apps.inventory.models import Reservation, StockLevel, Warehouse  # noqa: E402
from apps.orders.models import Order, OrderLine, Return  # noqa: E402
from apps.tenants import services  # noqa: E402

D = Decimal
BATCH = 2000


def seed(order_count: int, rng: random.Random) -> dict:
    category = Category.objects.create(name="Bench", slug="bench")
    products = Product.objects.bulk_create(
        Product(name=f"Bench product {i}", slug=f"bench-{i}", status="active", category=category)
        for i in range(50)
    )
    variants = Variant.objects.bulk_create(
        Variant(product=p, sku=f"B{p.id}-{k}", price=D(rng.choice(["9.00", "19.00", "45.00"])),
                cost_price=D("4.00"))
        for p in products for k in range(2)
    )  # fmt: skip
    warehouse = Warehouse.objects.create(name="Bench warehouse", priority=1)
    StockLevel.objects.bulk_create(
        StockLevel(variant=v, warehouse=warehouse, on_hand=rng.choice([0, 2, 4, 30, 80]))
        for v in variants
    )
    Cart.objects.bulk_create((Cart() for _ in range(int(order_count * 1.3))), batch_size=BATCH)

    statuses = [("paid", "paid")] * 17 + [("partially_refunded", "paid"), ("unpaid", "pending"),
                                          ("unpaid", "cancelled")]  # fmt: skip
    orders = []
    for i in range(order_count):
        payment_status, status = rng.choice(statuses)
        total = D(rng.randrange(900, 25000)) / 100
        orders.append(
            Order(
                number=1001 + i, token=uuid.uuid4(), email=f"shopper{rng.randrange(4000)}@b.test",
                status=status, payment_status=payment_status, currency="USD", subtotal=total,
                total=total,
                amount_refunded=(total / 4).quantize(D("0.01"))
                if payment_status == "partially_refunded" else D("0"),
            )
        )  # fmt: skip
    Order.objects.bulk_create(orders, batch_size=BATCH)
    lines = []
    for order in orders:
        for variant in rng.sample(variants, rng.choice([1, 1, 2, 3])):
            quantity = rng.choice([1, 1, 2])
            lines.append(
                OrderLine(order=order, variant=variant, product_name=variant.product.name,
                          sku=variant.sku, quantity=quantity, unit_price=variant.price,
                          line_total=variant.price * quantity)
            )  # fmt: skip
    OrderLine.objects.bulk_create(lines, batch_size=BATCH)
    Return.objects.bulk_create(Return(order=o) for o in orders[:12])
    with connection.cursor() as cursor:
        # Spread orders and carts over the last 30 days (auto_now_add filled in "now").
        cursor.execute(
            "UPDATE orders_order SET created_at = now() - (id % 43200) * interval '1 minute'"
        )
        cursor.execute(
            "UPDATE cart_cart SET created_at = now() - (id % 43200) * interval '1 minute'"
        )
        cursor.execute("SELECT setval('orders_order_number_seq', %s)", [order_count])
        cursor.execute("ANALYZE")
    Reservation.objects.bulk_create(
        Reservation(reference=f"bench:{i}", variant=variants[i], warehouse=warehouse, quantity=1,
                    expires_at=timezone.now() + timedelta(minutes=10))
        for i in range(5)
    )  # fmt: skip
    return {"orders": len(orders), "order_lines": len(lines), "carts": int(order_count * 1.3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    call_command("migrate_schemas", interactive=False, verbosity=0)
    slug = f"bench-dash-{uuid.uuid4().hex[:6]}"
    store = services.create_store(
        name="Bench dashboard", slug=slug, owner_email=f"owner@{slug}.test",
        owner_password="Bench-pass-2026",
        with_defaults=False,  # the bench builds its own stock, shipping and tax setup
    )  # fmt: skip
    try:
        with schema_context(slug):
            started = time.perf_counter()
            counts = seed(args.orders, random.Random(2026))
            seed_seconds = time.perf_counter() - started
            owner = get_user_model().objects.get(email=f"owner@{slug}.test")
            client = Client(HTTP_HOST=store.primary_host)
            client.force_login(owner)

        for _ in range(3):  # warm up: templates, connection, caches
            assert client.get("/admin/").status_code == 200
        timings = []
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/admin/")
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code

        with schema_context(slug):
            selector_timings = []
            for _ in range(args.requests):
                started = time.perf_counter()
                dashboard_selectors.get_dashboard(store=store)
                selector_timings.append((time.perf_counter() - started) * 1000)

        timings.sort()
        result = {
            **counts,
            "seed_seconds": round(seed_seconds, 1),
            "requests": args.requests,
            "median_ms": round(statistics.median(timings), 1),
            "p90_ms": round(timings[int(len(timings) * 0.9) - 1], 1),
            "min_ms": round(timings[0], 1),
            "max_ms": round(timings[-1], 1),
            "sql_queries_per_request": len(queries.captured_queries),
            "selectors_median_ms": round(statistics.median(selector_timings), 1),
            "measured_with": "django.test.Client GET /admin/ as the store owner, in-process",
        }
    finally:
        if not args.keep:
            connection.set_schema_to_public()
            store.delete(force_drop=True)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
