from django.contrib import admin

from apps.catalog.models import Category, OptionValue, Product, ProductOption, Variant


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "position")
    list_select_related = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("sku", "name", "price", "compare_at_price", "cost_price", "weight_grams", "active")


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "brand", "status", "featured", "updated_at")
    list_select_related = ("category",)
    list_filter = ("status", "featured", "category")
    search_fields = ("name", "brand", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("rating_avg", "rating_count", "created_at", "updated_at")
    inlines = [ProductOptionInline, VariantInline]


@admin.register(OptionValue)
class OptionValueAdmin(admin.ModelAdmin):
    list_display = ("option", "value", "position")
    list_select_related = ("option",)
