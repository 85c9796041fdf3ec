"""POST-only storefront views that answer a GET with a redirect, not a blank 405.

A shopper reaches ``/cart/add/`` or ``/checkout/`` by GET after a back button, a reload of a
redirect or a shared link; the page the action belongs to is where they meant to be.
"""

import functools
from collections.abc import Callable

from django.shortcuts import redirect, resolve_url
from django.views.decorators.http import require_POST

from apps.core.redirects import safe_next

Target = str | Callable[..., str]


def post_only(target: Target):
    """Like ``require_POST``, but a GET or HEAD redirects to ``target``: a URL name reversed
    with the view's URL arguments, or a callable ``(request, *args, **kwargs) -> URL``.

    A safe ``next`` query parameter (same host) wins over the target, as it does after a POST.
    """

    def decorator(view):
        post_view = require_POST(view)

        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return post_view(request, *args, **kwargs)
            following = safe_next(request, request.GET.get("next"))
            if following:
                return redirect(following)
            if callable(target):
                return redirect(target(request, *args, **kwargs))
            return redirect(resolve_url(target, *args, **kwargs))

        return wrapped

    return decorator
