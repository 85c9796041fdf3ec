"""Hammer one SKU: N concurrent workers reserve it through the inventory service; print JSON.

    python -m config.devservices -- python bench/hot_sku.py [--workers 64] [--stock 1000]
        [--attempts 5000] [--quantity 1] [--mode threads|processes]

Each attempt is ``inventory.services.reserve(reference=<unique>, lines=[(sku, quantity)])``, the
call checkout makes, with the store's default hold lifetime. Workers are released together by a
barrier after connecting and warming up. The bench opens a throw-away store and drops it
afterwards. The settings are the platform's, from the environment, as for the web process.

Modes:
- ``threads`` (default): N threads in one process, as in a threaded web worker (gunicorn
  gthread). Each thread holds its own database session, or, with ``DB_POOL_SIZE=n``, takes a
  connection from the pool for each attempt and gives it back after it, as a request does
  (``CONN_HEALTH_CHECKS=0`` skips the check round trip at each checkout).
- ``processes``: N single-threaded processes, each with its own session, as N sync workers.
  Processes cannot share a pool (that would be PgBouncer's job), so N buyers are N sessions.
The default is ``threads`` because that is how this platform serves a 2-core machine: a few
worker processes with many threads and a bounded number of database sessions; N processes
per N concurrent buyers (64 Python processes, 64 sessions) is not a deployment we would ship.

Output: attempts, successes, failures; ``successes_per_s`` (successful reservations per second
while stock lasted: from the start to the last success), ``successes_per_s_steady`` (between
the 10th and the 90th percent of the successes: without the ramp-up of N workers released at
once and the stragglers' tail), ``attempts_per_s`` over the whole run;
``success_end_deciles_ms`` / ``success_start_deciles_ms`` (when the successes finished and
started, from the first attempt: where a slow ramp-up or a straggler sets the rate);
latency percentiles in ms; ``oversold`` (units reserved beyond stock: must be 0); the final
counters, and whether the ledger and the live holds still match them; ``pool_size`` and
``database_sessions`` (the workers' sessions); ``client_cpu_ms_per_attempt`` (CPU time of the
workers) and ``db_cpu_ms_per_attempt`` (CPU time of their database sessions, read from /proc
when PostgreSQL runs on this machine, else null) — load-insensitive measures of the cost.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks speak plain HTTP to this machine (the HTTPS-only settings are for deployments).
os.environ.setdefault("PLAIN_HTTP", "1")
# Low-stock checks queued by the last reservations go to a private queue, purged at the end.
RUN = uuid.uuid4().hex[:8]
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-{RUN}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Sum  # noqa: E402

from apps.catalog import services as catalog_services  # noqa: E402
from apps.inventory import selectors as inventory_selectors  # noqa: E402
from apps.inventory import services as inventory_services  # noqa: E402
from apps.inventory.exceptions import InsufficientStock  # noqa: E402
from apps.inventory.models import Reservation, StockLevel  # noqa: E402
from apps.tenants import services as tenant_services  # noqa: E402


def open_bench_store(stock: int):
    slug = f"bench-hot-{RUN}"
    store = tenant_services.create_store(
        name="Hot SKU bench",
        slug=slug,
        owner_email=f"owner@{slug}.test",
        owner_password="Bench-pass-2026",
        with_defaults=False,  # the bench builds its own stock, shipping and tax setup
    )
    connection.set_tenant(store)
    product = catalog_services.create_product_with_variants(
        name="Hot item", category=None, price=Decimal("1.00"), sku_prefix="HOT"
    )
    variant = product.variants.get()
    warehouse = inventory_services.create_warehouse(name="Main", priority=1)
    inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=warehouse.id, quantity=stock
    )
    warm_up = catalog_services.create_product_with_variants(
        name="Warm-up item", category=None, price=Decimal("1.00"), sku_prefix="WARM"
    ).variants.get()
    inventory_services.receive_stock(
        variant_id=warm_up.id, warehouse_id=warehouse.id, quantity=1_000_000
    )
    # The warm-up SKU counts as low on stock, so that each worker's warm-up reservations also
    # queue a low-stock check, as the hot SKU's last ones will: the broker connection is open
    # before the run, as a web worker's is (no worker runs here, so no alert ever closes this).
    StockLevel.objects.filter(variant_id=warm_up.id).update(low_stock_threshold=2_000_000)
    return store, variant.id, warm_up.id


def run_attempts(store, variant_id, warm_up_id, quantity, indices, barriers, results):
    """One worker: connect and warm up, wait for the others, then reserve once per index."""
    ready, start, finish = barriers
    connection.set_tenant(store)
    # Warm connections, as from a pool: database connected, statements prepared, broker
    # connected (on another SKU).
    for n in range(2):
        inventory_services.reserve(
            reference=f"warm-up:{RUN}:{indices.start}:{n}", lines=[(warm_up_id, 1)]
        )
    pooled = connection.pool is not None
    if pooled:
        connection.close()
    records = []
    ready.wait()
    start.wait()
    cpu = time.process_time()
    for index in indices:
        started = time.perf_counter()
        try:
            inventory_services.reserve(
                reference=f"bench:{RUN}:{index}", lines=[(variant_id, quantity)]
            )
            ok = True
        except InsufficientStock:
            ok = False
        finally:
            if pooled:
                connection.close()  # back to the pool, as at the end of a request
        finished = time.perf_counter()
        records.append((started, finished, ok))
    results.put((records, time.process_time() - cpu))
    finish.wait()  # the coordinator reads the database sessions' CPU time first
    connection.close()


def steady_rate(successes) -> float | None:
    """Successes per second between the 10th and the 90th percent of them: without the
    ramp-up of N workers starting at once and the tail of the last stragglers."""
    ends = sorted(r[1] for r in successes)
    if len(ends) < 10:
        return None
    first, last = ends[len(ends) // 10], ends[len(ends) * 9 // 10]
    return round((len(ends) * 8 // 10) / max(last - first, 1e-9), 1)


def deciles(values):
    ordered = sorted(values)
    if not ordered:
        return []
    last = len(ordered) - 1
    return [round(ordered[min(last, len(ordered) * k // 10)] * 1000, 1) for k in range(11)]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=5000)
    parser.add_argument("--quantity", type=int, default=1)
    parser.add_argument("--mode", choices=["threads", "processes"], default="threads")
    options = parser.parse_args()
    if options.mode == "processes" and connection.pool is not None:
        parser.error("processes cannot share a connection pool: unset DB_POOL_SIZE")
    call_command("migrate_schemas", interactive=False, verbosity=0)  # a fresh database

    store, variant_id, warm_up_id = open_bench_store(options.stock)
    shares = [range(w, options.attempts, options.workers) for w in range(options.workers)]
    setup = (store, variant_id, warm_up_id, options.quantity)
    try:
        if options.mode == "processes":
            context = multiprocessing.get_context("fork")
            barriers = [context.Barrier(options.workers + 1) for _ in range(3)]
            results = context.Queue()
            connections.close_all()  # children must not share the parent's connection
            workers = [
                context.Process(
                    target=run_attempts,
                    args=(*setup, share, barriers, results),
                )
                for share in shares
            ]
        else:
            import queue

            barriers = [threading.Barrier(options.workers + 1) for _ in range(3)]
            results = queue.Queue()
            workers = [
                threading.Thread(
                    target=run_attempts,
                    args=(*setup, share, barriers, results),
                )
                for share in shares
            ]
        for worker in workers:
            worker.start()
        barriers[0].wait()  # every worker connected and warmed up
        sessions = list_database_sessions()
        db_cpu = sessions_cpu_seconds(sessions)
        own_cpu = time.process_time()
        barriers[1].wait()
        began = time.perf_counter()
        records, client_cpu = [], 0.0
        for _ in workers:
            worker_records, worker_cpu = results.get(timeout=600)
            records += worker_records
            client_cpu += worker_cpu
        ended = time.perf_counter()
        if options.mode == "threads":  # one process: its CPU time is every worker's
            client_cpu = time.process_time() - own_cpu
        db_cpu = sessions_cpu_seconds(sessions) - db_cpu if db_cpu is not None else None
        barriers[2].wait()
        for worker in workers:
            worker.join()

        connection.set_tenant(store)
        report = measure(options, variant_id, records, began, ended)
        report["pool_size"] = connection.pool.max_size if connection.pool else None
        report["database_sessions"] = len(sessions)
        report["client_cpu_ms_per_attempt"] = round(client_cpu * 1000 / len(records), 3)
        report["db_cpu_ms_per_attempt"] = (
            round(db_cpu * 1000 / len(records), 3) if db_cpu is not None else None
        )
    finally:
        connection.set_schema_to_public()
        store.delete(force_drop=True)
        purge_private_queue()
    sys.stdout.write(json.dumps(report) + "\n")


def measure(options, variant_id, records, began, ended) -> dict:
    # The run starts with the first attempt: the coordinator may be scheduled after the
    # workers it released (all clocks are the system's monotonic clock).
    began = min([began, *(r[0] for r in records)])
    successes = [r for r in records if r[2]]
    last_success = max((r[1] for r in successes), default=began)
    level = StockLevel.objects.get(variant_id=variant_id)
    held = Reservation.objects.filter(variant_id=variant_id, state="active").aggregate(
        units=Sum("quantity")
    )["units"]
    return {
        "workers": options.workers,
        "mode": options.mode,
        "stock": options.stock,
        "attempts": len(records),
        "quantity": options.quantity,
        "successes": len(successes),
        "failures": len(records) - len(successes),
        "successes_per_s": round(len(successes) / max(last_success - began, 1e-9), 1),
        "successes_per_s_steady": steady_rate(successes),
        "success_end_deciles_ms": deciles([r[1] - began for r in successes]),
        "success_start_deciles_ms": deciles([r[0] - began for r in successes]),
        "attempts_per_s": round(len(records) / (ended - began), 1),
        "elapsed_s": round(ended - began, 3),
        "p50_ms": percentile([r[1] - r[0] for r in records], 0.50),
        "p95_ms": percentile([r[1] - r[0] for r in records], 0.95),
        "p99_ms": percentile([r[1] - r[0] for r in records], 0.99),
        "success_p95_ms": percentile([r[1] - r[0] for r in successes], 0.95),
        "success_mean_ms": round(statistics.fmean(r[1] - r[0] for r in successes) * 1000, 2)
        if successes
        else None,
        "oversold": max(0, len(successes) * options.quantity - options.stock),
        "final_on_hand": level.on_hand,
        "final_reserved": level.reserved,
        "active_holds_units": held or 0,
        "counters_match_ledger_and_holds": inventory_selectors.list_stock_drift() == [],
    }


def list_database_sessions() -> list[int]:
    """The process ids of the other sessions on this database: the workers' (their CPU time
    can be read from /proc when PostgreSQL runs on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def sessions_cpu_seconds(pids: list[int]) -> float | None:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # PostgreSQL on another machine (or the session is gone)
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def purge_private_queue() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(os.environ["CELERY_TASK_DEFAULT_QUEUE"])


if __name__ == "__main__":
    main()
