"""Absolute URLs, built in one place: a host under the platform's configured public base.

Every link that leaves a request (emails, sitemaps, canonical tags, webhook payloads, API
payment URLs, the run banner, signup pages) comes from here, so the web process, a Celery
worker and beat all write the same link. The scheme and port come from ``PUBLIC_SCHEME`` and
``PUBLIC_PORT``, never from the request or from ``PORT``: honcho gives each process its own
``PORT`` (web 8000, worker 8100, beat 8200), and a production worker has none.
"""

from django.conf import settings

from apps.tenants.models import Store

DEFAULT_PORTS = {"http": "80", "https": "443"}


def public_base(host: str) -> str:
    """``scheme://host[:port]``, the port left out when it is the scheme's default."""
    scheme = settings.PUBLIC_SCHEME
    port = str(settings.PUBLIC_PORT or "")
    suffix = "" if port in ("", DEFAULT_PORTS.get(scheme)) else f":{port}"
    return f"{scheme}://{host}{suffix}"


def absolute_url(host: str, path: str = "/") -> str:
    """The public URL of ``path`` (absolute, starting with ``/``) on ``host``."""
    if not path.startswith("/"):
        raise ValueError(f"expected an absolute path, got {path!r}")
    return public_base(host) + path


def primary_host(store: Store) -> str:
    """The store's primary domain (a custom one once it is marked primary).

    Reads the store's ``domains`` (no query when the caller prefetched them, as the platform's
    store list does). A store without a Domain row falls back to its subdomain.
    """
    if store.pk is None:  # not saved: no Domain rows yet
        return store.primary_host
    hosts = [domain.domain for domain in store.domains.all() if domain.is_primary]
    return hosts[0] if hosts else store.primary_host


def store_url(store: Store, path: str = "/") -> str:
    """The public URL of ``path`` on the store's primary domain."""
    return absolute_url(primary_host(store), path)


def platform_url(path: str = "/") -> str:
    """The public URL of ``path`` on the platform's own domain (signup, platform admin)."""
    return absolute_url(settings.PLATFORM_DOMAIN, path)
