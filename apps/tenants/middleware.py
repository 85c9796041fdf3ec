from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from apps.tenants import pods, routing
from apps.tenants.exceptions import StoreMoving

ROOT_ASSETS = frozenset({"/favicon.ico"})  # served from WHITENOISE_ROOT on every host


class StoreMiddleware(TenantMainMiddleware):
    """Route a request by host: the platform host to the public schema, a store host to its schema.

    The platform host needs no Store row of its own. An unknown host gets a friendly 404 page.
    A store on another pod is served through that pod's connection (``apps/tenants/pods.py``);
    with several pods, a write to a store being moved waits for the switch or gets a 503.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __call__(self, request):
        try:
            return super().__call__(request)
        finally:
            pods.leave_store()

    def get_tenant(self, domain_model, hostname):
        return routing.get_store_for_host(hostname)

    def process_request(self, request):
        hostname = self.hostname_from_request(request)
        if hostname in self.platform_hosts():
            connection.set_schema_to_public()
            request.tenant = connection.tenant
            request.store = None
            self.setup_url_routing(request, force_public=True)
            return None
        response = super().process_request(request)
        if getattr(request, "platform_asset", False):
            return response  # an unknown host's static file or favicon: no store (see below)
        request.store = getattr(request, "tenant", None)
        if response is None and request.store is not None and request.store.is_suspended:
            return self.store_closed(request)
        if response is None and request.store is not None:
            return self.enter_store_pod(request)
        return response

    def enter_store_pod(self, request):
        if len(settings.PODS) == 1:
            return None  # one server: no pod to pick, no store ever moves
        pods.enter_store_for_read(request.store)
        if request.method in self.SAFE_METHODS:
            return None
        try:
            pods.enter_store_for_write(
                request.store, wait_seconds=settings.POD_MOVE_WRITE_WAIT_SECONDS
            )
        except StoreMoving as exc:
            return self.store_moving(request, exc)
        return None

    @staticmethod
    def store_moving(request, exc: StoreMoving):
        """503 with Retry-After: the JSON error shape for the API, a short page elsewhere."""
        response: HttpResponse
        if request.path_info.startswith("/api/"):
            response = JsonResponse(
                {"error": {"code": exc.code, "message": exc.message}}, status=exc.http_status
            )
        else:
            response = render(
                request, "tenants/store_moving.html", {"message": exc.message}, status=503
            )
        response["Retry-After"] = str(exc.retry_after_seconds)
        return response

    @staticmethod
    def stays_open_when_suspended(path: str) -> bool:
        """A suspended store's admin (its owner settles things there) and assets still answer."""
        return path in ROOT_ASSETS or path.startswith(
            ("/admin/", settings.STATIC_URL, settings.MEDIA_URL)
        )

    @staticmethod
    def is_platform_asset(path: str) -> bool:
        """Static files and the default favicon are the platform's, the same on every host."""
        return path in ROOT_ASSETS or path.startswith(settings.STATIC_URL)

    def store_closed(self, request):
        if self.stays_open_when_suspended(request.path_info):
            return None
        response = render(request, "tenants/store_closed.html", status=503)
        response["Retry-After"] = "3600"
        return response

    @staticmethod
    def platform_hosts() -> set[str]:
        return {settings.PLATFORM_DOMAIN, "127.0.0.1"}

    def no_tenant_found(self, request, hostname):
        connection.set_schema_to_public()
        request.store = None
        if self.is_platform_asset(request.path_info):
            # The "no store here" page's stylesheet and favicon: served as on the platform host.
            request.tenant = connection.tenant
            request.platform_asset = True
            self.setup_url_routing(request, force_public=True)
            return None
        return render(
            request,
            "tenants/store_not_found.html",
            {"hostname": hostname, "platform_domain": settings.PLATFORM_DOMAIN},
            status=404,
        )
