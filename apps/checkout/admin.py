from django.contrib import admin

from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate, Voucher


class ShippingMethodInline(admin.TabularInline):
    model = ShippingMethod
    extra = 0
    fields = ("name", "kind", "price", "price_per_kg", "free_over", "max_weight_grams", "active")


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "country_list")
    inlines = [ShippingMethodInline]

    @admin.display(description="Countries")
    def country_list(self, zone):
        return ", ".join(zone.countries)


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "name", "rate")


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "value", "minimum_subtotal", "starts_at", "ends_at",
                    "times_used", "usage_limit", "active")  # fmt: skip
    list_filter = ("kind", "active")
    search_fields = ("code",)
    readonly_fields = ("times_used", "created_at")
