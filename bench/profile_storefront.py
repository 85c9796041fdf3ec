"""Where a storefront request's time goes: cProfile over N in-process requests; print the top.

    python -m config.devservices -- python bench/profile_storefront.py [page] [--requests 200]
        [--top 40] [--sort cumulative|tottime]

``page`` is ``product`` (default), ``category``, ``search``, ``home``, each of them with
``-hit`` (page cache hits: ``product-hit``), ``add-to-cart`` (POST /cart/add/ and its
redirect to the cart page) or ``checkout`` (a whole guest checkout after the cart: "Check
out", place order, pay).

Opens the same throw-away store as ``bench/storefront.py`` (24 products in three sizes, stock,
shipping, tax) and asks Django's test client, as an anonymous first-time visitor (no cookies
on each request, as the HTTP bench's wrk connections). Page misses follow one catalog change,
with a unique query string per request (each one renders the page, as the HTTP bench's cold
run does). Prints the mean wall time per request (a round without, then one with the
profiler, each after a catalog change) and the profile's top entries. The store is
dropped at the end.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import checkout as checkout_bench  # noqa: E402  (sets up Django, plain HTTP, a private queue)
import storefront as storefront_bench  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = {
    "home": "/",
    "category": "/categories/shirts/",
    "search": "/search/?q=shirt",
}


_client: Client | None = None


def new_visitor(host: str) -> Client:
    """A client with no cookies: a first-time visitor. One handler for the whole run, as in a
    server process (a new ``Client`` would load the middleware again, and whitenoise scans
    every static file when it loads)."""
    global _client
    if _client is None:
        _client = Client(HTTP_HOST=host)
    _client.cookies.clear()
    return _client


def page_request(path: str, *, unique: bool):
    def run(host: str, n: int, item: dict, method_id: int) -> None:
        sep = "&" if "?" in path else "?"
        address = f"{path}{sep}cold={n}" if unique else path
        response = new_visitor(host).get(address)
        assert response.status_code == 200, response.status_code

    return run


def product_request(*, unique: bool):
    def run(host: str, n: int, item: dict, method_id: int) -> None:
        path = "/products/bench-shirt-1/"  # one product, as the HTTP bench asks
        response = new_visitor(host).get(f"{path}?cold={n}" if unique else path)
        assert response.status_code == 200, response.status_code

    return run


def add_to_cart(host: str, n: int, item: dict, method_id: int) -> None:
    client = new_visitor(host)
    client.get(f"/products/{item['slug']}/")  # the CSRF cookie, as a shopper has it
    response = client.post(
        "/cart/add/", {"variant_id": item["variant_id"], "quantity": 1}, follow=True
    )
    assert response.status_code == 200, response.status_code


def checkout(host: str, n: int, item: dict, method_id: int) -> None:
    client = new_visitor(host)
    client.post("/cart/add/", {"variant_id": item["variant_id"], "quantity": 1})
    started = client.post("/checkout/")
    form = {"email": f"p{n}@example.test", **checkout_bench.ADDRESS}
    form.update({"method": method_id, "action": "pay"})
    payment = client.post(started["Location"], form)
    paid = client.post(payment["Location"], checkout_bench.CARD)
    assert paid.status_code == 302 and "/orders/" in paid["Location"], paid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", nargs="?", default="product")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    options = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    requests = {
        **{name: page_request(path, unique=True) for name, path in PAGES.items()},
        **{f"{name}-hit": page_request(path, unique=False) for name, path in PAGES.items()},
        "product": product_request(unique=True),
        "product-hit": product_request(unique=False),
        "add-to-cart": add_to_cart,
        "checkout": checkout,
    }
    run = requests[options.page]
    store = None
    try:
        store, items, method_id = storefront_bench.open_store()
        host = store.primary_host
        for n in range(10):  # process warm-up: imports, templates, connections
            run(host, -n - 1, items[n % len(items)], method_id)
        storefront_bench.catalog_changed(store)
        started = time.perf_counter()
        for n in range(options.requests):
            run(host, n, items[n % len(items)], method_id)
        plain = time.perf_counter() - started
        storefront_bench.catalog_changed(store)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for n in range(options.requests):
            run(host, n, items[n % len(items)], method_id)
        profile.disable()
        elapsed = time.perf_counter() - started
    finally:
        connection.set_schema_to_public()
        if store is not None:
            store.delete(force_drop=True)
        checkout_bench.purge_private_queue()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(options.sort).print_stats(options.top)
    each = {"plain": plain / options.requests, "profiled": elapsed / options.requests}
    sys.stdout.write(
        f"{options.page}: {options.requests} requests, {each['plain'] * 1000:.2f} ms each "
        f"({each['profiled'] * 1000:.2f} under the profiler); load average {os.getloadavg()}\n"
    )
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
