"""Fixed-window rate limits in Redis (through the Django cache), failing open.

One owner for counting hits: the review write limit, the guest order lookup and the store
signup all count here. Keys go through the cache's key function, which prefixes the current
schema, so two stores' counters never meet. When Redis is down the cache answers nothing and the
limit lets the request through (logged once per burst by ``redis_outage``): a rate limit is a
brake, never a reason to refuse a shopper.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core import redis_outage


@dataclass(frozen=True)
class Limit:
    name: str  # part of the key, and of the outage log line
    hits: int  # allowed per window
    window_seconds: int


def count_hit(limit: Limit, ident: str) -> bool:
    """Count one hit of ``ident``; return False once it is past ``limit.hits`` this window.

    The first hit of a window starts the counter (``add`` sets only a missing key, ``incr`` is
    atomic in Redis), so concurrent requests cannot both slip past the limit.
    """
    key = f"throttle:{limit.name}:{ident}"
    cache.add(key, 0, timeout=limit.window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, 1, timeout=limit.window_seconds)
        count = 1
    if count is None:  # the cache fails open (Redis down): so does the limit
        redis_outage.note_failure(
            f"{limit.name} rate limit", ConnectionError("cache.incr answered None")
        )
        return True
    return count <= limit.hits


def hits_left(limit: Limit, ident: str) -> int:
    return max(limit.hits - int(cache.get(f"throttle:{limit.name}:{ident}") or 0), 0)


def client_ip(request: HttpRequest) -> str:
    """The address a request came from: ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` trusted
    proxies the address the nearest of them saw (never a client-chosen X-Forwarded-For entry)."""
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def refused_page(request: HttpRequest, template: str, context: dict, limit: Limit) -> HttpResponse:
    """The form page again, answered 429 with ``Retry-After`` the limit's window (the form
    carries the message): how every throttled form in the storefront and signup says no."""
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(limit.window_seconds)
    return response
