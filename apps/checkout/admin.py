from django.contrib import admin

from apps.checkout import promotions
from apps.checkout.models import Promotion, ShippingMethod, ShippingZone, TaxRate, Voucher


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


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    """Automatic discounts. Every write goes through ``promotions`` (it moves the catalog
    version on, so cached storefront prices change with it)."""

    list_display = ("name", "kind", "value_type", "value", "applies_to", "starts_at",
                    "ends_at", "priority", "combines_with_promotions", "combines_with_vouchers",
                    "active")  # fmt: skip
    list_filter = ("kind", "active")
    search_fields = ("name",)
    autocomplete_fields = ("products", "categories")
    filter_horizontal = ("collections",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "active", "kind", "value_type", "value")}),
        ("Applies to", {"fields": ("applies_to", "products", "categories", "collections")}),
        ("Buy X get Y", {"fields": ("buy_quantity", "get_quantity")}),
        ("Conditions", {"fields": ("minimum_subtotal", "starts_at", "ends_at")}),
        (
            "Combining",
            {"fields": ("priority", "combines_with_promotions", "combines_with_vouchers")},
        ),  # fmt: skip
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        promotions.save_promotion(promotion=obj)

    def save_related(self, request, form, formsets, change):
        promotions.save_promotion_targets(save=lambda: super(PromotionAdmin, self).save_related(
            request, form, formsets, change
        ))  # fmt: skip

    def delete_model(self, request, obj):
        promotions.delete_promotion(promotion=obj)

    def delete_queryset(self, request, queryset):
        for promotion in queryset:
            promotions.delete_promotion(promotion=promotion)
