from django.contrib import admin

from apps.inventory.models import StockLevel, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "priority", "active")
    list_editable = ("priority", "active")


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ("variant", "warehouse", "on_hand", "reserved", "available")
    list_select_related = ("variant__product", "warehouse")
    list_filter = ("warehouse",)
    search_fields = ("variant__sku", "variant__product__name")
    # Counters change only through the inventory services, which write the ledger.
    readonly_fields = ("variant", "warehouse", "on_hand", "reserved", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ("created_at", "variant", "warehouse", "delta", "reason", "actor", "note")
    list_select_related = ("variant__product", "warehouse", "actor")
    list_filter = ("reason", "warehouse")
    search_fields = ("variant__sku", "order_reference", "note")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
