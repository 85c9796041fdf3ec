"""Where a ``next`` parameter may send a visitor: a local path on the request's own host."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, target: str | None) -> str:
    """``target`` if it is a local absolute path on this host, else ``""``.

    ``url_has_allowed_host_and_scheme`` alone accepts a bare word (``next=x``) as a relative URL,
    which ``redirect()`` then tries to reverse as a URL name; a path must start with ``/``.
    Scheme-relative (``//evil.example``), other hosts and ``javascript:`` are refused by it.
    """
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or target.startswith("/\\"):
        return ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return target
