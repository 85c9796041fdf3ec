"""The merchant's stock pages. Counters and the ledger are read-only here: every change goes
through ``apps.inventory.services`` (adjust action, reconcile action), which writes the ledger."""

from django.contrib import admin, messages
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse

from apps.core.exceptions import DomainError
from apps.inventory import selectors, services
from apps.inventory.forms import AdjustStockForm
from apps.inventory.models import (
    Backorder,
    LowStockAlert,
    Reservation,
    StockLevel,
    StockMovement,
    VariantStock,
    Warehouse,
)
from apps.preferences import selectors as preferences_selectors


class ReadOnlyAdminMixin:
    """Rows written only by the services: listed and filtered, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "priority", "active")
    list_editable = ("priority", "active")

    def has_delete_permission(self, request, obj=None):
        return False  # ledger and holds refer to it; deactivate instead


def _adjust_stock_action(modeladmin, request, targets, *, needs_warehouse: bool):
    """Show the adjust form; on submit, call ``adjust_stock`` once per (variant, warehouse)."""
    form = AdjustStockForm(
        request.POST if "apply" in request.POST else None, needs_warehouse=needs_warehouse
    )
    if form.is_bound and form.is_valid():
        done = 0
        for variant_id, warehouse_id, label in targets:
            warehouse_id = warehouse_id or form.cleaned_data["warehouse"].pk
            try:
                services.adjust_stock(
                    variant_id=variant_id,
                    warehouse_id=warehouse_id,
                    delta=form.cleaned_data["delta"],
                    reason=form.cleaned_data["reason"],
                    actor_id=request.user.pk,
                    note=form.cleaned_data["note"],
                )
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{label}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"Adjusted stock of {done} item(s).", messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/inventory/adjust_stock.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Adjust stock",
            "form": form,
            "targets": [label for _, _, label in targets],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
        },
    )


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    extra = 0
    fields = ("warehouse", "on_hand", "reserved", "available", "low_stock_threshold")
    readonly_fields = ("warehouse", "on_hand", "reserved", "available")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # new rows come from receiving stock (the adjust action)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse")


class StockStatusFilter(admin.SimpleListFilter):
    title = "stock status"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", "Low stock"), ("out", "Out of stock"), ("in", "In stock")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(is_low=True)
        if self.value() == "out":
            return queryset.filter(available_units__lte=0)
        if self.value() == "in":
            return queryset.filter(available_units__gt=0)
        return queryset


@admin.register(VariantStock)
class VariantStockAdmin(admin.ModelAdmin):
    """Stock per variant: availability over active warehouses, low-stock flag, rows inline."""

    list_display = (
        "sku",
        "product",
        "name",
        "on_hand_total",
        "reserved_total",
        "available",
        "threshold",
        "low_stock",
    )
    list_select_related = ("product",)
    list_filter = (StockStatusFilter, "product__category")
    search_fields = ("sku", "product__name", "name")
    fields = ("sku", "product", "name")
    readonly_fields = ("sku", "product", "name")
    inlines = [StockLevelInline]
    actions = ["adjust_stock"]

    def has_add_permission(self, request):
        return False  # variants are created in the catalog

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        default = preferences_selectors.get_store_settings().low_stock_threshold
        active = Q(stock_levels__warehouse__active=True)
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                on_hand_units=Coalesce(Sum("stock_levels__on_hand", filter=active), 0),
                reserved_units=Coalesce(Sum("stock_levels__reserved", filter=active), 0),
                threshold_units=Coalesce(Max("stock_levels__low_stock_threshold"), Value(default)),
            )
        )
        return selectors.with_variant_free_units(queryset, name="available_units").annotate(
            is_low=ExpressionWrapper(
                Q(available_units__lt=F("threshold_units")), output_field=BooleanField()
            )
        )

    @admin.display(description="on hand", ordering="on_hand_units")
    def on_hand_total(self, obj) -> int:
        return obj.on_hand_units

    @admin.display(description="reserved", ordering="reserved_units")
    def reserved_total(self, obj) -> int:
        return obj.reserved_units

    @admin.display(ordering="available_units")
    def available(self, obj) -> int:
        return max(obj.available_units, 0)

    @admin.display(description="low below", ordering="threshold_units")
    def threshold(self, obj) -> int:
        return obj.threshold_units

    @admin.display(boolean=True, description="low stock", ordering="is_low")
    def low_stock(self, obj) -> bool:
        return obj.is_low

    @admin.action(description="Adjust stock of the selected variants…")
    def adjust_stock(self, request, queryset):
        targets = [(v.pk, None, v.sku) for v in queryset.order_by("sku")]
        return _adjust_stock_action(self, request, targets, needs_warehouse=True)


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = (
        "variant",
        "sku",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "low_stock_threshold",
        "updated_at",
    )
    list_select_related = ("variant__product", "warehouse")
    list_filter = ("warehouse", "warehouse__active")
    search_fields = ("variant__sku", "variant__product__name")
    # Counters change only through the inventory services, which write the ledger.
    readonly_fields = ("variant", "warehouse", "on_hand", "reserved", "updated_at")
    fields = ("variant", "warehouse", "on_hand", "reserved", "low_stock_threshold", "updated_at")
    actions = ["adjust_stock", "check_drift", "repair_drift"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(ordering="variant__sku")
    def sku(self, obj) -> str:
        return obj.variant.sku

    @admin.action(description="Adjust stock of the selected rows…")
    def adjust_stock(self, request, queryset):
        targets = [
            (level.variant_id, level.warehouse_id, f"{level.variant.sku} @ {level.warehouse}")
            for level in queryset.select_related("variant", "warehouse").order_by("pk")
        ]
        return _adjust_stock_action(self, request, targets, needs_warehouse=False)

    @admin.action(description="Check the selected rows against ledger and holds")
    def check_drift(self, request, queryset):
        self._report_drift(request, services.reconcile_stock(stock_level_ids=_ids(queryset)))

    @admin.action(description="Repair drift of the selected rows (ledger correction)")
    def repair_drift(self, request, queryset):
        drift = services.reconcile_stock(
            repair=True, actor_id=request.user.pk, stock_level_ids=_ids(queryset)
        )
        self._report_drift(request, drift, repaired=True)

    def _report_drift(self, request, drift, repaired: bool = False) -> None:
        if not drift:
            self.message_user(request, "No drift: counters match ledger and holds.")
            return
        for row in drift:
            verb = "repaired" if repaired and row.repairable else "found"
            if repaired and not row.repairable:
                verb = "NOT repairable (live holds exceed the ledger)"
            self.message_user(
                request,
                f"{row.sku} @ {row.warehouse_name}: on_hand {row.on_hand} vs ledger "
                f"{row.ledger_on_hand}, reserved {row.reserved} vs live holds "
                f"{row.live_reserved} — {verb}",
                messages.WARNING,
            )


def _ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "variant",
        "warehouse",
        "delta",
        "reason",
        "order_reference",
        "actor",
        "note",
    )
    list_select_related = ("variant__product", "warehouse", "actor")
    list_filter = ("reason", "warehouse", "created_at")
    search_fields = ("variant__sku", "order_reference", "note")
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "variant",
        "warehouse",
        "quantity",
        "state",
        "release_reason",
        "expires_at",
        "created_at",
    )
    list_select_related = ("variant__product", "warehouse")
    list_filter = ("state", "release_reason", "warehouse")
    search_fields = ("reference", "variant__sku")
    date_hierarchy = "created_at"
    actions = ["release"]

    @admin.action(
        description="Release the selected checkouts' active holds", permissions=["release"]
    )
    def release(self, request, queryset):
        references = sorted(set(queryset.values_list("reference", flat=True)))
        released = sum(services.release_reservation(reference=ref) for ref in references)
        self.message_user(request, f"Released {released} hold(s).")

    def has_release_permission(self, request) -> bool:
        return request.user.has_perm("inventory.change_stocklevel")


@admin.register(Backorder)
class BackorderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The back-order list: units sold beyond stock, oldest first, until stock fills them."""

    list_display = (
        "order_reference",
        "variant",
        "kind",
        "quantity",
        "filled_quantity",
        "state",
        "ships_on",
        "created_at",
    )
    list_select_related = ("variant__product",)
    list_filter = ("state", "kind", "ships_on")
    search_fields = ("order_reference", "variant__sku", "variant__product__name")
    ordering = ("created_at", "id")
    actions = ["fill_from_stock"]

    @admin.action(
        description="Fill the selected back-orders from stock on hand", permissions=["fill"]
    )
    def fill_from_stock(self, request, queryset):
        variant_ids = sorted(set(queryset.values_list("variant_id", flat=True)))
        filled = services.fill_backorders(variant_ids=variant_ids)
        self.message_user(request, f"Allocated {filled} unit(s) to waiting back-orders.")

    def has_fill_permission(self, request) -> bool:
        return request.user.has_perm("inventory.change_stocklevel")


class OpenAlertFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The low-stock list: alerts raised, emailed and resolved by restocking."""

    list_display = (
        "variant",
        "available",
        "threshold",
        "created_at",
        "notified_at",
        "resolved_at",
        "is_open",
    )
    list_select_related = ("variant__product",)
    list_filter = (OpenAlertFilter,)
    search_fields = ("variant__sku", "variant__product__name")

    @admin.display(boolean=True, description="open")
    def is_open(self, obj) -> bool:
        return obj.is_open
