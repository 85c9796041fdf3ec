"""Guest checkouts over HTTP against gunicorn with the test gateway; print JSON.

    python -m config.devservices -- python bench/checkout.py [--clients 8] [--orders 300]
    python -m config.devservices -- python bench/checkout.py --flash [--buyers 1000]
        [--clients 64] [--stock 100]
    options: [--workers 5] [--port 8105] [--warmup N]

Opens a throw-away store (five products with stock, a US shipping zone with a flat method, a
US tax rate), starts ``gunicorn config.wsgi`` on 127.0.0.1:<port> and drives it with
a small ``http.client`` browser per shopper (cookie jar, Host ``<slug>.localhost``, CSRF token
from the cookie as a browser form sends it; every redirect followed, as a browser does).

Normal mode: C clients loop over full guest checkouts until N orders are done, 11 HTTP
requests each: GET the product page → POST add variant 1 → GET cart → POST add variant 2 →
GET cart → POST /checkout/ → GET the one-page checkout → POST it (email, address, delivery
method; places the order) → GET the test gateway's card page → POST card 4242 4242 4242 4242
→ GET the order page. ``orders_per_s`` counts paid orders over the measured run (after a
warm-up of C checkouts, not counted); p50/p95 are per whole checkout.

Flash mode: one SKU with ``--stock`` units, ``--buyers`` buyers, C of them at a time; each adds
one unit, checks out and pays. ``sold_out`` counts buyers told so (at "add" or at "Pay");
``oversold`` = paid units − stock if positive (must be 0); final on_hand/reserved come from the
database, and the ledger (sum of StockMovement deltas) must equal on_hand.

Both modes also count SQL statements in-process (``django.test.Client`` +
``CaptureQueriesContext``) for one checkout with a 1-line and a 5-line cart: per request, for
the place-order request (POST /checkout/<token>/) and summed over the whole checkout.

The store is dropped and gunicorn stopped at the end, also on Ctrl-C.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks speak plain HTTP to this machine (the HTTPS-only settings are for deployments).
os.environ.setdefault("PLAIN_HTTP", "1")
# Confirmation emails and other tasks queued by the bench go to a private queue, purged at the
# end (the environment is passed on to gunicorn, so its workers use the same queue).
RUN = uuid.uuid4().hex[:8]
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-{RUN}"

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.catalog import services as catalog_services  # noqa: E402
from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate  # noqa: E402
from apps.inventory import selectors as inventory_selectors  # noqa: E402
from apps.inventory import services as inventory_services  # noqa: E402
from apps.inventory.models import StockLevel, StockMovement  # noqa: E402
from apps.orders.models import Order  # noqa: E402
from apps.tenants import services as tenant_services  # noqa: E402

ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "name": "Ada Shopper"}
TOKEN_IN_URL = re.compile(r"/checkout/([0-9a-f-]{36})/")


class Interrupted(Exception):
    pass


# --- the store -----------------------------------------------------------------------------


def open_bench_store(*, products: int, stock: int):
    slug = f"benchco{RUN}"
    store = tenant_services.create_store(
        name="Checkout bench",
        slug=slug,
        owner_email=f"owner@{slug}.test",
        owner_password="Bench-pass-2026",
        with_defaults=False,  # the bench builds its own stock, shipping and tax setup
    )
    connection.set_tenant(store)
    warehouse = inventory_services.create_warehouse(name="Main", priority=1)
    items = []
    for n in range(1, products + 1):
        product = catalog_services.create_product_with_variants(
            name=f"Bench item {n}",
            category=None,
            price=Decimal("10.00") + n,
            sku_prefix=f"BENCH{n}",
            weight_grams=250,
        )
        variant = product.variants.get()
        inventory_services.receive_stock(
            variant_id=variant.id, warehouse_id=warehouse.id, quantity=stock
        )
        items.append({"slug": product.slug, "variant_id": variant.id})
    zone = ShippingZone.objects.create(name="United States", countries=["US"])
    method = ShippingMethod.objects.create(zone=zone, name="Standard", price=Decimal("5.00"))
    TaxRate.objects.create(country="US", name="Sales tax", rate=Decimal("0.0800"))
    connection.set_schema_to_public()
    return store, items, method.id


# --- one checkout, in-process, statements counted ------------------------------------------


@contextmanager
def counting_statements():
    """Count every statement sent to PostgreSQL: Django's (as CaptureQueriesContext sees them,
    with BEGIN/COMMIT/SAVEPOINT) plus those the inventory service sends through a raw psycopg
    cursor (prepared statements, invisible to Django's query log)."""
    raw, original = [0], psycopg.Cursor.execute

    def execute(cursor, *args, **kwargs):
        if type(cursor) is psycopg.Cursor:  # Django's own cursors are subclasses
            raw[0] += 1
        return original(cursor, *args, **kwargs)

    psycopg.Cursor.execute = execute
    try:
        with CaptureQueriesContext(connection) as queries:
            yield lambda: len(queries) + raw[0]
    finally:
        psycopg.Cursor.execute = original


def count_statements(store, items, method_id) -> dict:
    """One guest checkout through Django's test client; statements per request."""
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=store.primary_host)
    steps = []

    def call(name, method, path, data=None):
        with counting_statements() as count:
            response = getattr(client, method)(path, data or {})
        steps.append((name, count()))
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{name}: {method.upper()} {path} answered {response.status_code}")
        if response.status_code == 302:
            location = response["Location"]
            with counting_statements() as count:
                followed = client.get(location)
            steps.append((f"{name} → GET", count()))
            return location, followed
        return path, response

    call("product page", "get", f"/products/{items[0]['slug']}/")
    for item in items:
        call("cart add", "post", "/cart/add/", {"variant_id": item["variant_id"], "quantity": 1})
    location, _ = call("checkout start", "post", "/checkout/")
    token = TOKEN_IN_URL.search(location).group(1)
    before_pay = len(steps)
    payment_page, _ = call(
        "place order",
        "post",
        f"/checkout/{token}/",
        {"email": "sql@example.test", **ADDRESS, "method": method_id, "action": "pay"},
    )
    call("card form", "post", payment_page, CARD)
    connection.set_schema_to_public()
    cart_steps = sum(n for name, n in steps if name.startswith(("product", "cart")))
    return {
        "lines": len(items),
        "place_order_request": steps[before_pay][1],
        "whole_checkout": sum(n for _, n in steps),
        "checkout_without_cart_building": sum(n for _, n in steps) - cart_steps,
        "requests": len(steps),
        "per_request": [f"{name}: {n}" for name, n in steps],
    }


def sql_counts(store, items, method_id) -> dict:
    count_statements(store, items[:2], method_id)  # warm caches (routing, settings, templates)
    one = count_statements(store, items[:1], method_id)
    five = count_statements(store, items[:5], method_id)
    two = count_statements(store, items[:2], method_id)  # the HTTP bench's cart

    def by_lines(key):
        return {"1_line": one[key], "5_lines": five[key]}

    return {
        "place_order_request": by_lines("place_order_request"),
        "whole_checkout_2_lines": two["whole_checkout"],
        "whole_checkout": by_lines("whole_checkout"),
        "checkout_without_cart_building": by_lines("checkout_without_cart_building"),
        "per_request_2_lines": two["per_request"],
        "per_request_5_lines": five["per_request"],
    }


# --- gunicorn --------------------------------------------------------------------------------


def start_gunicorn(port: int, workers: int, log):
    with socket.socket() as probe:  # another server on the port would answer our requests
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already in use")
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--backlog", "2048", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=log, start_new_session=True
    )
    try:
        wait_until_healthy(server, port, log)
    except BaseException:
        stop_gunicorn(server)
        raise
    return server


def wait_until_healthy(server, port: int, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; log: {log.name}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not bound yet, or workers still booting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; log: {log.name}")


def stop_gunicorn(server) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# --- the shopper -----------------------------------------------------------------------------


@dataclass
class Page:
    url: str  # path of the page finally shown, after every redirect
    text: str


class Shopper:
    """One browser: a cookie jar, the store's Host header, the CSRF token in each form, every
    redirect followed (a POST answered 302/303 continues as a GET, as browsers do).

    Plain ``http.client`` rather than ``requests``: the bench's own client competes with the
    server for the same two cores, and ``requests`` cost it about 20 ms of CPU per checkout.
    """

    def __init__(self, base: str, host: str):
        self.address = urlsplit(base)
        self.host = host
        self.cookies: dict[str, str] = {}

    def get(self, path) -> Page:
        return self._request("GET", path)

    def post(self, path, data=None) -> Page:
        form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **(data or {})}
        return self._request("POST", path, urlencode(form))

    def _request(self, method: str, path: str, body: str | None = None) -> Page:
        for _ in range(10):
            status, location, text = self._send(method, path, body)
            if status in (301, 302, 303, 307, 308):
                path = urlsplit(location)._replace(scheme="", netloc="").geturl()
                if status in (301, 302, 303):
                    method, body = "GET", None
                continue
            if status != 200:
                raise RuntimeError(f"{method} {path}: {status}")
            return Page(url=path, text=text)
        raise RuntimeError(f"{method} {path}: too many redirects")

    def _send(self, method: str, path: str, body: str | None):
        connection = http.client.HTTPConnection(
            self.address.hostname, self.address.port, timeout=60
        )
        headers = {"Host": self.host, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in header.lower() or value in ('""', ""):
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()


def checkout(shopper: Shopper, lines, method_id: int, email: str) -> str:
    """A whole guest checkout; 'paid', or 'sold_out' when the store says the stock is gone."""
    shopper.get(f"/products/{lines[0]['slug']}/")
    for item in lines:
        cart = shopper.post("/cart/add/", {"variant_id": item["variant_id"], "quantity": 1})
        if "Your cart is empty" in cart.text:
            return "sold_out"  # the add was refused: nothing left to buy
    page = shopper.post("/checkout/")
    token = TOKEN_IN_URL.search(page.url).group(1)
    if f'name="method" value="{method_id}"' not in page.text:
        raise RuntimeError(f"the checkout page offers no delivery method {method_id}: {page.url}")
    payment_page = shopper.post(
        f"/checkout/{token}/",
        {"email": email, **ADDRESS, "method": method_id, "action": "pay"},
    )
    if payment_page.url.endswith("/cart/"):
        return "sold_out"
    if "/payments/" not in payment_page.url:
        raise RuntimeError(f"Pay did not lead to the payment page: {payment_page.url}")
    order_page = shopper.post(payment_page.url, CARD)
    if "/orders/" not in order_page.url or "Your order is confirmed" not in order_page.text:
        raise RuntimeError(f"card form did not lead to a paid order page: {order_page.url}")
    return "paid"


def drive(*, jobs: int, clients: int, make_job, stop: threading.Event) -> list:
    """Run ``jobs`` checkouts, ``clients`` at a time; records (started, finished, outcome)."""
    records, lock, counter = [], threading.Lock(), iter(range(jobs))

    def client_loop():
        while not stop.is_set():
            with lock:
                index = next(counter, None)
            if index is None:
                return
            started = time.perf_counter()
            try:
                outcome = make_job(index)
            except Exception as exc:  # noqa: BLE001 - any failure of a checkout is an error
                outcome = f"error: {str(exc)[:200]}"
            with lock:
                records.append((started, time.perf_counter(), outcome))

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)
    if stop.is_set():
        raise KeyboardInterrupt
    return records


def percentile_ms(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 1)


def summarise(records, began, ended, cpu) -> dict:
    paid = [r for r in records if r[2] == "paid"]
    errors = [r[2] for r in records if r[2].startswith("error")]
    latencies = [r[1] - r[0] for r in paid]
    last_paid = max((r[1] for r in paid), default=began)
    return {
        "attempts": len(records),
        "paid_orders": len(paid),
        "sold_out": sum(r[2] == "sold_out" for r in records),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "elapsed_s": round(ended - began, 2),
        "orders_per_s": round(len(paid) / max(last_paid - began, 1e-9), 2),
        "p50_ms": percentile_ms(latencies, 0.50),
        "p95_ms": percentile_ms(latencies, 0.95),
        "p99_ms": percentile_ms(latencies, 0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "bench_client_cpu_s": round(cpu, 2),
    }


# --- the two modes ----------------------------------------------------------------------------


def run_normal(options, store, items, method_id, base) -> dict:
    host = store.primary_host
    lines = items[:2]

    def job(index):
        return checkout(Shopper(base, host), lines, method_id, f"guest{index}@example.test")

    stop = options.stop
    drive(jobs=options.warmup, clients=options.clients, make_job=job, stop=stop)
    cpu, began = time.process_time(), time.perf_counter()
    records = drive(jobs=options.orders, clients=options.clients, make_job=job, stop=stop)
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    return {
        "mode": "normal",
        "clients": options.clients,
        "gunicorn_workers": options.workers,
        "warmup_checkouts": options.warmup,
        "http_requests_per_checkout": 11,
        **summarise(records, began, ended, cpu),
        **product_pages(options, items, base, host),
    }


def product_pages(options, items, base: str, host: str) -> dict:
    """Product-page throughput: ``--product-pages`` GETs by first-time visitors (no cookies),
    ``clients`` at a time, the five products in turn, after one unmeasured round."""
    if not options.product_pages:
        return {}

    def job(index):
        Shopper(base, host).get(f"/products/{items[index % len(items)]['slug']}/")
        return "ok"

    drive(jobs=options.clients, clients=options.clients, make_job=job, stop=options.stop)
    began = time.perf_counter()
    records = drive(jobs=options.product_pages, clients=options.clients, make_job=job,
                    stop=options.stop)  # fmt: skip
    elapsed = time.perf_counter() - began
    served = [r[1] - r[0] for r in records if r[2] == "ok"]
    return {
        "product_pages": len(served),
        "product_page_errors": len(records) - len(served),
        "product_pages_per_s": round(len(served) / elapsed, 1),
        "product_page_p50_ms": percentile_ms(served, 0.50),
        "product_page_p95_ms": percentile_ms(served, 0.95),
    }


def run_flash(options, store, items, method_id, base) -> dict:
    host, hot = store.primary_host, items[:1]

    def job(index):
        return checkout(Shopper(base, host), hot, method_id, f"buyer{index}@example.test")

    cpu, began = time.process_time(), time.perf_counter()
    records = drive(jobs=options.buyers, clients=options.clients, make_job=job, stop=options.stop)
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    summary = summarise(records, began, ended, cpu)

    connection.set_tenant(store)
    variant_id = hot[0]["variant_id"]
    level = StockLevel.objects.get(variant_id=variant_id)
    ledger = StockMovement.objects.filter(variant_id=variant_id).aggregate(s=Sum("delta"))["s"]
    paid_units = (
        Order.objects.filter(paid_at__isnull=False, lines__variant_id=variant_id).aggregate(
            units=Sum("lines__quantity")
        )["units"]
        or 0
    )
    result = {
        "mode": "flash",
        "buyers": options.buyers,
        "clients": options.clients,
        "gunicorn_workers": options.workers,
        "stock": options.stock,
        **summary,
        "paid_units_in_db": paid_units,
        "oversold": max(0, paid_units - options.stock),
        "final_on_hand": level.on_hand,
        "final_reserved": level.reserved,
        "ledger_sum": ledger,
        "ledger_matches_on_hand": ledger == level.on_hand,
        "no_stock_drift": inventory_selectors.list_stock_drift() == [],
    }
    connection.set_schema_to_public()
    return result


def purge_private_queue() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(os.environ["CELERY_TASK_DEFAULT_QUEUE"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flash", action="store_true", help="flash sale: one SKU, many buyers")
    parser.add_argument("--clients", type=int, help="concurrent clients (8; flash: 64)")
    parser.add_argument("--orders", type=int, default=300, help="checkouts to measure")
    parser.add_argument("--warmup", type=int, help="unmeasured checkouts first (= clients)")
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--stock", type=int, default=100, help="flash-sale stock")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument(
        "--product-pages", type=int, default=0, help="then time this many product page views"
    )
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--sql-only", action="store_true", help="only count SQL statements")
    options = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)  # a fresh database
    options.clients = options.clients or (64 if options.flash else 8)
    options.warmup = options.clients if options.warmup is None else options.warmup
    options.stop = threading.Event()

    def interrupt(signum, frame):
        options.stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)

    store = server = None
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-checkout-gunicorn-", suffix=".log")
    try:
        stock = options.stock if options.flash else 1_000_000
        store, items, method_id = open_bench_store(products=5, stock=stock)
        # In-process counts use the catalog's stock: not in flash mode, where stock is scarce.
        counts = None if options.flash else sql_counts(store, items, method_id)
        if options.sql_only:
            report = {"sql_statements": counts}
        else:
            server = start_gunicorn(options.port, options.workers, log)
            base = f"http://127.0.0.1:{options.port}"
            run = run_flash if options.flash else run_normal
            report = run(options, store, items, method_id, base)
            if counts is not None:
                report["sql_statements"] = counts
    except KeyboardInterrupt:
        options.stop.set()
        sys.stderr.write("interrupted: stopping gunicorn and dropping the bench store\n")
        report = None
    finally:
        stop_gunicorn(server)
        connection.set_schema_to_public()
        if store is not None:
            store.delete(force_drop=True)
        purge_private_queue()
        log.seek(0)
        server_errors = [line for line in log.read().splitlines() if "Traceback" in line]
        log.close()
    if report is not None:
        report["server_tracebacks"] = len(server_errors)
        sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
