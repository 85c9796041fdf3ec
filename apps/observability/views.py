import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST

from apps.observability import exposition


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape endpoint (platform host): ``Authorization: Bearer <METRICS_TOKEN>``.

    Never public: with no token configured it does not exist (404); a missing or wrong token is
    a 401.
    """
    token = settings.METRICS_TOKEN
    if not token or not settings.METRICS_ENABLED:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("metrics need the bearer token\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition.render(), content_type=CONTENT_TYPE_LATEST)
