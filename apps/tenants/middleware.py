from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware


class StoreMiddleware(TenantMainMiddleware):
    """Route a request by host: the platform host to the public schema, a store host to its schema.

    The platform host needs no Store row of its own. An unknown host gets a friendly 404 page.
    """

    def process_request(self, request):
        hostname = self.hostname_from_request(request)
        if hostname in self.platform_hosts():
            connection.set_schema_to_public()
            request.tenant = connection.tenant
            request.store = None
            self.setup_url_routing(request, force_public=True)
            return None
        response = super().process_request(request)
        request.store = getattr(request, "tenant", None)
        return response

    @staticmethod
    def platform_hosts() -> set[str]:
        return {settings.PLATFORM_DOMAIN, "127.0.0.1"}

    def no_tenant_found(self, request, hostname):
        connection.set_schema_to_public()
        request.store = None
        return render(
            request,
            "tenants/store_not_found.html",
            {"hostname": hostname, "platform_domain": settings.PLATFORM_DOMAIN},
            status=404,
        )
