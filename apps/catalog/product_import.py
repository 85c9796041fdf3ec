"""Import products from CSV: one row per variant, validated whole before anything is written.

Columns (header row required; order free; unknown columns are an error, missing optional ones
are fine):

==================  ========  ===========================================================
column              required  meaning
==================  ========  ===========================================================
handle              yes       product slug; rows with the same handle are one product
name                first row product name (later rows of the handle: blank or the same)
description                   product description
status                        draft / active / archived (default: active)
category                      category path, ``Apparel > T-shirts``; created when missing
brand                         brand
featured                      true/false
seo_title                     SEO title
seo_description               SEO meta description
attributes                    a JSON object, e.g. ``{"material": "cotton"}``
tags                          comma-separated, e.g. ``summer, gift idea`` (lower-cased);
                              without the column, products keep their tags
option1_name ..               up to three options: ``option1_name`` = ``Size``,
option3_value                 ``option1_value`` = ``M``; every row of a product names the
                              same options in the same order
sku                 yes       variant SKU, unique in the store
price               yes       variant price, e.g. ``24.00`` (store currency)
compare_at_price              "was" price shown struck through
cost_price                    unit cost (admin only)
weight_grams                  whole grams
barcode                       barcode / GTIN
active                        true/false (default: true)
==================  ========  ===========================================================

Other apps add columns (``csv_columns``): the inventory app's ``stock`` (units on hand at
the default location) and ``stock:<location name>`` (units on hand at that location), written
as ledger rows through the inventory service (``apps/inventory/product_csv.py``).

Existing products (by handle) and variants (by SKU) are updated; variants not in the file are
left alone. Any bad row is reported with its line number and reason and nothing is imported,
unless ``skip_invalid`` is set, in which case the good rows are imported and the bad ones
reported. Writes are bulk ``INSERT … ON CONFLICT`` statements in one transaction, then one
search-index pass.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.catalog import csv_columns, product_cache, sql
from apps.catalog.models import Category, Product, Variant
from apps.catalog.tags import format_tags, normalize_tags
from apps.core.exceptions import DomainError
from apps.search import services as search_services

Progress = Callable[[str, int, int], None]

PRODUCT_COLUMNS = [
    "handle", "name", "description", "status", "category", "brand", "featured", "seo_title",
    "seo_description", "attributes", "tags",
]  # fmt: skip
OPTION_COLUMNS = [f"option{i}_{part}" for i in (1, 2, 3) for part in ("name", "value")]
VARIANT_COLUMNS = [
    "sku", "price", "compare_at_price", "cost_price", "weight_grams", "barcode", "active",
]  # fmt: skip
COLUMNS = PRODUCT_COLUMNS + OPTION_COLUMNS + VARIANT_COLUMNS
REQUIRED_COLUMNS = {"handle", "sku", "price"}
# Product columns compared across the rows of one handle (blank on later rows is fine).
SHARED_COLUMNS = [c for c in PRODUCT_COLUMNS if c != "handle"]

BATCH = 2000
UNNEST_BATCH = 20_000
ANALYZE_AFTER_ROWS = 10_000
MAX_PRICE = Decimal("9999999999.99")
HANDLE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n", ""}


class ImportFailed(DomainError):
    code = "import_failed"

    def __init__(self, errors: list[tuple[int, str]]):
        lines = ", ".join(str(line) for line, _ in errors[:20])
        super().__init__(
            f"{len(errors)} bad row{'s' if len(errors) != 1 else ''} (lines {lines}); "
            "nothing was imported.",
            extra={"errors": [{"line": line, "reason": reason} for line, reason in errors]},
        )
        self.errors = errors


@dataclass
class RowData:
    line: int
    handle: str
    product: dict
    options: list[tuple[str, str]]
    variant: dict
    # Values of other apps' columns (csv_columns), by column set name.
    extra: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: int = 0
    imported_rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # One line per other app's columns written (e.g. stock levels set), for the summary.
    notes: list[str] = field(default_factory=list)


class RowError(ValueError):
    pass


def _decimal(raw: str, column: str, *, required: bool = False) -> Decimal | None:
    raw = raw.strip()
    if not raw:
        if required:
            raise RowError(f"{column} is required")
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise RowError(f"{column} “{raw[:30]}” is not a number") from exc
    if not value.is_finite() or value < 0:
        raise RowError(f"{column} must be zero or more")
    if value > MAX_PRICE or value != value.quantize(Decimal("0.01")):
        raise RowError(f"{column} must have at most 2 decimals and 10 digits before them")
    return value.quantize(Decimal("0.01"))


def _bool(raw: str, column: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RowError(f"{column} must be true or false, not “{raw[:20]}”")


def _parse_row(
    line: int, row: dict[str, str], extra_columns: dict[str, list[str]] | None = None
) -> RowData:
    get = lambda column: (row.get(column) or "").strip()  # noqa: E731
    handle = get("handle")
    if not handle:
        raise RowError("handle is required")
    if len(handle) > 220 or not HANDLE_RE.match(handle):
        raise RowError(f"handle “{handle[:40]}” must be lowercase letters, digits and hyphens")
    sku = get("sku")
    if not sku:
        raise RowError("sku is required")
    if len(sku) > 64:
        raise RowError("sku is longer than 64 characters")
    status = get("status").lower()
    if status and status not in Product.Status.values:
        raise RowError(f"status “{status[:20]}” must be draft, active or archived")
    attributes_raw = get("attributes")
    attributes = None
    if attributes_raw:
        try:
            attributes = json.loads(attributes_raw)
        except ValueError as exc:
            raise RowError("attributes is not valid JSON") from exc
        if not isinstance(attributes, dict):
            raise RowError("attributes must be a JSON object")
    category = get("category")
    path = [part.strip() for part in category.split(">")] if category else []
    if any(not part or len(part) > 120 for part in path):
        raise RowError("category path has an empty or too long part")
    options = []
    for i in (1, 2, 3):
        name, value = get(f"option{i}_name"), get(f"option{i}_value")
        if bool(name) != bool(value):
            raise RowError(f"option{i}_name and option{i}_value go together")
        if name:
            if ":" in name or len(name) > 60 or len(value) > 60:
                raise RowError(f"option{i} name must be ≤ 60 characters without “:”, value ≤ 60")
            options.append((name, value))
    if len({name.lower() for name, _ in options}) != len(options):
        raise RowError("the same option is named twice")
    weight = get("weight_grams")
    if weight and (not weight.isdigit() or int(weight) > 10_000_000):
        raise RowError("weight_grams must be a whole number of grams")
    for column, limit in (("name", 200), ("brand", 120), ("seo_title", 200),
                          ("seo_description", 320), ("barcode", 64)):  # fmt: skip
        if len(get(column)) > limit:
            raise RowError(f"{column} is longer than {limit} characters")
    variant = {
        "sku": sku,
        "price": _decimal(get("price"), "price", required=True),
        "compare_at_price": _decimal(get("compare_at_price"), "compare_at_price"),
        "cost_price": _decimal(get("cost_price"), "cost_price"),
        "weight_grams": int(weight) if weight else 0,
        "barcode": get("barcode"),
        "active": _bool(get("active"), "active", True),
    }
    product = {
        "name": get("name"),
        "description": (row.get("description") or "").strip(),
        "status": status,
        "category": " > ".join(path),
        "brand": get("brand"),
        "featured": get("featured"),
        "seo_title": get("seo_title"),
        "seo_description": get("seo_description"),
        "attributes": attributes,
    }
    if product["featured"]:
        _bool(product["featured"], "featured", False)
    # None without the column (products keep their tags), else the normalised list as text.
    tags_raw = row.get("tags")
    if tags_raw is not None:
        try:
            product["tags"] = format_tags(normalize_tags(tags_raw))
        except ValidationError as exc:
            raise RowError(f"tags: {exc.messages[0]}") from exc
    else:
        product["tags"] = None
    extra = {}
    for column_set in csv_columns.column_sets():
        columns = (extra_columns or {}).get(column_set.name)
        if not columns:
            continue
        values = {column: (row.get(column) or "").strip() for column in columns}
        try:
            column_set.check_row(values)
        except ValueError as exc:
            raise RowError(str(exc)) from exc
        extra[column_set.name] = values
    return RowData(
        line=line, handle=handle, product=product, options=options, variant=variant, extra=extra
    )


def read_rows(
    stream: Iterable[str], *, progress: Progress | None = None, total_lines: int = 0
) -> tuple[list[RowData], list[tuple[int, str]], int]:
    """Parse and check every row; return good rows, (line, reason) errors and the row count."""
    reader = csv.DictReader(stream)
    header = reader.fieldnames or []
    missing = REQUIRED_COLUMNS - set(header)
    extra_columns = extra_columns_of(header)
    claimed = {column for columns in extra_columns.values() for column in columns}
    unknown = [c for c in header if c not in COLUMNS and c not in claimed]
    problems = []
    if missing:
        problems.append("missing column(s) " + ", ".join(sorted(missing)))
    if unknown:
        problems.append("unknown column(s) " + ", ".join(unknown[:10]))
    for column_set in csv_columns.column_sets():
        if extra_columns.get(column_set.name):
            problems += column_set.check_header(extra_columns[column_set.name])
    if problems:
        raise ImportFailed([(1, "; ".join(problems))])
    rows: list[RowData] = []
    errors: list[tuple[int, str]] = []
    first_row: dict[str, RowData] = {}
    seen_skus: dict[str, int] = {}
    seen_combos: dict[tuple[str, tuple], int] = {}
    count = 0
    line = reader.line_num
    for raw in reader:
        start_line, line = line + 1, reader.line_num
        count += 1
        if progress and count % 5000 == 0:
            progress("checking", count, total_lines or count)
        try:
            if None in raw:
                raise RowError("more fields than the header has columns")
            row = _parse_row(start_line, raw, extra_columns)
            sku_key = row.variant["sku"].upper()
            if sku_key in seen_skus:
                raise RowError(f"sku {row.variant['sku']} already on line {seen_skus[sku_key]}")
            first = first_row.get(row.handle)
            if first is None:
                if not row.product["name"]:
                    raise RowError("name is required on the first row of a product")
            else:
                for column in SHARED_COLUMNS:
                    value = row.product[column]
                    if value not in ("", None) and value != first.product[column]:
                        raise RowError(f"{column} differs from line {first.line}")
                if [n for n, _ in row.options] != [n for n, _ in first.options]:
                    raise RowError(f"options differ from line {first.line}")
            combo = (row.handle, tuple(v for _, v in row.options))
            if combo in seen_combos:
                raise RowError(f"same option values as line {seen_combos[combo]}")
        except RowError as exc:
            errors.append((start_line, str(exc)))
            continue
        first_row.setdefault(row.handle, row)
        seen_skus[sku_key] = start_line
        seen_combos[combo] = start_line
        rows.append(row)
    if progress:
        progress("checking", count, count)
    return rows, errors, count


def extra_columns_of(header: Iterable[str]) -> dict[str, list[str]]:
    """Header columns other apps claim (``csv_columns``), by column set name."""
    claimed: dict[str, list[str]] = {}
    for column in header:
        if column in COLUMNS:
            continue
        column_set = csv_columns.owner_of(column)
        if column_set is not None:
            claimed.setdefault(column_set.name, []).append(column)
    return claimed


def _extra_rows(rows: list[RowData], name: str, variant_ids: dict[str, int]):
    return [
        (row.line, variant_ids.get(row.variant["sku"]), row.extra[name])
        for row in rows
        if name in row.extra
    ]


def _check_extra_columns(rows: list[RowData]) -> list[tuple[int, str]]:
    """Errors only the database can tell about other apps' columns (e.g. stock below what
    checkouts hold)."""
    names = {name for row in rows for name in row.extra}
    if not names:
        return []
    variant_ids = _variant_ids([row.variant["sku"] for row in rows])
    errors: list[tuple[int, str]] = []
    for column_set in csv_columns.column_sets():
        extra_rows = _extra_rows(rows, column_set.name, variant_ids)
        if extra_rows:  # every row carries the header's columns of the set
            errors += column_set.check_against_store(list(extra_rows[0][2]), extra_rows)
    return errors


def _variant_ids(skus: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(skus), UNNEST_BATCH):
        batch = skus[start : start + UNNEST_BATCH]
        ids.update(Variant.objects.filter(sku__in=batch).values_list("sku", "id"))
    return ids


def _existing_skus(skus: list[str]) -> dict[str, str]:
    """SKU → handle of the product it belongs to, for the SKUs already in the store."""
    return sql.skus_with_product_slugs(skus)


def _check_against_store(rows: list[RowData], existing: dict[str, str]) -> list[tuple[int, str]]:
    """Errors only the database can tell: a SKU that belongs to another product."""
    return sorted(
        (row.line, f"sku {row.variant['sku']} belongs to product “{existing[row.variant['sku']]}”")
        for row in rows
        if row.variant["sku"] in existing and existing[row.variant["sku"]] != row.handle
    )


def import_products(
    stream: Iterable[str],
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    total_lines: int = 0,
) -> ImportReport:
    """Import a product CSV into the current store. Raises ImportFailed on bad rows."""
    rows, errors, count = read_rows(stream, progress=progress, total_lines=total_lines)
    existing = _existing_skus([row.variant["sku"] for row in rows])
    errors = sorted(errors + _check_against_store(rows, existing) + _check_extra_columns(rows))
    if errors and not skip_invalid:
        raise ImportFailed(errors)
    bad_lines = {line for line, _ in errors}
    rows = [row for row in rows if row.line not in bad_lines]
    report = ImportReport(rows=count, imported_rows=len(rows), errors=errors)
    if rows:
        _write(rows, report, set(existing), progress or (lambda *a: None))
    return report


def import_products_file(path: str, **kwargs) -> ImportReport:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        total = sum(1 for _ in handle) - 1
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return import_products(handle, total_lines=max(total, 0), **kwargs)


def import_products_upload(uploaded, **kwargs) -> ImportReport:
    """Import from an uploaded file (admin form)."""
    text = io.TextIOWrapper(uploaded.file, encoding="utf-8-sig", newline="")
    return import_products(text, **kwargs)


@transaction.atomic
def _write(
    rows: list[RowData], report: ImportReport, existing_skus: set[str], progress: Progress
) -> None:
    now = timezone.now()
    categories = _ensure_categories(
        {row.product["category"] for row in rows if row.product["category"]}
    )
    # Products: the first row of each handle defines it.
    firsts: dict[str, RowData] = {}
    for row in rows:
        firsts.setdefault(row.handle, row)
    existing_handles = set(
        Product.objects.filter(slug__in=list(firsts)).values_list("slug", flat=True)
    )
    products = [
        Product(
            slug=handle,
            name=row.product["name"],
            description=row.product["description"],
            status=row.product["status"] or Product.Status.ACTIVE,
            category=categories.get(row.product["category"]),
            brand=row.product["brand"],
            featured=_bool(row.product["featured"], "featured", False),
            seo_title=row.product["seo_title"],
            seo_description=row.product["seo_description"],
            attributes=row.product["attributes"] or {},
            tags=normalize_tags(row.product["tags"]),
            updated_at=now,
        )
        for handle, row in firsts.items()
    ]
    with_tags = ["tags"] if any(r.product["tags"] is not None for r in firsts.values()) else []
    product_ids: dict[str, int] = {}
    for start in range(0, len(products), BATCH):
        saved = Product.objects.bulk_create(
            products[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["slug"],
            update_fields=[
                "name", "description", "status", "category", "brand", "featured", "seo_title",
                "seo_description", "attributes", "updated_at", *with_tags,
            ],
        )  # fmt: skip
        product_ids.update((p.slug, p.pk) for p in saved)
        progress("products", min(start + BATCH, len(products)), len(products))
    report.products_updated = len(existing_handles)
    report.products_created = len(products) - len(existing_handles)

    # Options and values, created when missing (existing ones keep their positions). Plain
    # INSERT … SELECT FROM unnest(arrays): tens of thousands of rows per statement, no models.
    option_specs: dict[tuple[int, str], int] = {}
    for handle, row in firsts.items():
        for position, (name, _) in enumerate(row.options):
            option_specs.setdefault((product_ids[handle], name), position)
    option_ids = _upsert_pairs(
        "catalog_productoption", "product_id", "name", option_specs, progress, "options"
    )
    value_specs: dict[tuple[int, str], int] = {}
    next_position: dict[int, int] = {}
    for row in rows:
        pid = product_ids[row.handle]
        for name, value in row.options:
            key = (option_ids[(pid, name)], value)
            if key not in value_specs:
                value_specs[key] = next_position.get(key[0], 0)
                next_position[key[0]] = value_specs[key] + 1
    value_ids = _upsert_pairs(
        "catalog_optionvalue", "option_id", "value", value_specs, progress, "option values"
    )

    # Variants, then their option values (replaced for the variants in the file).
    positions: dict[str, int] = {}
    variants = []
    for row in rows:
        pid = product_ids[row.handle]
        position = positions.get(row.handle, 0)
        positions[row.handle] = position + 1
        variants.append(
            Variant(
                product_id=pid,
                name=" / ".join(v for _, v in row.options),
                position=position,
                updated_at=now,
                **row.variant,
            )
        )
    through = Variant.option_values.through
    written_ids: dict[str, int] = {}
    for start in range(0, len(variants), BATCH):
        chunk = rows[start : start + BATCH]
        saved = Variant.objects.bulk_create(
            variants[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=[
                "name", "price", "compare_at_price", "cost_price", "weight_grams", "barcode",
                "active", "position", "updated_at",
            ],
        )  # fmt: skip
        ids = [v.pk for v in saved]
        written_ids.update((v.sku, v.pk) for v in saved)
        updated = [v.pk for v in saved if v.sku in existing_skus]
        if updated:
            through.objects.filter(variant_id__in=updated).delete()
        links = [
            (variant_id, value_ids[(option_ids[(product_ids[row.handle], name)], value)])
            for variant_id, row in zip(ids, chunk, strict=True)
            for name, value in row.options
        ]
        sql.insert_variant_option_links(links)
        progress("variants", min(start + BATCH, len(variants)), len(variants))
    report.variants_updated = sum(1 for row in rows if row.variant["sku"] in existing_skus)
    report.variants_created = len(variants) - report.variants_updated
    for column_set in csv_columns.column_sets():
        extra_rows = _extra_rows(rows, column_set.name, written_ids)
        if extra_rows:
            note = column_set.write(list(extra_rows[0][2]), extra_rows)
            if note:
                report.notes.append(note)
            progress(column_set.name, len(extra_rows), len(extra_rows))
    if len(rows) >= ANALYZE_AFTER_ROWS:
        # Fresh statistics before the search pass reads these tables back.
        sql.analyze_catalog_tables()
    product_cache.bump_version()  # bulk inserts and raw SQL: no model signals
    ids = sorted(product_ids.values())
    for start in range(0, len(ids), BATCH):
        search_services.mark_products_changed(product_ids=ids[start : start + BATCH])
        progress("search index", min(start + BATCH, len(ids)), len(ids))


def _upsert_pairs(
    table: str, parent: str, column: str, specs: dict[tuple[int, str], int], progress, stage
) -> dict[tuple[int, str], int]:
    """Insert (parent, column, position) rows that are missing; return (parent, column) → id.

    ``table`` and the column names are our own constants, never input.
    """
    keys = list(specs)
    ids: dict[tuple[int, str], int] = {}
    for start in range(0, len(keys), UNNEST_BATCH):
        batch = keys[start : start + UNNEST_BATCH]
        ids.update(sql.upsert_pairs(table, parent, column, [(k[0], k[1], specs[k]) for k in batch]))
        progress(stage, min(start + UNNEST_BATCH, len(keys)), len(keys))
    return ids


def _ensure_categories(paths: set[str]) -> dict[str, Category]:
    """Find or create every category path ("A > B"); return path → leaf category."""
    by_parent_name = {(c.parent_id, c.name.lower()): c for c in Category.objects.all()}
    slugs = set(Category.objects.values_list("slug", flat=True))
    result: dict[str, Category] = {}
    for path in sorted(paths):
        parent = None
        for name in path.split(" > "):
            key = (parent.id if parent else None, name.lower())
            category = by_parent_name.get(key)
            if category is None:
                base = slugify(name) or "category"
                slug, n = base, 2
                while slug in slugs:
                    slug, n = f"{base}-{n}", n + 1
                slugs.add(slug)
                category = Category.objects.create(name=name, slug=slug, parent=parent)
                by_parent_name[key] = category
            parent = category
        result[path] = parent
    return result
