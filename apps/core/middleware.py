from django.http import JsonResponse

from apps.core import health, store_cache, tasks, version_bus


class HealthCheckMiddleware:
    """Answer /healthz and /readyz on every host, before tenant routing touches the database.

    /healthz: the process is alive. /readyz: PostgreSQL and Redis answer; 503 names what fails.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            failures = health.failing_services()
            if failures:
                return JsonResponse({"status": "unavailable", "failing": failures}, status=503)
            return JsonResponse({"status": "ready", "worker_heartbeat": tasks.last_heartbeat()})
        return self.get_response(request)


class RequestMemoMiddleware:
    """Read each cached store-configuration entry once per request (``store_cache``), after
    hearing every store version announced before the request began (``version_bus``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        version_bus.sync()
        with store_cache.memo_for_request():
            return self.get_response(request)
