from django.conf import settings

from apps.storefront.visitors import (
    RECENT_COOKIE,
    RECENT_COOKIE_AGE,
    VISITOR_COOKIE,
    VISITOR_COOKIE_AGE,
)


class VisitorCookiesMiddleware:
    """Write the visitor-id and recently-viewed cookies a view asked for; nothing otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        set_visitor_cookies(request, response)
        return response


def set_visitor_cookies(request, response) -> None:
    """The cookies ``visitors.get_visitor(create=True)`` and ``remember_recently_viewed`` asked
    for (also called by the page cache, which answers before this middleware runs)."""
    options = {
        "httponly": True,
        "samesite": "Lax",
        "secure": settings.SESSION_COOKIE_SECURE,
    }
    visitor_id = getattr(request, "_recs_new_visitor_id", None)
    if visitor_id:
        response.set_cookie(VISITOR_COOKIE, visitor_id, max_age=VISITOR_COOKIE_AGE, **options)
    recent = getattr(request, "_recs_recent_ids", None)
    if recent is not None:
        value = ".".join(str(product_id) for product_id in recent)
        response.set_cookie(RECENT_COOKIE, value, max_age=RECENT_COOKIE_AGE, **options)
