"""Storefront pages against the framework's ceiling, over HTTP with wrk; print JSON.

    python -m config.devservices -- python bench/storefront.py [--seconds 5] [--connections 16]
        [--workers 4] [--checkouts 96] [--port 8106] [--pages product,home] [--no-checkout]

Opens a throw-away store (a category of 24 products with sizes S/M/L and stock, a US
shipping zone and tax rate) and starts two servers side by side, each ``gunicorn`` with
``--workers`` sync workers: Mercato (``config.wsgi``) and a bare Django view
(``bench/bare_django.py``: ``HttpResponse("ok")``, no middleware). Debian's ``wrk`` (2 threads,
``--connections``) then drives, for ``--seconds`` each:

- ``bare``: the bare view, the ceiling;
- ``home``, ``category``, ``search``, ``product`` as an anonymous first-time visitor
  (cold runs last ``--cold-seconds``: on a loaded machine a render can take seconds):
  ``cold`` right after a catalog change, with a unique query string on every request, so each
  request misses the page cache (and the first ones the lower caches: product structure,
  cards, search results) and renders the page; ``warm``: the same page again and again, served
  from the page cache.

Each gives req/s, p50/p95/p99 (ms), and ``ratio_to_bare`` (req/s over the bare view's, same
run). Then ``--checkouts`` guest checkouts, 16 shoppers at a time (``bench/checkout.py``'s
client), timing each step with its redirects as a browser follows them: product page, add to
cart (→ cart), "Check out" (→ the checkout page), place order (→ the payment page), pay (→ the
order page); p50/p95 per step. ``load_average`` is the machine's at the start and end (this
machine is shared; read the figures with it).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import checkout as checkout_bench  # noqa: E402  (sets up Django, plain HTTP, a private queue)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from apps.catalog import product_cache  # noqa: E402
from apps.catalog import services as catalog_services  # noqa: E402
from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate  # noqa: E402
from apps.core import store_cache  # noqa: E402
from apps.inventory import services as inventory_services  # noqa: E402
from apps.search import services as search_services  # noqa: E402
from apps.tenants import services as tenant_services  # noqa: E402

JSON_LINE = re.compile(r"^JSON (\{.*\})$", re.MULTILINE)
STEPS = ("product_page", "add_to_cart", "checkout_start", "place_order", "pay")


def open_store():
    slug = f"benchsf{checkout_bench.RUN}"
    store = tenant_services.create_store(
        name="Storefront bench",
        slug=slug,
        owner_email=f"owner@{slug}.test",
        owner_password="Bench-pass-2026",
        with_defaults=False,
    )
    connection.set_tenant(store)
    warehouse = inventory_services.create_warehouse(name="Main", priority=1)
    category = catalog_services.create_category(name="Shirts", slug="shirts")
    items = []
    for n in range(1, 25):
        product = catalog_services.create_product_with_variants(
            name=f"Bench shirt {n}",
            category=category,
            price=Decimal("20.00") + n,
            sku_prefix=f"SHIRT{n}",
            options={"Size": ["S", "M", "L"]},
            description="A plain cotton shirt for the storefront benchmark.",
            featured=n <= 8,
        )
        variants = list(product.variants.order_by("id"))
        for variant in variants:
            inventory_services.receive_stock(
                variant_id=variant.id, warehouse_id=warehouse.id, quantity=1_000_000
            )
        items.append({"slug": product.slug, "variant_id": variants[0].id})
    search_services.reindex_store()
    zone = ShippingZone.objects.create(name="United States", countries=["US"])
    method = ShippingMethod.objects.create(zone=zone, name="Standard", price=Decimal("5.00"))
    TaxRate.objects.create(country="US", name="Sales tax", rate=Decimal("0.0800"))
    connection.set_schema_to_public()
    return store, items, method.id


def start_server(app: str, port: int, workers: int, log, chdir: Path | None = None):
    command = [
        sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--backlog", "2048",
        "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    if chdir is not None:
        command += ["--chdir", str(chdir)]
    server = subprocess.Popen(
        command,
        cwd=checkout_bench.ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        checkout_bench.wait_until_healthy(server, port, log)
    except BaseException:
        checkout_bench.stop_gunicorn(server)
        raise
    return server


def wrk(port: int, path: str, host: str, *, seconds: int, connections: int, unique: bool):
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(BENCH / "wrk_json.lua"), f"http://127.0.0.1:{port}/", "--",
        path, host, "1" if unique else "0",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    raw = json.loads(JSON_LINE.search(output).group(1))
    return {
        "req_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "requests": raw["requests"],
        "errors": raw["socket_errors"] + raw["bad_status"],
    }


def catalog_changed(store) -> None:
    """A catalog change, as a merchant's edit makes it: every cached page, product structure,
    card and search result of the store is out of date."""
    connection.set_tenant(store)
    product_cache.bump_version()
    search_services.bump_facets_version()
    store_cache.clear_all()
    connection.set_schema_to_public()


def pages(options, store, items, port: int, bare: dict) -> dict:
    host = store.primary_host
    paths = {
        "home": "/",
        "category": "/categories/shirts/",
        "search": "/search/?q=shirt",
        "product": f"/products/{items[0]['slug']}/",
    }
    run = {"seconds": options.seconds, "connections": options.connections}
    results = {}
    for name, path in paths.items():
        if options.pages and name not in options.pages.split(","):
            continue
        catalog_changed(store)
        cold = wrk(port, path, host, unique=True, **{**run, "seconds": options.cold_seconds})
        checkout_bench.Shopper(f"http://127.0.0.1:{port}", host).get(path)  # caches it
        warm = wrk(port, path, host, unique=False, **run)
        for figures in (cold, warm):
            figures["ratio_to_bare"] = round(figures["req_per_s"] / bare["req_per_s"], 3)
        results[name] = {"cold": cold, "warm": warm}
    return results


def checkout_steps(options, items, method_id: int, base: str, host: str) -> dict:
    """Guest checkouts, ``options.shoppers`` at a time; each step's latency (redirects in)."""
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    lock = threading.Lock()

    def timed(step, call, *args):
        started = time.perf_counter()
        page = call(*args)
        with lock:
            timings[step].append(time.perf_counter() - started)
        return page

    def job(index):
        shopper = checkout_bench.Shopper(base, host)
        item = items[index % len(items)]
        timed("product_page", shopper.get, f"/products/{item['slug']}/")
        timed(
            "add_to_cart",
            shopper.post,
            "/cart/add/",
            {"variant_id": item["variant_id"], "quantity": 1},
        )
        page = timed("checkout_start", shopper.post, "/checkout/")
        token = checkout_bench.TOKEN_IN_URL.search(page.url).group(1)
        form = {"email": f"bench{index}@example.test", **checkout_bench.ADDRESS}
        form.update({"method": method_id, "action": "pay"})
        payment = timed("place_order", shopper.post, f"/checkout/{token}/", form)
        order = timed("pay", shopper.post, payment.url, checkout_bench.CARD)
        return "paid" if "/orders/" in order.url else f"error: ended at {order.url}"

    stop = threading.Event()
    checkout_bench.drive(jobs=options.shoppers, clients=options.shoppers, make_job=job, stop=stop)
    for values in timings.values():
        values.clear()  # the warm-up round is not measured
    records = checkout_bench.drive(
        jobs=options.checkouts, clients=options.shoppers, make_job=job, stop=stop
    )
    result = {
        "shoppers": options.shoppers,
        "checkouts": len(records),
        "errors": sum(r[2] != "paid" for r in records),
    }
    for step, values in timings.items():
        result[step] = {
            "p50_ms": checkout_bench.percentile_ms(values, 0.50),
            "p95_ms": checkout_bench.percentile_ms(values, 0.95),
            "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else None,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk run per page and state")
    parser.add_argument(
        "--cold-seconds", type=int, default=10, help="wrk run of each cold page (renders)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, each")
    parser.add_argument("--shoppers", type=int, default=16, help="concurrent checkouts")
    parser.add_argument("--checkouts", type=int, default=96)
    parser.add_argument("--port", type=int, default=8106, help="Mercato; the bare view: +1")
    parser.add_argument("--pages", default="", help="e.g. product,home (default: all four)")
    parser.add_argument("--no-checkout", action="store_true", help="pages only")
    options = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)  # a fresh database
    load_before = os.getloadavg()
    store = app = bare_server = None
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-storefront-gunicorn-", suffix=".log")
    try:
        store, items, method_id = open_store()
        app = start_server("config.wsgi", options.port, options.workers, log)
        bare_port = options.port + 1
        bare_server = start_server(
            "bare_django:application", bare_port, options.workers, log, chdir=BENCH
        )
        run = {"seconds": options.seconds, "connections": options.connections}
        wrk(bare_port, "/", "bare", unique=False, **run)  # the bare workers' first requests
        bare = wrk(bare_port, "/", "bare", unique=False, **run)
        report = {
            "gunicorn_workers": options.workers,
            "connections": options.connections,
            "seconds_per_run": options.seconds,
            "bare": bare,
            "pages": pages(options, store, items, options.port, bare),
            "checkout_steps": None
            if options.no_checkout
            else checkout_steps(
                options, items, method_id, f"http://127.0.0.1:{options.port}", store.primary_host
            ),
        }
    finally:
        checkout_bench.stop_gunicorn(app)
        checkout_bench.stop_gunicorn(bare_server)
        connection.set_schema_to_public()
        if store is not None:
            store.delete(force_drop=True)
        checkout_bench.purge_private_queue()
        log.seek(0)
        tracebacks = sum("Traceback" in line for line in log.read().splitlines())
        log.close()
    report["load_average"] = {"start": load_before, "end": os.getloadavg()}
    report["server_tracebacks"] = tracebacks
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
