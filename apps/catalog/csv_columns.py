"""Columns other apps add to the product CSV (import and export), one row per variant.

The catalog owns the CSV format but not everything a merchant moves with a catalogue: stock
lives in the inventory app, which the catalog may not import (layers: inventory → catalog).
So an app that owns more per-variant data registers a ``ColumnSet`` here from its
``AppConfig.ready()``; ``product_import`` and ``product_export`` call it for the columns it
claims, inside the import's one transaction. The inventory app's stock-per-location columns
are the one set today (``apps/inventory/product_csv.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# (line, variant_id or None before the write, the row's values of the set's columns)
Row = tuple[int, int | None, dict[str, str]]


@dataclass(frozen=True)
class ColumnSet:
    name: str
    # Does this header column belong to the set? (e.g. "stock", "stock:Main warehouse")
    claims: Callable[[str], bool]
    # Problems with the set's header columns taken together ("" entries are ignored).
    check_header: Callable[[Sequence[str]], list[str]]
    # Check one row's values; raise ValueError with a message naming the column.
    check_row: Callable[[dict[str, str]], None]
    # Rows' problems only the database can tell: (line, reason). Variant ids are known for
    # SKUs already in the store (None for new ones).
    check_against_store: Callable[[Sequence[str], list[Row]], list[tuple[int, str]]]
    # Write the rows (variant ids known); return a one-line summary for the report ("": none).
    write: Callable[[Sequence[str], list[Row]], str]
    # Export: the header columns, and each variant's values in that order.
    export_columns: Callable[[], list[str]]
    export_values: Callable[[list[str], list[int]], dict[int, list[str]]]


_SETS: dict[str, ColumnSet] = {}


def register(column_set: ColumnSet) -> None:
    """Add (or replace, by name) a set of columns. Call from ``AppConfig.ready()``."""
    _SETS[column_set.name] = column_set


def column_sets() -> list[ColumnSet]:
    return list(_SETS.values())


def owner_of(column: str) -> ColumnSet | None:
    return next((s for s in _SETS.values() if s.claims(column)), None)
