"""A store's home page, rendered before its first visitor asks for it.

With a thousand stores most visits are a store's first in a while, and rendering a cold store
costs 30–90 ms (ORM, SQL, templates, PostgreSQL's per-schema catalog cache) against ~10 ms for
a page-cache hit. So the home page is rendered in the background (``prerender_home_task``)
after the store is opened and after every change that drops its cached pages (configuration
generation, catalog version: ``store_cache.when_pages_dropped``): the merchant looking at a new
store, and the shoppers after a catalog import, get a cached page.

- **Exactly a miss's entry**: the page goes through Django's whole request handling (every
  middleware, ``PageCacheMiddleware`` included) as an anonymous first-time visitor's GET of
  ``/`` on the store's primary domain, canonical scheme and port: the entry is the one that
  middleware writes on a miss, under the key a visitor's request reads.
- **Debounced**: one render per store per ``PAGE_PRERENDER_DELAY_SECONDS``, however many
  writes (a product import bumps the catalog version thousands of times): the first change
  takes a short-lived Redis lock and queues the render that many seconds later; changes
  meanwhile are covered by it. Only committed changes queue one (``pages_dropped`` runs its
  callbacks after the commit), and a change committed after the lock lapsed queues the next.
- **Never in the way**: with Redis or the broker down nothing is queued and the write that
  asked goes on (the first visitor renders the page, as before).
"""

import io
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.tenants import pods, public_urls

logger = logging.getLogger(__name__)

LOCK_KEY = "storefront:prerender:home"  # per store: cache keys carry the schema
_handler: BaseHandler | None = None


def schedule_home_render() -> None:
    """Queue a render of the current store's home page, unless one is queued already.

    Called after the commit of a change that dropped the store's pages; never raises.
    """
    if not settings.PAGE_CACHE_ENABLED or connection.schema_name == get_public_schema_name():
        return
    delay = settings.PAGE_PRERENDER_DELAY_SECONDS
    try:
        # Redis down: ``add`` answers False (the cache ignores its errors): nothing is queued.
        if not cache.add(LOCK_KEY, 1, max(1, round(delay))):
            return
        from apps.storefront.tasks import prerender_home_task

        prerender_home_task.apply_async(
            countdown=delay, headers={"_schema_name": connection.schema_name}, retry=False
        )
    except Exception as exc:  # noqa: BLE001 - the write that asked is committed: never fail it
        cache.delete(LOCK_KEY)  # the next change tries again
        logger.warning(
            "home page pre-render of %s not queued (%s: %s)",
            connection.schema_name, type(exc).__name__, exc,
        )  # fmt: skip


def render_home() -> str:
    """Render the current store's home page through the full request handling, as a first-time
    anonymous visitor on its primary domain; return the ``X-Page-Cache`` answer ("miss": the
    page was rendered and cached, "hit": it already was, "" when not cacheable)."""
    store = pods.store_for_schema(connection.schema_name)
    if store is None or store.is_suspended:
        return ""
    base = urlsplit(public_urls.public_base(public_urls.primary_host(store)))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": base.hostname or "",
        "SERVER_PORT": str(base.port or (443 if base.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": base.netloc,
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": base.scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    if settings.SECURE_PROXY_SSL_HEADER:
        # Behind a TLS proxy the scheme comes from its header, as for a visitor.
        header, value = settings.SECURE_PROXY_SSL_HEADER
        environ[header] = value if base.scheme == "https" else "http"
    # Not ``response.close()``: its request_finished signal closes the database connection
    # (the worker's, in the middle of a task); the page is a plain, already rendered response.
    response = _request_handler().get_response(WSGIRequest(environ))
    return response.get("X-Page-Cache", "")


def _request_handler() -> BaseHandler:
    """Django's request handling with the project's middleware (loaded once per process)."""
    global _handler
    if _handler is None:
        handler = BaseHandler()
        handler.load_middleware()
        _handler = handler
    return _handler
