"""Export products as CSV in the import format (one row per variant; see product_import),
with the columns other apps add (``csv_columns``: stock per location)."""

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from django.db.models import Prefetch

from apps.catalog import csv_columns, selectors
from apps.catalog.models import OptionValue, Product, Variant
from apps.catalog.product_import import COLUMNS
from apps.catalog.tags import format_tags

CHUNK = 2000


def export_products(out: TextIO, *, product_ids: Iterable[int] | None = None) -> int:
    """Write the store's products (or only ``product_ids``) to ``out``; return the row count."""
    paths = {c.id: c for c in selectors.list_categories()}
    writer = csv.writer(out)
    extra = [(column_set, column_set.export_columns()) for column_set in csv_columns.column_sets()]
    extra = [(column_set, columns) for column_set, columns in extra if columns]
    writer.writerow(COLUMNS + [column for _, columns in extra for column in columns])
    pending: list[tuple[int, list]] = []

    def flush() -> None:
        ids = [variant_id for variant_id, _ in pending]
        extra_values = [column_set.export_values(columns, ids) for column_set, columns in extra]
        for variant_id, row in pending:
            for (_, columns), by_variant in zip(extra, extra_values, strict=True):
                row += by_variant.get(variant_id, [""] * len(columns))
            writer.writerow(row)
        pending.clear()

    values = OptionValue.objects.select_related("option").order_by("option__position", "option_id")
    products = (
        Product.objects.order_by("id")
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.order_by("position", "id").prefetch_related(
                    Prefetch("option_values", queryset=values)
                ),
            )
        )
    )
    if product_ids is not None:
        products = products.filter(id__in=list(product_ids))
    rows = 0
    for product in products.iterator(chunk_size=CHUNK):
        category = _category_path(product.category_id, paths)
        for index, variant in enumerate(product.variants.all()):
            shared = index == 0
            options = [(ov.option.name, ov.value) for ov in variant.option_values.all()][:3]
            options += [("", "")] * (3 - len(options))
            pending.append(
                (
                    variant.id,
                    [
                        product.slug,
                        product.name,
                        product.description if shared else "",
                        product.status,
                        category if shared else "",
                        product.brand if shared else "",
                        ("true" if product.featured else "false") if shared else "",
                        product.seo_title if shared else "",
                        product.seo_description if shared else "",
                        json.dumps(product.attributes) if shared and product.attributes else "",
                        format_tags(product.tags) if shared else "",
                        *[part for pair in options for part in pair],
                        variant.sku,
                        variant.price,
                        variant.compare_at_price if variant.compare_at_price is not None else "",
                        variant.cost_price if variant.cost_price is not None else "",
                        variant.weight_grams,
                        variant.barcode,
                        "true" if variant.active else "false",
                    ],
                )
            )
            rows += 1
            if len(pending) >= CHUNK:
                flush()
    flush()
    return rows


def _category_path(category_id, categories) -> str:
    names = []
    seen = set()
    while category_id is not None and category_id in categories and category_id not in seen:
        seen.add(category_id)
        names.insert(0, categories[category_id].name)
        category_id = categories[category_id].parent_id
    return " > ".join(names)
