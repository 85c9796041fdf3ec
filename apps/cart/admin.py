from django.contrib import admin

from apps.cart.models import Cart, CartLine


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    fields = ("variant", "quantity", "updated_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("token", "user", "email", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("email", "user__email")
    readonly_fields = ("token", "user", "email", "status", "created_at", "updated_at")
    inlines = [CartLineInline]

    def has_add_permission(self, request):
        return False
