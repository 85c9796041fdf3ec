"""Search benchmark: a 100,000-product store, 200 fixed queries, concurrency 8, over HTTP.

    DATABASE_URL=... REDIS_URL=... python bench/search.py [--products 100000] [--port 8101]

1. Opens the store ``benchsearch`` and fills it with ``generate_catalog`` (reused when it
   already holds that many products; ``--drop`` removes it at the end).
2. Starts gunicorn on 127.0.0.1:PORT and warms each worker up (imports, connections).
3. Sends the same 200 queries every run (seeded): single words, phrases, typos, filtered
   (price range, stock, category, sort) and faceted (option values, price bands) search pages,
   8 at a time, each thread on its own keep-alive connection.
4. Prints JSON: latency p50/p95/p99 and requests per second. The first pass runs with the
   search cache and the product-card cache emptied ("cold": every query's first execution;
   a card rendered for one query can serve a later one, as in production); ``--rounds N``
   adds N-1 passes over the same queries ("warm": pages, facet counts and cards come from
   Redis, the page is still built per request).
5. Also reports, per pass, the 1-minute load average when it started and the CPU time one
   request cost in gunicorn (master and workers), in this database's PostgreSQL backends
   (read from /proc; null when PostgreSQL runs on another host) and in the client. On a
   shared machine latencies follow the neighbours' load; CPU per request does not, much.

``--workers``/``--threads``: 4 sync workers by default (the configuration of the earlier issue-3
figures). ``--threads N`` > 1 runs gthread workers with keep-alive; 2 workers x 4 threads was
measured against 4 sync workers and the difference stayed within the shared machine's noise
(each ahead in some runs), so the default did not move.

It measures, it does not assert: not a test.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks speak plain HTTP to this machine (the HTTPS-only settings are for deployments).
os.environ.setdefault("PLAIN_HTTP", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.catalog import product_cache  # noqa: E402
from apps.catalog.models import Category, Product  # noqa: E402
from apps.demo import generation  # noqa: E402
from apps.search import services as search_services  # noqa: E402
from apps.tenants import selectors as tenant_selectors  # noqa: E402
from apps.tenants import services as tenant_services  # noqa: E402
from apps.tenants.models import Store  # noqa: E402

SLUG = "benchsearch"


def ensure_store(products: int) -> Store:
    try:
        store = tenant_selectors.get_store_by_slug(SLUG)
    except Store.DoesNotExist:
        store = tenant_services.create_store(
            name="Search bench",
            slug=SLUG,
            owner_email=f"owner@{SLUG}.test",
            owner_password="Bench-pass-2026",
            with_defaults=False,  # the bench builds its own stock, shipping and tax setup
        )
    with schema_context(store.schema_name):
        have = Product.objects.count()
        if have < products:
            log(f"generating {products - have} products in {SLUG} …")
            started = time.perf_counter()
            generation.generate_catalog(products=products - have, seed=have + 1)
            log(f"generated in {time.perf_counter() - started:.0f}s")
    return store


def empty_search_caches() -> None:
    """The cold pass starts with no cached search pages, facet counts or product cards."""
    with schema_context(SLUG):
        search_services.bump_facets_version()
        product_cache.bump_version()


def build_queries(count: int = 200) -> list[tuple[str, str]]:
    """(kind, path) pairs, the same every run."""
    rng = random.Random(2026)
    nouns = sorted({n for children in generation.TREE.values() for ns in children.values()
                    for n in ns})  # fmt: skip
    words = sorted({*generation.ADJECTIVES, *generation.MATERIALS,
                    *(w for n in nouns for w in n.split())})  # fmt: skip
    with schema_context(SLUG):
        category_ids = list(Category.objects.values_list("id", flat=True))

    def typo(word: str) -> str:
        word = word.lower()
        i = rng.randrange(1, len(word) - 1)
        if rng.random() < 0.5:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # transposition
        return word[:i] + word[i + 1 :]  # a dropped letter

    queries: list[tuple[str, str]] = []
    plan = [("word", 60), ("phrase", 40), ("typo", 30), ("filtered", 40), ("faceted", 30)]
    for kind, how_many in plan:
        for _ in range(how_many):
            params: dict = {}
            if kind == "word":
                params["q"] = rng.choice(words).lower()
            elif kind == "phrase":
                adjective, noun = rng.choice(generation.ADJECTIVES), rng.choice(nouns)
                material = rng.choice(generation.MATERIALS)
                params["q"] = rng.choice(
                    [f"{adjective} {noun}", f'"{noun}"', f"{material} {noun}",
                     f"{adjective} {material} {noun}"]
                ).lower()  # fmt: skip
            elif kind == "typo":
                params["q"] = typo(rng.choice([w for w in words if len(w) >= 5]))
            elif kind == "filtered":
                params["q"] = rng.choice(nouns).lower()
                roll = rng.random()
                if roll < 0.3:
                    params.update(min="20", max=str(rng.choice([50, 100, 200])))
                elif roll < 0.55:
                    params.update(in_stock="1", sort=rng.choice(["price_asc", "newest"]))
                elif roll < 0.8:
                    params.update(category=str(rng.choice(category_ids)))
                else:
                    params.update(sort=rng.choice(["price_desc", "rating"]), page="2")
            else:
                params["q"] = rng.choice(nouns + generation.MATERIALS).lower()
                if rng.random() < 0.6:
                    params["option"] = [f"Size:{rng.choice(generation.SIZES)}"]
                    if rng.random() < 0.4:
                        params["option"].append(f"Color:{rng.choice(generation.COLORS)}")
                else:
                    params["band"] = rng.choice(["25-50", "50-100", "100-200"])
            queries.append((kind, "/search/?" + urlencode(params, doseq=True)))
    assert len(queries) == count
    return queries


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else [
        "--worker-class", "sync"]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *worker_class,
         "--backlog", "64", "--log-level", "warning", "--timeout", "60"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, "/healthz")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def get(port: int, path: str, connection: http.client.HTTPConnection | None = None):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": f"{SLUG}.{settings.PLATFORM_DOMAIN}"})
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, body


def _cpu_seconds(pids: list[int]) -> float | None:
    """utime + stime of these processes (Linux /proc); None when a process cannot be read."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _child_pids(pid: int) -> list[int]:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as listing:
            children += [int(child) for child in listing.read().split()]
    return children


def _postgres_backend_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU seconds spent during a pass by gunicorn, the store database's backends and us."""

    def __init__(self, server: subprocess.Popen):
        self.server = server

    def snapshot(self) -> dict:
        try:
            gunicorn_pids = [self.server.pid, *_child_pids(self.server.pid)]
        except OSError:
            gunicorn_pids = []
        backend_pids = _postgres_backend_pids()
        return {
            "gunicorn": {pid: _cpu_seconds([pid]) for pid in gunicorn_pids},
            "postgres": {pid: _cpu_seconds([pid]) for pid in backend_pids},
            "client": time.process_time(),
        }

    @staticmethod
    def per_request_ms(before: dict, after: dict, requests: int) -> dict:
        def spent(kind: str) -> float | None:
            # Processes that appeared during the pass started from zero.
            deltas = [
                None if now is None else now - (before[kind].get(pid) or 0.0)
                for pid, now in after[kind].items()
            ]
            if not deltas or None in deltas:
                return None
            return sum(deltas)

        parts = {
            "gunicorn": spent("gunicorn"),
            "postgres": spent("postgres"),
            "client": after["client"] - before["client"],
        }
        report = {k: None if v is None else round(v / requests * 1000, 2) for k, v in parts.items()}
        known = [v for v in report.values() if v is not None]
        report["total"] = round(sum(known), 2) if len(known) == len(report) else None
        return report


def run_pass(port: int, queries, concurrency: int) -> tuple[list[tuple[str, float, int]], float]:
    local = threading.local()

    def one(item):
        kind, path = item
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        try:
            status, _ = get(port, path, local.conn)
        except (OSError, http.client.HTTPException):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        return kind, (time.perf_counter() - started) * 1000, status

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, queries))
    return results, time.perf_counter() - started


def summarize(results, elapsed: float) -> dict:
    latencies = sorted(ms for _, ms, _ in results)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1)

    by_kind = {}
    for kind in dict.fromkeys(k for k, _, _ in results):
        values = sorted(ms for k, ms, _ in results if k == kind)
        by_kind[kind] = {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(values[min(len(values) - 1, int(0.95 * len(values)))], 1),
        }
    return {
        "requests": len(results),
        "errors": sum(1 for _, _, status in results if status != 200),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "max_ms": round(latencies[-1], 1),
        "req_per_s": round(len(results) / elapsed, 1),
        "by_kind": by_kind,
    }


def log(message: str) -> None:
    sys.stderr.write(message + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (>1: gthread, keep-alive)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the 200 queries")
    parser.add_argument("--drop", action="store_true", help="drop the bench store afterwards")
    args = parser.parse_args()

    call_command("migrate_schemas", interactive=False, verbosity=0)
    store = ensure_store(args.products)
    queries = build_queries()
    server = start_gunicorn(args.port, args.workers, args.threads)
    try:
        for path in ["/", "/search/?q=warm", "/search/?q=warmup&sort=newest"] * args.workers * 2:
            get(args.port, path)  # imports, connections, template caches: not measured
        empty_search_caches()  # after the warm-up, whose pages must not help the cold pass
        meter = CpuMeter(server)
        passes, cpu, loads = [], [], []
        for _ in range(args.rounds):
            loads.append(round(os.getloadavg()[0], 2))
            before = meter.snapshot()
            passes.append(run_pass(args.port, queries, args.concurrency))
            cpu.append(meter.per_request_ms(before, meter.snapshot(), len(queries)))
    finally:
        server.terminate()
        server.wait(15)
    with schema_context(store.schema_name):
        products = Product.objects.filter(status="active").count()
    cold = {**summarize(*passes[0]), "load_avg_1m": loads[0], "cpu_ms_per_request": cpu[0]}
    warm = [r for results, _ in passes[1:] for r in results]
    report = {
        "store_products_active": products,
        "queries": len(queries),
        "concurrency": args.concurrency,
        "gunicorn_workers": args.workers,
        "gunicorn_threads": args.threads,
        "cpu_cores": os.cpu_count(),
        "cold": cold,
    }
    if warm:
        report["warm"] = {
            **summarize(warm, sum(elapsed for _, elapsed in passes[1:])),
            "load_avg_1m": loads[1:],
            "cpu_ms_per_request": cpu[1:],
        }
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    if args.drop:
        store.delete(force_drop=True)


if __name__ == "__main__":
    main()
