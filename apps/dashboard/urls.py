"""The store admin's own pages, mounted at /admin/ ahead of ``admin.site.urls``: the dashboard
replaces the admin index (``admin:index`` reverses to the same /admin/ address)."""

from django.urls import path

from apps.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("launch/", views.launch, name="launch"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("reports/sales/", views.sales_report, name="sales-report"),
    path("reports/inventory/", views.inventory_report, name="inventory-report"),
    path("reports/customers/", views.customers_report, name="customers-report"),
    path("store-settings/", views.store_settings, name="settings"),
    path(
        "store-settings/confirm-email/", views.resend_owner_confirmation, name="resend-confirmation"
    ),  # fmt: skip
    path("staff/", views.staff, name="staff"),
    path("staff/<int:user_id>/revoke/", views.revoke_staff, name="staff-revoke"),
]
