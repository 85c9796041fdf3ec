"""URLs of a store host (<slug>.<PLATFORM_DOMAIN> or a custom domain)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.storefront import prelaunch

admin.site.site_header = "Store admin"
admin.site.site_title = "Store admin"

urlpatterns = [
    # Dashboard, reports, settings and staff pages first; "admin/" alone is the dashboard.
    path("admin/", include("apps.dashboard.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("apps.api.urls")),
    path("cart/", include("apps.storefront.cart_urls")),
    path("checkout/", include("apps.storefront.checkout_urls")),
    path("orders/", include("apps.storefront.order_urls")),
    path("account/", include("apps.storefront.account_urls")),
    path("payments/", include("apps.payments.urls")),
    path("reviews/", include("apps.storefront.review_urls")),
    path("recommendations/", include("apps.storefront.recommendation_urls")),
    path("pages/", include("apps.storefront.page_urls")),
    path("password/", prelaunch.password_page, name="storefront-password"),
    path("", include("apps.storefront.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
