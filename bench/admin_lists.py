"""Time the store admin's list pages (orders, products, customers) of a store holding 10,000
products and 10,000 orders; print JSON.

    python -m config.devservices -- python bench/admin_lists.py [--products 10000]
        [--orders 10000] [--customers 3000] [--requests 20]

Opens a throw-away store, fills its catalog with ``apps.demo.generation.generate_catalog``
(products with variants, stock and search documents, as ``generate_catalog`` does), bulk-creates
customer accounts and ``--orders`` orders with 1–3 lines (most of them by an account, over the
last 30 days), ANALYZEs, then requests each list page as the owner through Django's test
client (the full middleware and template stack, no network) and reports the median and p90
server time, the median CPU time of the process per request (what the page costs, whatever
else the machine is doing) and the SQL queries per request. The store is dropped afterwards
(``--keep`` keeps it; ``--store SLUG`` measures a kept store again without seeding).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
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
from django_tenants.utils import schema_context  # noqa: E402

from apps.catalog.models import Product, Variant  # noqa: E402
from apps.demo import generation  # noqa: E402
from apps.orders.models import Order, OrderLine  # noqa: E402
from apps.tenants import services  # noqa: E402
from apps.tenants.models import Store  # noqa: E402

D = Decimal
BATCH = 2000
PAGES = {
    "orders": "/admin/orders/order/",
    "products": "/admin/catalog/product/",
    "customers": "/admin/customers/",
    "customers_by_spend": "/admin/customers/?sort=spent",
}
ADDRESS = {"full_name": "Ada Lovelace", "line1": "12 Analytical Way", "city": "Portland",
           "postal_code": "97201", "country": "US"}  # fmt: skip


def seed_orders(order_count: int, customer_count: int, rng: random.Random) -> None:
    User = get_user_model()
    users = User.objects.bulk_create(
        (User(email=f"shopper{i}@bench.test", first_name=f"Shopper {i}", password="!")
         for i in range(customer_count)), batch_size=BATCH,
    )  # fmt: skip
    variants = list(Variant.objects.select_related("product").order_by("?")[:500])
    statuses = [("paid", "paid")] * 14 + [
        ("paid", "fulfilled"), ("partially_refunded", "paid"), ("unpaid", "pending"),
        ("unpaid", "cancelled"),
    ]  # fmt: skip
    orders = []
    for i in range(order_count):
        payment_status, status = rng.choice(statuses)
        total = D(rng.randrange(900, 25000)) / 100
        user = rng.choice(users) if rng.random() < 0.8 else None
        orders.append(
            Order(
                number=1001 + i, token=uuid.uuid4(), user=user,
                email=user.email if user else f"guest{i}@bench.test", status=status,
                payment_status=payment_status, currency="USD", subtotal=total, total=total,
                shipping_address=ADDRESS,
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
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET created_at = now() - (id % 43200) * interval '1 minute'"
        )
        cursor.execute("SELECT setval('orders_order_number_seq', %s)", [order_count + 1000])
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--store", help="measure this kept bench store again (no seeding)")
    args = parser.parse_args()

    if args.store:
        slug, keep = args.store, True
        store = Store.objects.get(schema_name=slug)
    else:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        slug, keep = f"bench-lists-{uuid.uuid4().hex[:6]}", args.keep
        store = services.create_store(
            name="Bench lists", slug=slug, owner_email=f"owner@{slug}.test",
            owner_password="Bench-pass-2026",
        )  # fmt: skip
    result: dict = {}
    try:
        with schema_context(slug):
            started = time.perf_counter()
            if not args.store:
                generation.generate_catalog(products=args.products, seed=2026)
                seed_orders(args.orders, args.customers, random.Random(2026))
            counts = {
                "products": Product.objects.count(),
                "variants": Variant.objects.count(),
                "orders": Order.objects.count(),
                "order_lines": OrderLine.objects.count(),
                "customers": get_user_model().objects.filter(is_staff=False).count(),
            }
            seed_seconds = time.perf_counter() - started
            owner = get_user_model().objects.get(email=f"owner@{slug}.test")
            client = Client(HTTP_HOST=store.primary_host)
            client.force_login(owner)
        pages = {}
        for name, url in PAGES.items():
            for _ in range(3):  # warm up: templates, connection, caches
                assert client.get(url).status_code == 200, url
            timings, cpu = [], []
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as queries:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - cpu_started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            timings.sort()
            pages[name] = {
                "url": url,
                "median_ms": round(statistics.median(timings), 1),
                "p90_ms": round(timings[int(len(timings) * 0.9) - 1], 1),
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "sql_queries": len(queries.captured_queries),
                "sql_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1),
            }
        result = {
            **counts,
            "seed_seconds": round(seed_seconds, 1),
            "requests_per_page": args.requests,
            "pages": pages,
            "load_average_1m": round(os.getloadavg()[0], 1),
            "measured_with": "django.test.Client GET as the store owner, in-process",
        }
    finally:
        if not keep:
            connection.set_schema_to_public()
            store.delete(force_drop=True)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
