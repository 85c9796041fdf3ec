"""The page cache: whole storefront pages for anonymous shoppers, kept in Redis.

A flash sale sends thousands of anonymous shoppers to the same few pages; rendering each one
(middleware, templates, reviews, recommendations) cost ~15 ms of CPU. This cache keeps the
rendered page of the home, category, search, product and content pages per store and serves it
from a middleware that sits just after tenant routing, so a hit skips sessions, auth, OTP, axes,
the view and its templates.

Rules (README, "Page cache"):

- **Who gets cached pages**: GET requests of anonymous visitors only. A signed-in customer or
  staff member (a session holding a user), a visitor with pending messages, a theme preview
  link (``?theme_preview=``) and a store behind its pre-launch password never read or write the
  cache; nor does anything but a 200 HTML answer that set no session cookie.
- **What varies**: everything in :func:`page_variant` (one function, on purpose).
- **Per-visitor bits are never cached**: the cached body holds markers where the CSRF token, the
  CSP nonce, the header's cart count and the "recently viewed" strip go; :func:`personalise`
  fills them in for each request (a token from the visitor's own CSRF cookie, a fresh nonce,
  their cart's count, their own recently-viewed cookie).
- **Dropped**: on every catalog change (the catalog version of ``apps.catalog.product_cache``:
  products, variants, prices, images, categories, ratings; promotions bump it too) and every
  store-configuration change (settings, theme, pages, domains, through
  ``apps.core.store_cache.invalidate``, which moves the store's generation: the page
  version).
- **Time**: an entry is fresh until the next change no write announces (``fresh_until``,
  :func:`fresh_until`). The home page (a view that says ``lasting``) shows nothing
  time-based but promotion prices and the recommendation lists: it is fresh until the next
  start or end of a promotion (``promotions.next_time_change``), at most
  ``PAGE_CACHE_MAX_SECONDS``, and records the recommendations' generation (a recompute drops
  it). A home page that shows a strip of recommended products (filtered by live stock), or a
  store with a collection promotion, and every other page: ``PAGE_CACHE_SECONDS``. Redis
  keeps an entry as long as it is fresh.
- **Stock**: a cached product page records each variant's free units; a hit compares them with
  the live figures (one query) at most every ``PAGE_CACHE_STOCK_SECONDS`` per process, and any
  difference re-renders the page. A product that sells out stops showing "In stock" within that
  bound (1 s by default); a price change shows at once (catalog version).
- **Fails open**: with Redis down every read is a miss and every write is skipped (the cache's
  ``IGNORE_EXCEPTIONS``), so pages are rendered as without the cache.
"""

import base64
import functools
import hashlib
import math
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import get_template
from django.urls import Resolver404, resolve
from django_tenants.utils import get_public_schema_name

from apps.catalog import product_cache
from apps.checkout import promotions
from apps.core import store_cache
from apps.inventory import selectors as inventory_selectors
from apps.observability import metrics
from apps.preferences import selectors as preference_selectors
from apps.recommendations import selectors as recommendation_selectors
from apps.recommendations import services as recommendation_services
from apps.storefront import csrf_tokens, markets, visitors
from apps.storefront.carts import cart_item_count
from apps.storefront.middleware import set_visitor_cookies

# Every store-configuration invalidation moves it (``store_cache``): cached pages go with it.
PAGE_VERSION_KEY = store_cache.GENERATION_KEY
CACHED_VIEWS = frozenset(
    {
        "storefront:home",
        "storefront:search",
        "storefront:category-detail",
        "storefront:collection-detail",
        "storefront:product-detail",
        "pages:detail",
    }
)
# Markers the templates (cart count, recently viewed) and ``_entry_from`` (CSRF token, CSP nonce)
# leave in a cached body. Autoescaped text cannot contain "<!--", so no product text forges one.
CSRF_MARK = "<!--pc:csrf-->"
NONCE_MARK = "<!--pc:nonce-->"
CART_MARK = "<!--pc:cart-->"
RECENT_MARK = "<!--pc:recent-->"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
# Query parameters that never change a page: campaign tags would split the cache for nothing.
IGNORED_PARAMS = frozenset({"gclid", "fbclid", "msclkid", "mc_cid", "mc_eid"})
MAX_QUERY_LENGTH = 512  # longer query strings are rendered, never cached (key flooding)
# Headers of the miss response that are per request and never replayed from the cache.
_PER_REQUEST_HEADERS = frozenset({"set-cookie", "content-length", "x-request-id", "date"})
MESSAGES_COOKIE = "messages"


def page_variant(request) -> str:
    """The cache key of this request's page: every input a cached page may differ by.

    - the store (the schema, also the key prefix of ``make_key``) and the host and scheme the
      page was asked on (absolute links, HSTS);
    - the path and the normalised query (parameters sorted, campaign tags dropped): a product's
      ``?variant=``, a listing's filters, sort and page, a search's text;
    - the theme: the saved theme is covered by the page version (every theme save moves it);
      unsaved previews (``?theme_preview=``) never reach the cache (see ``bypass_reason``) but
      are part of the key all the same, so a preview could never be served to anyone else;
    - the currency / market: the shopper's choice (the ``market`` cookie), validated against
      the store's active markets (``markets.current_market``), so a made-up value cannot split
      the cache: an unknown one is the store's currency;
    - the catalog version and page version are not in the key: the entry records the versions
      it was rendered under and a hit compares them (one Redis round trip reads all three).
    """
    parts = (
        connection.schema_name,
        request.scheme,
        request.get_host(),
        request.path,
        normalised_query(request),
        request.GET.get("theme_preview", ""),
        markets.current_market(request).currency
        if markets.chosen_currency(request)
        else request.store.currency,
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"storefront:page:{digest}"


def normalised_query(request) -> str:
    pairs = sorted(
        (key, value)
        for key, values in request.GET.lists()
        if key not in IGNORED_PARAMS and not key.startswith("utm_")
        for value in values
    )
    return urlencode(pairs)


def bypass_reason(request) -> str | None:
    """Why this request must not read or write the cache (``None``: it may)."""
    if not settings.PAGE_CACHE_ENABLED:
        return "disabled"
    if request.method != "GET" or getattr(request, "store", None) is None:
        return "method"
    if connection.schema_name == get_public_schema_name():
        return "platform"
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_LENGTH:
        return "long query"
    if "theme_preview" in request.GET:
        return "preview"
    if request.COOKIES.get(MESSAGES_COOKIE):
        return "messages"
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        # Signed-in shoppers and staff have a session with a user; a guest's session may hold
        # messages. Either way the page is theirs alone (one cached session read).
        from importlib import import_module

        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        session = store_class(session_key)
        if "_auth_user_id" in session or "_messages" in session:
            return "session"
    return None


@dataclass
class PageRender:
    """What a view reports about the page it renders for the cache (``request.page_cache``)."""

    catalog_version: int | None
    page_version: int | None
    stock: dict[int, int] | None = None  # product pages: free units per variant shown
    product_id: int | None = None  # product pages: the view recorded on every hit, and the
    # product left out of its recently-viewed strip
    # Widgets the page shows besides "recently viewed", counted on every hit; None: none counted.
    impressions: list[str] | None = None
    cacheable: bool = True
    # The page shows nothing time-based but promotion prices and the recommendation lists
    # (the home page in the store's own currency): kept until the next promotion start or end
    # (see ``fresh_until``).
    lasting: bool = False
    shows_prices: bool = True  # a lasting page without product prices needs no promotion read


@dataclass
class Entry:
    body: str
    headers: list[tuple[str, str]]
    catalog_version: int
    page_version: int
    stock: dict[int, int] | None
    product_id: int | None
    impressions: list[str] | None
    # Unix time past which the page may show something else with no write (``fresh_until``);
    # entries pickled before the field existed read the class default: stale.
    fresh_until: float = 0.0
    # Pages that show the recommendation lists (or could: the home page): their generation.
    recs_generation: int | None = None


class LocalPages:
    """The pages this process keeps in memory too, bounded in count and bytes (the oldest
    stored go first). An entry is served only while the store versions this process knows
    (``version_bus``, through ``store_cache``) are those it was rendered under."""

    def __init__(self):
        self.entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()  # threaded servers (and tests) share one table

    def get(self, schema: str, key: str) -> Entry | None:
        entry = self.entries.get((schema, key))
        if entry is None or entry.fresh_until <= time.time():
            return None
        return entry

    def put(self, schema: str, key: str, entry: Entry) -> None:
        if entry.fresh_until <= time.time() or settings.PAGE_CACHE_LOCAL_ENTRIES <= 0:
            return
        with self.lock:
            self._drop(schema, key)
            self.entries[(schema, key)] = entry
            self.bytes += len(entry.body)
            while self.entries and (
                len(self.entries) > settings.PAGE_CACHE_LOCAL_ENTRIES
                or self.bytes > settings.PAGE_CACHE_LOCAL_BYTES
            ):
                _, oldest = self.entries.popitem(last=False)
                self.bytes -= len(oldest.body)

    def drop(self, schema: str, key: str) -> None:
        with self.lock:
            self._drop(schema, key)

    def _drop(self, schema: str, key: str) -> None:
        entry = self.entries.pop((schema, key), None)
        if entry is not None:
            self.bytes -= len(entry.body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0


local_pages = LocalPages()
# Per process: when each cached product page's stock was last compared with the database.
_stock_checked: dict[str, float] = {}
_csrf = CsrfViewMiddleware(HttpResponse)  # only its cookie methods are used, never called


class PageCacheMiddleware:
    """Serve anonymous shoppers' storefront GET pages from the cache (after routing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = _cacheable_match(request)
        if match is None or bypass_reason(request) is not None:
            return self.get_response(request)
        key = page_variant(request)
        schema = connection.schema_name
        held = local_pages.get(schema, key)
        # One round trip at most: the store's generation (the page version) and the versions
        # that ride along with it (the catalog's, remembered for the rest of the request), none
        # of them when this process knows them current; the page too unless this process has it.
        found = store_cache.read_generation_with(*(() if held else (key,)))
        page_version = found[PAGE_VERSION_KEY]
        catalog_version = product_cache.current_version()
        entry = held if held is not None else found.get(key)
        if entry is not None and not _current(entry, catalog_version, page_version):
            local_pages.drop(schema, key)
            # Another process may have rendered the page under the new versions already.
            entry = cache.get(key) if entry is held else None
            if entry is not None and not _current(entry, catalog_version, page_version):
                entry = None
        if entry is not None and _stock_unchanged(key, entry):
            if entry is not held:
                local_pages.put(schema, key, entry)
            request.resolver_match = match
            metrics.cache_requests.labels("page", "hit").inc()
            return _hit_response(request, entry)
        local_pages.drop(schema, key)
        metrics.cache_requests.labels("page", "miss").inc()
        request.page_cache = PageRender(catalog_version=catalog_version, page_version=page_version)
        response = self.get_response(request)
        render = request.page_cache
        fresh = _entry_from(request, response, render)
        if fresh is None:
            return response
        cache.set(key, fresh, max(1, math.ceil(fresh.fresh_until - time.time())))
        local_pages.put(schema, key, fresh)
        if fresh.stock is not None:
            _stock_checked[key] = time.monotonic()
        response.content = personalise(request, fresh, nonce=getattr(request, "_csp_nonce", ""))
        if getattr(request, "_page_cache_recent_shown", None):
            # The view left the visitor's strip to us (and counted the page's other widgets).
            recommendation_services.record_impressions(widgets=request._page_cache_recent_shown)
        response["Content-Length"] = str(len(response.content))
        response["X-Page-Cache"] = "miss"
        return response


def _current(entry: Entry, catalog_version: int, page_version: int) -> bool:
    """Whether ``entry`` is what a render would show now (versions, time, recommendations)."""
    return (
        entry.catalog_version == catalog_version
        and entry.page_version == page_version
        and entry.fresh_until > time.time()
        and (
            entry.recs_generation is None
            or entry.recs_generation == recommendation_selectors.current_generation()
        )
    )


def _cacheable_match(request):
    if request.method != "GET" or getattr(request, "store", None) is None:
        return None
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return _resolve_cacheable(request.path_info, urlconf)


@functools.lru_cache(maxsize=4096)
def _resolve_cacheable(path: str, urlconf: str):
    """The URL match of a cacheable page at ``path`` (``None``: not one), kept per process:
    resolving walks every URL pattern, a tenth of a hit. The same for every store (one URL
    configuration per kind of host), so the bound is on distinct paths."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match if match.view_name in CACHED_VIEWS else None


def _stock_unchanged(key: str, entry: Entry) -> bool:
    """Whether the free units a cached product page shows are still the live ones (checked at
    most every ``PAGE_CACHE_STOCK_SECONDS`` in this process)."""
    if entry.stock is None:
        return True
    now = time.monotonic()
    if now - _stock_checked.get(key, 0.0) < settings.PAGE_CACHE_STOCK_SECONDS:
        return True
    live = inventory_selectors.get_available_by_variant(entry.stock)
    if any(live.get(pk, 0) != units for pk, units in entry.stock.items()):
        return False
    if len(_stock_checked) > 10_000:  # a process that saw many pages forgets old checks
        _stock_checked.clear()
    _stock_checked[key] = now
    return True


def _entry_from(request, response, render: PageRender) -> Entry | None:
    """The cacheable form of a freshly rendered page, or ``None`` when it must not be kept."""
    if (
        not render.cacheable
        or response.status_code != 200
        or response.streaming
        or not response.get("Content-Type", "").startswith("text/html")
        or settings.SESSION_COOKIE_NAME in response.cookies  # the view wrote a session
        or MESSAGES_COOKIE in response.cookies
        or any(word in response.get("Cache-Control", "") for word in ("private", "no-store"))
        or render.catalog_version is None
        or render.page_version is None
        # A store behind its pre-launch password: this visitor typed it, the next may not have.
        # (Locking the store saves its settings, which moves the page version: pages cached
        # before are dropped.)
        or preference_selectors.get_store_settings().storefront_locked
    ):
        return None
    body = response.content.decode(response.charset)
    nonce = getattr(request, "_csp_nonce", None)
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in _PER_REQUEST_HEADERS
    ]
    if isinstance(nonce, str) and nonce:
        body = body.replace(nonce, NONCE_MARK)
        headers = [(name, value.replace(nonce, NONCE_MARK)) for name, value in headers]
    body = _CSRF_INPUT.sub(rf"\g<1>{CSRF_MARK}\g<2>", body)
    now = time.time()
    return Entry(
        fresh_until=fresh_until(render, now),
        recs_generation=recommendation_selectors.current_generation() if render.lasting else None,
        body=body,
        headers=headers,
        catalog_version=render.catalog_version,
        page_version=render.page_version,
        stock=render.stock,
        product_id=render.product_id,
        impressions=render.impressions,
    )


def fresh_until(render: PageRender, now: float) -> float:
    """Until when a page just rendered shows what a render would (Unix time), writes aside.

    Every write that changes a page moves a version the entry is checked against; what changes
    with no write is time: a promotion starting or ending, an automated collection's members,
    stock behind a strip of recommended products, listing facet counts. A page that says it
    shows none of these but promotion prices and the recommendation lists (``lasting``: the
    home page) is fresh until the next promotion start or end, at most
    ``PAGE_CACHE_MAX_SECONDS`` (a quiet store's pre-rendered home page is still there hours
    later); one showing a recommendation strip (its products are filtered by live stock), and
    every other page, for ``PAGE_CACHE_SECONDS``.
    """
    short = now + settings.PAGE_CACHE_SECONDS
    if not render.lasting or render.impressions:
        return short
    wall = datetime.fromtimestamp(now, tz=UTC)
    change = promotions.next_time_change(wall) if render.shows_prices else None
    if change is not None and change <= wall:
        return short  # a collection promotion: its next change is unknown
    longest = now + max(settings.PAGE_CACHE_MAX_SECONDS, settings.PAGE_CACHE_SECONDS)
    return longest if change is None else min(longest, change.timestamp())


def personalise(request, entry: Entry, *, nonce: str) -> str:
    """The cached body with this visitor's CSRF token, CSP nonce, cart count and recently
    viewed products filled in (each computed only when the page has its marker)."""
    body = entry.body
    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, csrf_tokens.get_token(request))
    if NONCE_MARK in body:
        body = body.replace(NONCE_MARK, nonce)
    if CART_MARK in body:
        body = body.replace(CART_MARK, _cart_count_html(request))
    if RECENT_MARK in body:
        body = body.replace(RECENT_MARK, _recently_viewed_html(request, entry))
    return body


def _hit_response(request, entry: Entry) -> HttpResponseBase:
    request.user = AnonymousUser()  # bypass_reason ruled out a signed-in session
    _csrf.process_request(request)  # the visitor's CSRF cookie, if any, into request.META
    nonce = base64.b64encode(os.urandom(16)).decode("ascii")
    visitor = visitors.get_visitor(request, create=entry.product_id is not None)
    body = personalise(request, entry, nonce=nonce)
    if entry.impressions is not None:
        shown = [*entry.impressions, *getattr(request, "_page_cache_recent_shown", [])]
        if entry.product_id is not None:
            recommendation_services.record_product_view(
                product_id=entry.product_id, visitor_key=visitor.key, impressions=shown
            )
        else:
            recommendation_services.record_impressions(widgets=shown)
    if entry.product_id is not None:
        visitors.remember_recently_viewed(request, entry.product_id)
    response = HttpResponse(body)
    for name, value in entry.headers:
        response[name] = value.replace(NONCE_MARK, nonce) if NONCE_MARK in value else value
    response["X-Page-Cache"] = "hit"
    response["Content-Length"] = str(len(response.content))
    set_visitor_cookies(request, response)
    return _csrf.process_response(request, response)


def _cart_count_html(request) -> str:
    count = cart_item_count(request)
    if not count:
        return ""
    return get_template("storefront/includes/_cart_count.html").render({"count": count})


def _recently_viewed_html(request, entry: Entry) -> str:
    recent_ids = visitors.get_visitor(request).recent_ids
    if not recent_ids:
        return ""
    widget = recommendation_selectors.get_recently_viewed(
        recent_ids=recent_ids, current_product_id=entry.product_id
    )
    if not widget:
        return ""
    request._page_cache_recent_shown = [widget.widget]
    return get_template("recommendations/includes/_recently_viewed.html").render(
        {"recs_recently_viewed": widget, "market": markets.current_market(request)}
    )
