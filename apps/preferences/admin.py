from django.contrib import admin

from apps.preferences.models import StoreSettings


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    """The generic change form (the dashboard replaces it with its settings page). The payment
    gateway is chosen on that page, from the payments registry this app cannot see."""

    fieldsets = (
        ("Checkout", {"fields": ("reservation_minutes",)}),
        ("Inventory", {"fields": ("low_stock_threshold",)}),
        ("Reviews", {"fields": ("moderate_reviews",)}),
        ("Email", {"fields": ("email_sender", "abandoned_cart_hours")}),
    )

    def has_add_permission(self, request):
        return not StoreSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
