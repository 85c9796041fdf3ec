"""Stock per location in the product CSV, as Shopify's inventory columns carry it.

Columns (registered with ``apps.catalog.csv_columns``, so the import, the export, the admin's
import page and ``manage.py import_products``/``export_products`` all carry them):

- ``stock:<location name>``: units on hand at that location (``stock:Main warehouse``);
  export writes one such column per location, import creates a location it does not know;
- ``stock``: units on hand at the store's default location (its first active one by
  priority, created if the store has none), for files from elsewhere.

A number sets what is on hand (it is a count, not a delta); a blank cell leaves that stock
alone; 0 empties it. Each change is written through ``inventory_services.set_stock_levels`` as
one ledger row with reason ``import``. A count below the units checkouts hold is a row error.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Sum
from django.utils import timezone

from apps.catalog import csv_columns
from apps.catalog.product_import import ImportFailed
from apps.inventory import selectors
from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Reservation, StockLevel, StockMovement, Warehouse
from apps.inventory.validation import MAX_STOCK_LEVEL
from apps.tenants.selectors import get_current_store

DEFAULT_COLUMN = "stock"
PREFIX = "stock:"
NOTE = "Product CSV import"


def claims(column: str) -> bool:
    return column == DEFAULT_COLUMN or column.startswith(PREFIX)


def _location_name(column: str) -> str:
    return column[len(PREFIX) :].strip()


def check_header(columns: Sequence[str]) -> list[str]:
    problems = []
    names = [_location_name(c).lower() for c in columns if c != DEFAULT_COLUMN]
    if any(not name or len(name) > 120 for name in names):
        problems.append("a stock:<location> column needs a location name of at most 120 characters")
    if len(set(names)) != len(names):
        problems.append("the same location has two stock columns")
    default = selectors.get_default_warehouse()
    if DEFAULT_COLUMN in columns and default is not None and default.name.lower() in names:
        problems.append(
            f"columns stock and stock:{default.name} both set the default location's stock"
        )
    return problems


def check_row(values: dict[str, str]) -> None:
    for column, value in values.items():
        if value and not (value.isdigit() and int(value) <= MAX_STOCK_LEVEL):
            raise ValueError(f"{column} must be a whole number of units (0 or more), or blank")


def _warehouses_by_column(columns: Sequence[str], *, create: bool) -> dict[str, Warehouse | None]:
    """Column → its location (None where it does not exist and ``create`` is off)."""
    by_name = {w.name: w for w in Warehouse.objects.all()}
    by_lower = {name.lower(): w for name, w in by_name.items()}
    found: dict[str, Warehouse | None] = {}
    for column in columns:
        if column == DEFAULT_COLUMN:
            default = selectors.get_default_warehouse()
            if default is None and create:
                default = inventory_services.create_default_warehouse(
                    country=get_current_store().country
                )
                if default is None:  # locations exist, none of them active
                    raise ImportFailed(
                        [(1, "column stock: the store has no active location to put it in")]
                    )
            found[column] = default
            continue
        name = _location_name(column)
        warehouse = by_name.get(name) or by_lower.get(name.lower())
        if warehouse is None and create:
            warehouse = inventory_services.create_warehouse(
                name=name, country=get_current_store().country
            )
            by_name[name], by_lower[name.lower()] = warehouse, warehouse
        found[column] = warehouse
    return found


def check_against_store(columns: Sequence[str], rows: list[csv_columns.Row]) -> list:
    """Counts below the units live checkout holds take (expired holds count as free)."""
    warehouses = _warehouses_by_column(columns, create=False)
    known = {row[1] for row in rows if row[1] is not None}
    warehouse_ids = {w.id for w in warehouses.values() if w is not None}
    if not known or not warehouse_ids:
        return []
    held: dict[tuple[int, int], int] = defaultdict(int)
    for held_variant, held_warehouse, quantity in (
        Reservation.objects.filter(
            state=Reservation.State.ACTIVE,
            expires_at__gt=timezone.now(),
            variant_id__in=known,
            warehouse_id__in=warehouse_ids,
        )
        .values("variant_id", "warehouse_id")
        .annotate(quantity=Sum("quantity"))
        .values_list("variant_id", "warehouse_id", "quantity")
    ):
        held[(held_variant, held_warehouse)] = quantity
    errors = []
    for line, variant_id, values in rows:
        for column, value in values.items():
            warehouse = warehouses[column]
            if not value or variant_id is None or warehouse is None:
                continue
            holds = held.get((variant_id, warehouse.id), 0)
            if int(value) < holds:
                errors.append(
                    (line, f"{column} {value} is below the {holds} units checkouts hold there")
                )
    return errors


def write(columns: Sequence[str], rows: list[csv_columns.Row]) -> str:
    warehouses = _warehouses_by_column(columns, create=True)
    levels, line_of = [], {}
    for line, variant_id, values in rows:
        for column, value in values.items():
            warehouse = warehouses[column]
            if value and variant_id is not None and warehouse is not None:
                levels.append((variant_id, warehouse.id, int(value)))
                line_of[variant_id] = line
    if not levels:
        return ""
    try:
        changed = inventory_services.set_stock_levels(
            levels=levels, reason=StockMovement.Reason.IMPORT, note=NOTE
        )
    except InsufficientStock as exc:  # a hold taken since the file was checked
        raise ImportFailed(
            [
                (
                    line_of.get(short["variant_id"], 0),
                    f"stock {short['requested']} is below the "
                    f"{short['available']} units checkouts hold",
                )
                for short in exc.extra.get("lines", [])
            ]  # fmt: skip
        ) from exc
    names = sorted({w.name for w in warehouses.values() if w is not None})
    return f"stock: {changed} level(s) changed at {', '.join(names)}"


def export_columns() -> list[str]:
    return [PREFIX + name for name in Warehouse.objects.values_list("name", flat=True)]


def export_values(columns: list[str], variant_ids: list[int]) -> dict[int, list[str]]:
    """Each variant's on-hand units per location column ("" where it has no stock row)."""
    warehouses = _warehouses_by_column(columns, create=False)
    position = {w.id: i for i, w in enumerate(warehouses.values()) if w is not None}
    values: dict[int, list[str]] = {}
    for variant_id, warehouse_id, on_hand in StockLevel.objects.filter(
        variant_id__in=variant_ids, warehouse_id__in=list(position)
    ).values_list("variant_id", "warehouse_id", "on_hand"):
        row = values.setdefault(variant_id, [""] * len(columns))
        row[position[warehouse_id]] = str(on_hand)
    return values


COLUMN_SET = csv_columns.ColumnSet(
    name="stock",
    claims=claims,
    check_header=check_header,
    check_row=check_row,
    check_against_store=check_against_store,
    write=write,
    export_columns=export_columns,
    export_values=export_values,
)
