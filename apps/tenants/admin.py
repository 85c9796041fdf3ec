from django.contrib import admin

from apps.tenants.models import Domain, Store


class PlatformAdminSite(admin.AdminSite):
    """The platform staff's admin on the public host; store admins never see these models."""

    site_header = "Mercato platform"
    site_title = "Mercato platform admin"
    index_title = "Platform administration"


platform_admin_site = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Store, site=platform_admin_site)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "schema_name", "status", "currency", "country", "created_at")
    list_filter = ("status", "currency", "country")
    search_fields = ("name", "schema_name", "domains__domain")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]

    def has_add_permission(self, request):
        return False  # stores are opened through signup or `manage.py create_store`


@admin.register(Domain, site=platform_admin_site)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__name")
