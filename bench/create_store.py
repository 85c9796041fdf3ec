"""Time store creation: create N stores through the service, print JSON with the median.

    python -m config.devservices -- python bench/create_store.py [N]

Each round creates one store with the new-store defaults (location, shipping zone, tax rate,
payment settings: what signup does) and one without, alternating, so the JSON also gives what
the defaults cost. The stores are dropped again afterwards.
"""

import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks speak plain HTTP to this machine (the HTTPS-only settings are for deployments).
os.environ.setdefault("PLAIN_HTTP", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from apps.tenants import services  # noqa: E402


def main(count: int) -> None:
    call_command("migrate_schemas", interactive=False, verbosity=0)
    run = uuid.uuid4().hex[:6]
    timings: dict[bool, list[float]] = {True: [], False: []}
    stores = []
    for i in range(count):
        for with_defaults in (True, False):
            slug = f"bench-{run}-{i}-{'d' if with_defaults else 'e'}"
            started = time.perf_counter()
            stores.append(
                services.create_store(
                    name=f"Bench {i}",
                    slug=slug,
                    owner_email=f"owner@{slug}.test",
                    owner_password="Bench-pass-2026",
                    with_defaults=with_defaults,
                )
            )
            timings[with_defaults].append((time.perf_counter() - started) * 1000)
    for store in stores:
        store.delete(force_drop=True)
    with_defaults = timings[True]
    result = {
        "stores_created": count,
        "median_ms": round(statistics.median(with_defaults), 1),
        "min_ms": round(min(with_defaults), 1),
        "max_ms": round(max(with_defaults), 1),
        "median_ms_without_defaults": round(statistics.median(timings[False]), 1),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
