"""Reads of stock: what shoppers can buy, what runs low, what a checkout holds, what drifted."""

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.inventory import sql
from apps.inventory.models import (
    Backorder,
    LowStockAlert,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
)
from apps.preferences import selectors as preferences_selectors

# "Free units" — what a shopper can buy now — has ONE definition, the ``inventory_free_stock``
# SQL function (``sql/inventory_free_stock_v1.sql``): per stock row of an active warehouse,
# on_hand − reserved with the units of expired holds counted as free (the sweeper may not
# have run yet, and the next ``reserve`` on the row reclaims them). Everything below that shows
# availability reads it through ``sql.py``.

# The free units of one variant as a scalar subquery (``{variant}``: its id column in the outer
# query; one parameter, now), for reads that show availability next to other rows in one
# statement (the cart). Clamp negative sums to 0 as ``get_available_by_variant`` does.
AVAILABLE_FOR_VARIANT_SQL = sql.FREE_UNITS_OF_VARIANT_SQL


def get_available_by_variant(variant_ids: Iterable[int]) -> dict[int, int]:
    """Units a shopper can buy now per variant, summed over active warehouses (free units).

    One query (none inside ``free_units_read_together`` for ids its read covered); variants
    without stock are left out (callers read them as 0).
    """
    ids = [int(pk) for pk in variant_ids]
    if not ids:
        return {}
    together = _together.get()
    if together is None:
        return sql.free_units_by_variant(ids, now=timezone.now())
    if together.read is None or not together.covered.issuperset(ids):
        covered = sorted(together.extra.union(ids))
        together.read = sql.free_units_by_variant(covered, now=timezone.now())
        together.covered = set(covered)
    return {pk: together.read[pk] for pk in ids if pk in together.read}


@dataclass
class _ReadTogether:
    extra: set[int]
    covered: set[int] = field(default_factory=set)
    read: dict[int, int] | None = None


_together: ContextVar[_ReadTogether | None] = ContextVar("free_units_together", default=None)


@contextmanager
def free_units_read_together(variant_ids: Iterable[int]) -> Iterator[None]:
    """Within the block, the first read of free units also reads ``variant_ids``, and a later
    read of variants already read answers from it: one query for a page that reads two sets
    (a product page: the recommended products', then its own variants')."""
    token = _together.set(_ReadTogether(extra={int(pk) for pk in variant_ids}))
    try:
        yield
    finally:
        _together.reset(token)


def with_free_units(
    stock_levels: QuerySet[StockLevel], *, now: datetime | None = None, name: str = "free_units"
) -> QuerySet[StockLevel]:
    """``stock_levels`` annotated with each row's free units under ``name`` (None for a row
    of an inactive warehouse), for per-row lists that filter or sort on them (the dashboard)."""
    table = StockLevel._meta.db_table
    expression = RawSQL(
        sql.FREE_UNITS_OF_STOCK_LEVEL_SQL.format(stock_level=f'"{table}"."id"'),
        [now or timezone.now()],
        output_field=IntegerField(),
    )
    return stock_levels.annotate(**{name: expression})


def with_variant_free_units(variants: QuerySet, *, name: str = "free_units") -> QuerySet:
    """Variants (a ``catalog.Variant`` queryset) annotated with their free units summed over
    active warehouses under ``name`` (0 without stock), for lists that filter or sort on them
    (the stock admin)."""
    table = variants.model._meta.db_table
    expression = RawSQL(
        "(" + sql.FREE_UNITS_OF_VARIANT_SQL.format(variant=f'"{table}"."id"') + ")",
        [timezone.now()],
        output_field=IntegerField(),
    )
    return variants.annotate(**{name: expression})


def get_low_stock_thresholds(variant_ids: Collection[int]) -> dict[int, int]:
    """Each variant's low-stock threshold: the largest set on its stock rows, else the store's."""
    default = preferences_selectors.get_store_settings().low_stock_threshold
    explicit = dict(
        StockLevel.objects.filter(
            variant_id__in=list(variant_ids), low_stock_threshold__isnull=False
        )
        .order_by()
        .values("variant_id")
        .annotate(threshold=Max("low_stock_threshold"))
        .values_list("variant_id", "threshold")
    )
    return {variant_id: explicit.get(variant_id, default) for variant_id in variant_ids}


@dataclass(frozen=True)
class LowStockItem:
    variant_id: int
    sku: str
    product_name: str
    variant_name: str
    available: int
    threshold: int
    alerted: bool


def list_low_stock() -> list[LowStockItem]:
    """Variants whose availability is below their threshold, lowest first (dashboard, admin)."""
    default = preferences_selectors.get_store_settings().low_stock_threshold
    rows = list(
        StockLevel.objects.order_by()
        .values("variant_id", "variant__sku", "variant__name", "variant__product__name")
        .annotate(threshold=Max("low_stock_threshold"))
    )
    free = get_available_by_variant(row["variant_id"] for row in rows)
    alerted = set(
        LowStockAlert.objects.filter(resolved_at__isnull=True).values_list("variant_id", flat=True)
    )
    items = []
    for row in rows:
        variant_id = row["variant_id"]
        available = free.get(variant_id, 0)
        threshold = default if row["threshold"] is None else row["threshold"]
        if available < threshold:
            items.append(
                LowStockItem(
                    variant_id=variant_id,
                    sku=row["variant__sku"],
                    product_name=row["variant__product__name"],
                    variant_name=row["variant__name"],
                    available=available,
                    threshold=threshold,
                    alerted=variant_id in alerted,
                )
            )
    return sorted(items, key=lambda item: (item.available, item.sku))


def get_reservations(reference: str) -> list[Reservation]:
    """The holds of a checkout's latest ``reserve`` call, whatever their state; [] if none."""
    batch = (
        Reservation.objects.filter(reference=reference)
        .order_by("-pk")
        .values_list("batch", flat=True)
        .first()
    )
    if batch is None:
        return []
    return list(
        Reservation.objects.filter(reference=reference, batch=batch)
        .select_related("variant", "warehouse")
        .order_by("variant_id", "warehouse__priority", "pk")
    )


def list_reservations(*, state: str | None = None) -> QuerySet[Reservation]:
    queryset = Reservation.objects.select_related("variant", "warehouse")
    return queryset.filter(state=state) if state else queryset


@dataclass(frozen=True)
class StockDrift:
    """A stock row whose counters disagree with the ledger or with its live holds."""

    stock_level_id: int
    variant_id: int
    sku: str
    warehouse_id: int
    warehouse_name: str
    on_hand: int
    ledger_on_hand: int
    reserved: int
    live_reserved: int

    @property
    def on_hand_drift(self) -> int:
        return self.on_hand - self.ledger_on_hand

    @property
    def reserved_drift(self) -> int:
        return self.reserved - self.live_reserved

    @property
    def repairable(self) -> bool:
        """The recomputed counters satisfy 0 <= reserved <= on_hand."""
        return 0 <= self.live_reserved <= self.ledger_on_hand


def list_stock_drift(*, stock_level_ids: Collection[int] | None = None) -> list[StockDrift]:
    """Stock rows whose on_hand ≠ ledger sum or reserved ≠ sum of active holds.

    One statement, so it reads one consistent snapshot: every service changes a counter in the
    same transaction as the ledger row or hold that explains it, so there is no false drift.
    """
    ledger = (
        StockMovement.objects.filter(variant=OuterRef("variant"), warehouse=OuterRef("warehouse"))
        .order_by()
        .values("variant")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    live = (
        Reservation.objects.filter(stock_level=OuterRef("pk"), state=Reservation.State.ACTIVE)
        .order_by()
        .values("stock_level")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    queryset = StockLevel.objects.annotate(
        ledger_on_hand=Coalesce(Subquery(ledger, output_field=IntegerField()), 0),
        live_reserved=Coalesce(Subquery(live, output_field=IntegerField()), 0),
    ).filter(~Q(on_hand=F("ledger_on_hand")) | ~Q(reserved=F("live_reserved")))
    if stock_level_ids is not None:
        queryset = queryset.filter(pk__in=list(stock_level_ids))
    return [
        StockDrift(
            stock_level_id=row["pk"],
            variant_id=row["variant_id"],
            sku=row["variant__sku"],
            warehouse_id=row["warehouse_id"],
            warehouse_name=row["warehouse__name"],
            on_hand=row["on_hand"],
            ledger_on_hand=row["ledger_on_hand"],
            reserved=row["reserved"],
            live_reserved=row["live_reserved"],
        )
        for row in queryset.order_by("variant__sku", "warehouse__priority", "pk").values(
            "pk",
            "variant_id",
            "variant__sku",
            "warehouse_id",
            "warehouse__name",
            "on_hand",
            "ledger_on_hand",
            "reserved",
            "live_reserved",
        )
    ]


def next_hold_expiry():
    """When the store's next active hold lapses (None: no active hold)."""
    return (
        Reservation.objects.filter(state=Reservation.State.ACTIVE)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def get_hold_expiry(*, reference: str):
    """When the reference's latest holds lapse (whatever their state now); None if it never
    reserved."""
    expires_at = (
        Reservation.objects.filter(reference=reference)
        .order_by("-pk")
        .values_list("expires_at", flat=True)
        .first()
    )
    if expires_at is None:  # an order sold wholly beyond stock holds nothing: its back-orders
        expires_at = (
            Backorder.objects.filter(reference=reference)
            .order_by("-pk")
            .values_list("expires_at", flat=True)
            .first()
        )
    return expires_at


def get_restock_warehouse_id(*, variant_id: int, order_reference: str = "") -> int | None:
    """Where returned units go: the warehouse the order's units were sold from, else the
    highest-priority active warehouse."""
    sold_from = (
        StockMovement.objects.filter(
            variant_id=variant_id,
            order_reference=order_reference,
            reason=StockMovement.Reason.SALE,
        )
        .order_by("-pk")
        .values_list("warehouse_id", flat=True)
        .first()
        if order_reference
        else None
    )
    if sold_from is not None:
        return sold_from
    return (
        Warehouse.objects.filter(active=True)
        .order_by("priority", "id")
        .values_list("id", flat=True)
        .first()
    )


def get_default_warehouse() -> Warehouse | None:
    """Where stock entered without a location goes: the first active location by priority."""
    return Warehouse.objects.filter(active=True).order_by("priority", "id").first()
