"""Grow a fleet of stores in a database of its own and measure what each store costs; print JSON.

    python bench/tenancy.py [--stores 1000] [--database-url postgres://…/mercato_bench_tenancy]
                            [--pending app:migration,…] [--keep] [--storefront-only]

1. **Creation**: N stores through ``create_store`` (with the new-store defaults, as signup),
   in blocks of 100: before each block the schema pool is topped up (beat's background work,
   timed apart), then each creation is timed; median and p95 per block. A Celery worker
   consumes the bench's queue meanwhile, as in production: each new store's home page is
   pre-rendered into the page cache (``prerender``: how long the queue took to drain after
   the last creation, and how many home pages were cached then). Passwords are hashed
   with the test suite's fast hasher so the figure is the platform's cost: Argon2 adds the same
   ~0.1 s to every signup at any fleet size (``argon2_hash_ms``). ``direct_clone`` times
   creations with an empty pool (the fallback).
2. **Footprint**: bytes and relations of one empty store's schema, and the duplicate indexes.
3. **A real pending migration across the fleet**: the template is migrated back before
   ``--pending`` (default: this release's index cuts, so every store is cloned behind them),
   then ``migrate_fleet`` applies them to every store; the run is killed (SIGKILL) half-way
   and a second run resumes and finishes.
4. **No-op fleet migration**: ``migrate_fleet`` once everything is current (wall time, whole
   command: Django start, public schema, the one query).
5. **Idle worker CPU**: a Celery worker's CPU seconds over one minute of beat's schedule
   (each per-minute fan-out once, the 5-minute ones a fifth of the time) with every store quiet,
   then with all but 10 stores suspended; and the old fan-out (every store, every task).
   Measuring starts once the queue is drained (quiet: nothing pending).
6. **Storefront**: p95 of the home page rotating over 10 stores vs one pass over all N (each
   store's first visit; the two interleaved request by request, gunicorn), and how many
   stores' first visits were page-cache hits (pre-rendered).

The database is dropped at the end unless ``--keep``.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mercato_bench_tenancy"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--pending",
        default="recommendations:0002_drop_duplicate_product_indexes,"
        "reviews:0002_drop_fk_indexes_covered_by_composites",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--storefront-only",
        action="store_true",
        help="grow the fleet and measure the storefront only (sections 1 and 6)",
    )
    return parser.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = ARGS.database_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PLAIN_HTTP", "1")
os.environ["STORE_SCHEMA_POOL_SIZE"] = "0"  # the bench tops the pool up itself
RUN = uuid.uuid4().hex[:8]
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-tenancy-{RUN}"


def _create_database() -> None:
    import psycopg

    base, name = ARGS.database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database() -> None:
    import psycopg

    base, name = ARGS.database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_create_database()

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from apps.tenants import fleet, schema_pool, services, template_schema  # noqa: E402
from apps.tenants.models import SchemaState, Store  # noqa: E402

PASSWORD = "Bench-pass-2026!"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1)


def summary(values: list[float]) -> dict:
    return {"median_ms": round(statistics.median(values), 1), "p95_ms": p95(values)}


def manage(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **popen,
    )


# --- 1. creation -----------------------------------------------------------------------------


CPU_MS: list[float] = []  # this process's CPU time per creation (the machine's load aside)


def create(slug: str) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    services.create_store(
        name=f"Bench {slug}", slug=slug, owner_email=f"owner@{slug}.test", owner_password=PASSWORD
    )
    CPU_MS.append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000


def grow(count: int) -> tuple[list[dict], list[str]]:
    blocks, slugs = [], []
    for block in range(0, count, 100):
        size = min(100, count - block)
        connection.set_schema_to_public()
        started = time.perf_counter()
        schema_pool.top_up(size)
        pool_seconds = time.perf_counter() - started
        timings = []
        CPU_MS.clear()
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            for i in range(block, block + size):
                slug = f"s{i:05d}"
                timings.append(create(slug))
                slugs.append(slug)
        blocks.append(
            {
                "stores": f"{block}-{block + size}",
                **summary(timings),
                "python_cpu": summary(CPU_MS),
                "load_average": round(os.getloadavg()[0], 1),
                "pool_top_up_ms_per_schema": round(pool_seconds * 1000 / size, 1),
            }
        )
        sys.stderr.write(json.dumps(blocks[-1]) + "\n")
    return blocks, slugs


def direct_clone(count: int = 10) -> dict:
    schema_pool.drain()
    timings = []
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for i in range(count):
            timings.append(create(f"direct{i:03d}"))
    return summary(timings)


def argon2_ms() -> float:
    started = time.perf_counter()
    make_password(PASSWORD)
    return round((time.perf_counter() - started) * 1000, 1)


def start_worker(concurrency: int = 1) -> subprocess.Popen:
    connections.close_all()
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency",
         str(concurrency), "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-Q",
         os.environ["CELERY_TASK_DEFAULT_QUEUE"]],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait()


def pending_tasks() -> int:
    """Messages on the bench's queue plus those a worker holds unacknowledged (countdowns)."""
    from kombu.transport.redis import Channel

    redis = _broker()
    queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
    return int(redis.llen(queue)) + int(redis.zcard(Channel.unacked_index_key))


def _broker():
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def wait_until_drained(timeout: float = 1800) -> float:
    """Seconds until nothing is pending on the bench's queue (a worker must be running)."""
    started = time.monotonic()
    while pending_tasks() and time.monotonic() - started < timeout:
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def cached_home_pages(slugs: list[str]) -> int:
    """Stores whose home page is in the page cache (keys carry the schema)."""
    from django.core.cache import cache
    from django_tenants.utils import schema_context

    count = 0
    for slug in slugs:
        with schema_context(slug):
            count += bool(cache.keys("storefront:page:*"))
    return count


# --- 2. footprint ----------------------------------------------------------------------------

FOOTPRINT_SQL = """
SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relkind IN
       ('r', 'p', 'm')), 0) + coalesce(sum(pg_relation_size(c.oid)) FILTER (WHERE c.relkind = 'S'),
       0),
       count(*) FILTER (WHERE c.relkind = 'r'), count(*) FILTER (WHERE c.relkind = 'i'),
       count(*) FILTER (WHERE c.relkind = 'S')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s
"""

DUPLICATES_SQL = """
SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
FROM pg_index a JOIN pg_index b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
JOIN pg_class c ON c.oid = a.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND a.indpred IS NULL AND b.indpred IS NULL AND a.indexprs IS NULL
  AND b.indexprs IS NULL AND NOT a.indisunique
  AND (b.indkey::text = a.indkey::text OR b.indkey::text LIKE a.indkey::text || ' %%')
  AND a.indclass::text = split_part(b.indclass::text, ' ', 1)
ORDER BY 1
"""


def footprint(schema: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(FOOTPRINT_SQL, [schema])
        relations, size, tables, indexes, sequences = cursor.fetchone()
        cursor.execute(DUPLICATES_SQL, [schema])
        duplicates = cursor.fetchall()
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
    return {
        "relations": relations,
        "tables": tables,
        "indexes": indexes,
        "sequences": sequences,
        "bytes": int(size),
        "database_bytes": database,
        "indexes_covered_by_another": [f"{a} ⊂ {b}" for a, b in duplicates],
    }


# --- 3 and 4. fleet migrations ---------------------------------------------------------------


def roll_template_back(pending: str) -> None:
    """Migrate the template back before each of ``pending`` (``app:migration,…``): stores
    cloned from it are behind by those migrations."""
    for item in pending.split(","):
        app, name = item.split(":")
        previous = f"{int(name[:4]) - 1:04d}"
        call_command(
            "migrate_schemas",
            app,
            previous,
            schema_name=template_schema.template_schema_name(),
            interactive=False,
            verbosity=0,
        )
    fleet.record([template_schema.template_schema_name()], fingerprint="behind")


def forget_routing() -> None:
    """Host → store entries cached by an earlier run against this Redis name dead rows."""
    from django.core.cache import cache
    from django_tenants.utils import get_public_schema_name, schema_context

    with schema_context(get_public_schema_name()):
        cache.delete_pattern("routing:host:*")


def current_count(code: str) -> int:
    connection.set_schema_to_public()
    return SchemaState.objects.filter(fingerprint=code, schema_name__regex=r"^s[0-9]+$").count()


def pending_migration(stores: int) -> dict:
    code = fleet.code_fingerprint()
    connections.close_all()
    started = time.monotonic()
    first = manage("migrate_fleet", "--no-pool", "--skip-public")
    while current_count(code) < stores // 2 and first.poll() is None:
        time.sleep(0.5)
    killed_at = current_count(code)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    first_seconds = time.monotonic() - started
    resumed = time.monotonic()
    second = manage("migrate_fleet", "--no-pool", "--skip-public")
    _, err = second.communicate()
    second_seconds = time.monotonic() - resumed
    return {
        "stores": stores,
        "killed_after_s": round(first_seconds, 1),
        "current_when_killed": killed_at,
        "resumed_run_s": round(second_seconds, 1),
        "resumed_exit_status": second.returncode,
        "current_after": current_count(code),
        "total_s": round(first_seconds + second_seconds, 1),
        "ms_per_store": round((first_seconds + second_seconds) * 1000 / stores, 1),
        "stderr_tail": err.decode()[-300:] if second.returncode else "",
    }


def noop_migration() -> dict:
    """The whole command's wall time, and the part that depends on the fleet: the query
    finding the stores behind."""
    code = fleet.code_fingerprint()
    started = time.perf_counter()
    pending = fleet.pending_stores(code)
    query_ms = (time.perf_counter() - started) * 1000
    connections.close_all()
    started = time.monotonic()
    run = manage("migrate_fleet", "--no-pool")
    _, err = run.communicate()
    return {
        "seconds": round(time.monotonic() - started, 2),
        "exit_status": run.returncode,
        "pending_stores_query_ms": round(query_ms, 1),
        "pending_stores": len(pending),
    }


# --- 5. idle worker CPU ----------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its children (the pool processes), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def beat_minute(*, old: bool) -> None:
    """Send what beat sends in one (average) minute; ``old``: every store, every task."""
    from apps.tenants.tasks import fan_out_to_stores_task

    connection.set_schema_to_public()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        if schedule > 300 or name.endswith("daily-sweep"):
            continue
        if schedule == 300 and hash(name) % 5:  # a fifth of the 5-minute entries per minute
            continue
        kwargs = {} if old else entry.get("kwargs", {})
        if entry["task"] == "apps.tenants.tasks.fan_out_to_stores_task":
            fan_out_to_stores_task.apply_async(entry.get("args", ()), kwargs)
        else:
            from celery import current_app

            current_app.send_task(entry["task"])


def worker_cpu(*, old: bool = False) -> float:
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-Q",
         os.environ["CELERY_TASK_DEFAULT_QUEUE"]],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(10)
        wait_until_drained()  # quiet: work queued earlier (direct clones' pre-renders) is done
        last = _cpu_seconds(worker.pid)
        for _ in range(30):  # booted: its CPU time stops growing
            time.sleep(3)
            now = _cpu_seconds(worker.pid)
            if now - last < 0.05:
                break
            last = now
        before = _cpu_seconds(worker.pid)
        beat_minute(old=old)
        time.sleep(60)
        return round(_cpu_seconds(worker.pid) - before, 2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()


def idle_cpu(slugs: list[str]) -> dict:
    from apps.tenants.models import StoreWork

    connection.set_schema_to_public()
    result: dict = {"stores_in_due_index": StoreWork.objects.count()}
    result["all_quiet_stores_cpu_s_per_min"] = worker_cpu()
    connection.set_schema_to_public()
    Store.objects.filter(schema_name__in=slugs[10:]).update(status="suspended")
    result["ten_quiet_stores_cpu_s_per_min"] = worker_cpu()
    Store.objects.filter(schema_name__in=slugs[10:]).update(status="active")
    result["old_fan_out_all_stores_cpu_s_per_min"] = worker_cpu(old=True)
    return result


# --- 6. storefront ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def storefront(slugs: list[str]) -> dict:
    connections.close_all()
    ARGS.port = ARGS.port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{ARGS.port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    session = requests.Session()

    def get(slug: str) -> tuple[float, str]:
        started = time.perf_counter()
        response = session.get(
            f"http://127.0.0.1:{ARGS.port}/",
            headers={"Host": f"{slug}.{settings.PLATFORM_DOMAIN}"},
            timeout=30,
        )
        response.raise_for_status()
        return (time.perf_counter() - started) * 1000, response.headers.get("X-Page-Cache", "")

    try:
        for _ in range(120):
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}")
            try:
                if session.get(f"http://127.0.0.1:{ARGS.port}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        for slug in slugs[:10]:
            get(slug)  # both runs start with these warm
        rounds = len(slugs)
        # Interleaved, so that both see the same load of the shared machine: a request of the
        # rotation over 10, then a request of the pass over all N (each store's first visit).
        ten, firsts = [], []
        for i in range(rounds):
            ten.append(get(slugs[i % 10])[0])
            firsts.append(get(slugs[i]))
        every = [ms for ms, _ in firsts]
        return {
            "requests": rounds,
            "over_10_stores": summary(ten),
            "over_all": summary(every),
            "first_visits_page_cache_hits": sum(state == "hit" for _, state in firsts[10:]),
            "first_visits": len(firsts) - 10,
            "load_average_1_5_15": [round(load, 1) for load in os.getloadavg()],
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def main() -> None:
    result: dict = {"stores": ARGS.stores}
    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        forget_routing()
        if not ARGS.storefront_only:
            roll_template_back(ARGS.pending)
        result["argon2_hash_ms"] = argon2_ms()
        worker = start_worker()
        try:
            result["creation"], slugs = grow(ARGS.stores)
            drained = wait_until_drained()
        finally:
            stop_worker(worker)
        result["prerender"] = {
            "queue_drained_after_last_creation_s": drained,
            "home_pages_cached": cached_home_pages(slugs),
        }
        if ARGS.storefront_only:
            result["storefront"] = storefront(slugs)
            return
        result["footprint_per_store"] = footprint(slugs[0])
        result["pending_migration"] = {"migration": ARGS.pending, **pending_migration(len(slugs))}
        result["footprint_per_store_after"] = footprint(slugs[0])
        result["noop_fleet_migration"] = noop_migration()
        result["direct_clone"] = direct_clone()
        result["idle_worker"] = idle_cpu(slugs)
        result["storefront"] = storefront(slugs)
    finally:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        connections.close_all()
        if not ARGS.keep:
            _drop_database()


if __name__ == "__main__":
    main()
