from django.contrib import admin

from apps.preferences.models import StoreSettings


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    fieldsets = (
        ("Checkout", {"fields": ("reservation_minutes", "payment_gateway")}),
        ("Inventory", {"fields": ("low_stock_threshold",)}),
        ("Reviews", {"fields": ("moderate_reviews",)}),
        ("Email", {"fields": ("email_sender", "abandoned_cart_hours")}),
        (
            "Stripe",
            {"fields": ("stripe_publishable_key", "stripe_secret_key", "stripe_webhook_secret")},
        ),
    )

    def has_add_permission(self, request):
        return not StoreSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
