"""The platform admin (public host): stores with their sales, suspension, commission."""

import csv
from datetime import date, timedelta

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from apps.accounts.admin import UserAdmin
from apps.accounts.admin_sites import TwoFactorAdminSite
from apps.accounts.models import User
from apps.tenants import commission, services
from apps.tenants.models import Domain, SchemaState, Store, StoreMove


class PlatformAdminSite(TwoFactorAdminSite):
    """The platform staff's admin on the public host; store admins never see these models."""

    site_header = "Mercato platform"
    site_title = "Mercato platform admin"
    index_title = "Platform administration"
    index_template = "admin/platform/index.html"

    def get_urls(self):
        return [
            path("commission/", self.admin_view(self.commission_view), name="commission"),
            *super().get_urls(),  # two-factor enrolment, then Django's
        ]

    def commission_view(self, request):
        """Monthly commission per store; ``?month=YYYY-MM``, ``&format=csv`` to export."""
        month = _parse_month(request.GET.get("month"))
        report = commission.get_commission_report(month)
        if request.GET.get("format") == "csv":
            return _commission_csv(report)
        this_month = timezone.now().date().replace(day=1)
        previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        context = {
            **self.each_context(request),
            "title": f"Commission for {month:%B %Y}",
            "report": report,
            "month_value": f"{month:%Y-%m}",
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}" if following <= this_month else None,
        }
        return TemplateResponse(request, "admin/platform/commission.html", context)


def _parse_month(value: str | None) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return timezone.now().date().replace(day=1)


def _commission_csv(report: commission.CommissionReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="commission-{report.month:%Y-%m}.csv"'
    writer = csv.writer(response)
    writer.writerow(["month", "store", "slug", "currency", "paid_orders", "gross",
                     "base_net_of_refunds", "rate_percent", "commission"])  # fmt: skip
    for line in report.lines:
        writer.writerow([f"{report.month:%Y-%m}", line.store.name, line.store.schema_name,
                         line.store.currency, line.orders, line.gross, line.base, line.rate,
                         line.commission])  # fmt: skip
    return response


platform_admin_site = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Store, site=platform_admin_site)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "schema_name", "status", "pod", "paid_orders", "revenue",
                    "commission_rate", "currency", "country", "created_at")  # fmt: skip
    list_filter = ("status", "pod", "currency", "country")
    search_fields = ("name", "schema_name", "domains__domain")
    # The pod changes only through `manage.py move_store` (copy, verify, switch).
    readonly_fields = ("schema_name", "status", "pod", "created_at")
    fields = ("name", "schema_name", "status", "pod", "commission_rate", "currency", "country",
              "timezone", "prices_include_tax", "created_at")  # fmt: skip
    inlines = [DomainInline]
    actions = ["suspend", "resume"]

    def has_add_permission(self, request):
        return False  # stores are opened through signup or `manage.py create_store`

    @admin.display(description="Paid orders")
    def paid_orders(self, store):
        return commission.get_store_sales(store).orders

    @admin.display(description="Revenue (net)")
    def revenue(self, store):
        return f"{commission.get_store_sales(store).revenue} {store.currency}"

    @admin.action(description="Suspend selected stores (storefront closed, admin open)")
    def suspend(self, request, queryset):
        for store in queryset:
            services.suspend_store(store_id=store.id)
        self.message_user(request, f"{queryset.count()} store(s) suspended.", messages.WARNING)

    @admin.action(description="Resume selected stores")
    def resume(self, request, queryset):
        for store in queryset:
            services.resume_store(store_id=store.id)
        self.message_user(request, f"{queryset.count()} store(s) resumed.")


@admin.register(Domain, site=platform_admin_site)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__name")


# Platform staff: the public schema's users, with the same admin as a store's users.
platform_admin_site.register(User, UserAdmin)


@admin.register(SchemaState, site=platform_admin_site)
class SchemaStateAdmin(admin.ModelAdmin):
    """Each store's migration state as ``migrate_fleet`` left it (failed ones with the error)."""

    list_display = ("schema_name", "status", "fingerprint", "updated_at")
    list_filter = ("status",)
    search_fields = ("schema_name",)
    readonly_fields = ("schema_name", "fingerprint", "status", "error", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(StoreMove, site=platform_admin_site)
class StoreMoveAdmin(admin.ModelAdmin):
    """The history of ``move_store``: each move's pods, what was verified, the write pause."""

    list_display = ("store", "from_pod", "to_pod", "status", "rows", "pause_ms", "started_at",
                    "old_dropped_at")  # fmt: skip
    list_filter = ("status", "from_pod", "to_pod")
    search_fields = ("store__schema_name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
