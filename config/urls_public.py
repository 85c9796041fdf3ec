"""URLs of the platform host (PLATFORM_DOMAIN): landing page, store signup, platform admin."""

from django.urls import include, path

from apps.observability.views import metrics_view
from apps.tenants.admin import platform_admin_site

urlpatterns = [
    path("", include("apps.tenants.urls")),
    path("admin/", platform_admin_site.urls),
    path("metrics", metrics_view, name="metrics"),
]
