"""The product page of the store admin: one page does the job.

The catalog app's ``ProductAdmin`` (options, variants, images, saves through the catalog
services) is extended here, in the dashboard face, because the page also sets stock, which is
the inventory app's (the catalog never imports inventory):

- the variants grid shows each variant's option values, SKU, price, compare-at price, weight,
  active flag and one stock cell per active location;
- a stock cell saved with a new number goes through ``inventory.services.set_stock_level``
  (a ledger row: "initial stock" the first time, then "adjustment"), never a counter write;
- "View on storefront" links to the product's page.

The grid reads stock with the variants (one prefetch), so 100 variants cost the same queries
as one, and the table scrolls inside its box instead of widening the page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.db.models import Prefetch

from apps.catalog import admin as catalog_admin
from apps.catalog.models import Product, Variant
from apps.core.exceptions import DomainError
from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel, Warehouse

STOCK_PREFIX = "stock_"


def _active_warehouses(request) -> list[Warehouse]:
    cached = getattr(request, "_product_page_warehouses", None)
    if cached is None:
        cached = list(Warehouse.objects.filter(active=True).order_by("priority", "pk"))
        request._product_page_warehouses = cached
    return cached


class VariantGridForm(forms.ModelForm):
    """A variant row; the stock cells are added per location by ``VariantGridInline``."""

    warehouses: list[Warehouse] = []

    class Meta:
        model = Variant
        fields = [
            "sku", "price", "compare_at_price", "weight_grams", "active",
            "inventory_policy", "backorder_lead_days", "preorder_until", "preorder_cap",
        ]  # fmt: skip
        widgets = {
            "sku": forms.TextInput(attrs={"size": 16}),
            "price": forms.NumberInput(attrs={"step": "0.01", "class": "cell-money"}),
            "compare_at_price": forms.NumberInput(attrs={"step": "0.01", "class": "cell-money"}),
            "weight_grams": forms.NumberInput(attrs={"class": "cell-int"}),
            "backorder_lead_days": forms.NumberInput(attrs={"class": "cell-int"}),
            "preorder_cap": forms.NumberInput(attrs={"class": "cell-int"}),
            "preorder_until": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "compare_at_price": "Compare at", "weight_grams": "Weight (g)",
            "inventory_policy": "When out of stock", "backorder_lead_days": "Ships in (days)",
            "preorder_until": "Pre-order until", "preorder_cap": "Pre-order cap",
        }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        on_hand: dict[int, int] = {}
        if self.instance.pk:
            # Prefetched with the variants (VariantGridInline.get_queryset): no query per row.
            on_hand = {s.warehouse_id: s.on_hand for s in self.instance.stock_levels.all()}
        for warehouse in self.warehouses:
            self.fields[f"{STOCK_PREFIX}{warehouse.pk}"] = forms.IntegerField(
                label=f"Stock: {warehouse.name}",
                min_value=0,
                max_value=1_000_000,
                required=False,
                initial=on_hand.get(warehouse.pk, 0),
                widget=forms.NumberInput(attrs={"class": "cell-int"}),
            )

    def stock_changes(self) -> list[tuple[int, int]]:
        """(warehouse id, new on-hand count) for the stock cells the merchant changed."""
        changes = []
        for warehouse in self.warehouses:
            name = f"{STOCK_PREFIX}{warehouse.pk}"
            value = self.cleaned_data.get(name)
            if value is not None and name in self.changed_data:
                changes.append((warehouse.pk, value))
        return changes


class VariantGridInline(admin.TabularInline):
    model = Variant
    form = VariantGridForm
    extra = 0
    template = "admin/catalog/product/variant_grid.html"
    verbose_name_plural = "Variants"

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None else 1  # a new product without options: its one variant

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("product")  # each row's title (Variant.__str__) names it
            .prefetch_related(
                "option_values__option",
                Prefetch("stock_levels", queryset=StockLevel.objects.only(
                    "id", "variant_id", "warehouse_id", "on_hand"
                )),
            )
            .order_by("position", "pk")
        )  # fmt: skip

    def get_fields(self, request, obj=None):
        stock = [f"{STOCK_PREFIX}{w.pk}" for w in _active_warehouses(request)]
        return ["option_summary", "sku", "price", "compare_at_price", *stock, "weight_grams",
                "active", "inventory_policy", "backorder_lead_days", "preorder_until",
                "preorder_cap"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return ["option_summary"]

    def get_formset(self, request, obj=None, **kwargs):
        form = type("VariantGridForm", (VariantGridForm,), {
            "warehouses": _active_warehouses(request)
        })  # fmt: skip
        kwargs["form"] = form
        # Model fields only: the stock cells are the form's own (added in its __init__).
        kwargs["fields"] = list(VariantGridForm.Meta.fields)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="Options")
    def option_summary(self, obj):
        if not obj.pk:
            return "—"
        return " / ".join(v.value for v in obj.option_values.all()) or obj.name or "—"


class StoreProductAdmin(catalog_admin.ProductAdmin):
    inlines = [catalog_admin.ProductOptionInline, VariantGridInline,
               catalog_admin.ProductImageInline]  # fmt: skip
    change_form_template = "admin/catalog/product/change_form.html"
    view_on_site = False  # the page's own "View on storefront" link (no redirect view)

    def get_fieldsets(self, request, obj=None):
        # The change form template places "Generate variants" between options and variants.
        return [
            ("Generate variants", options) if name == "Variants" else (name, options)
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A new product with options gets its variants from them on the first save.
        form.base_fields["generate_variants"].initial = obj is None
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if formset.model is Variant:
                self._save_stock(request, formset)

    def _save_stock(self, request, formset) -> None:
        for variant_form in formset.forms:
            variant = variant_form.instance
            if not variant.pk or variant_form in formset.deleted_forms:
                continue
            if not hasattr(variant_form, "cleaned_data"):
                continue
            for warehouse_id, count in variant_form.stock_changes():
                try:
                    # Its own savepoint: a refused cell (units held by checkouts) leaves the
                    # rest of the page saved.
                    inventory_services.set_stock_level(
                        variant_id=variant.pk, warehouse_id=warehouse_id, on_hand=count,
                        actor_id=request.user.id, note="product page",
                    )  # fmt: skip
                except DomainError as exc:
                    messages.error(request, f"Stock of {variant.sku} not changed: {exc.message}")


try:
    admin.site.unregister(Product)
except NotRegistered:
    pass
admin.site.register(Product, StoreProductAdmin)
