"""Per-request observability: request id, log context, HTTP metrics, error-tracker tags."""

import logging
import re
import uuid
from time import perf_counter

from django.conf import settings
from django.utils.functional import empty

from apps.observability import errors, logs, metrics

logger = logging.getLogger("mercato.request")

# An id given by a proxy or load balancer is kept when it looks like one (no log injection).
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PATH_ROUTES = {"/healthz": "healthz", "/readyz": "readyz"}


class RequestObservabilityMiddleware:
    """First in MIDDLEWARE: times the whole request, whatever answers it.

    Sets ``request.request_id`` (the ``X-Request-ID`` header kept or a new uuid) and returns it
    in the response's ``X-Request-ID``; binds it with the store schema for every log line and
    Celery task of the request; counts the request by URL pattern name, method and status.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.metrics_enabled = settings.METRICS_ENABLED

    def __call__(self, request):
        start = perf_counter()
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        logs.clear()
        logs.bind(request_id=request_id)
        errors.tag_request(request_id)
        response = self.get_response(request)
        duration = perf_counter() - start
        response["X-Request-ID"] = request_id
        match = request.resolver_match
        route = match.view_name if match else _PATH_ROUTES.get(request.path, "unmatched")
        method = request.method if request.method in _METHODS else "other"
        if self.metrics_enabled:
            metrics.http_requests.labels(route, method, str(response.status_code)).inc()
            metrics.http_request_duration.labels(route).observe(duration)
        if logger.isEnabledFor(logging.INFO):
            user_id = _loaded_user_id(request)
            if user_id is not None:
                logs.bind(user_id=user_id)
            logger.info(
                "%s %s %s",
                method, route, response.status_code,
                extra={"method": method, "route": route, "status": response.status_code,
                       "duration_ms": round(duration * 1000, 1)},
            )  # fmt: skip
        logs.clear()
        return response


def _loaded_user_id(request) -> int | None:
    """The signed-in user's id when the request already loaded it (never a query for it)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk
