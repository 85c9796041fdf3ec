"""Catalog writes. Every write that changes what shoppers can find tells search explicitly."""

from collections.abc import Iterable
from decimal import Decimal
from itertools import product as cartesian_product

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import slugify

from apps.catalog import product_cache, selectors, thumbnails
from apps.catalog.models import Category, OptionValue, Product, ProductImage, ProductOption, Variant
from apps.catalog.tags import normalize_tags
from apps.core import outbox
from apps.search import services as search_services
from apps.webhooks import services as webhook_services


def create_category(
    *,
    name: str,
    parent: Category | None = None,
    position: int = 0,
    slug: str = "",
    description: str = "",
) -> Category:
    return Category.objects.create(
        name=name,
        slug=slug or slugify(name),
        parent=parent,
        position=position,
        description=description,
    )


def validate_category_parent(*, category: Category, parent: Category | None) -> None:
    """Refuse a parent that would make the tree a cycle (itself or one of its descendants)."""
    if parent is None or category.pk is None:
        return
    if parent.pk in selectors.list_subtree_category_ids(category_ids=[category.pk]):
        raise ValidationError(
            "A category cannot be placed under itself or one of its subcategories.",
            code="category_cycle",
        )


@transaction.atomic
def save_category(*, category: Category, changed_fields: Iterable[str] = ()) -> Category:
    """Save a category from the admin; reindex its subtree when search-visible fields moved."""
    validate_category_parent(category=category, parent=category.parent)
    is_new = category.pk is None
    category.save()
    if not is_new and {"name", "parent"} & set(changed_fields):
        # The subtree's products carry the category path in their search documents.
        search_services.mark_products_changed(
            product_ids=selectors.list_product_ids_in_category_trees(category_ids=[category.pk])
        )
    return category


@transaction.atomic
def delete_categories(*, category_ids: Iterable[int]) -> None:
    """Delete categories (their products become uncategorised and are reindexed).

    Subcategories protect their parent: delete or move them first.
    """
    ids = list(category_ids)
    product_ids = list(Product.objects.filter(category_id__in=ids).values_list("id", flat=True))
    Category.objects.filter(id__in=ids).delete()  # products' category set NULL in bulk
    product_cache.bump_version()
    search_services.mark_products_changed(product_ids=product_ids)


@transaction.atomic
def set_option_values(*, option: ProductOption, values: list[str]) -> None:
    """Make the option's values exactly ``values`` (in that order).

    A value some variant still uses is kept even when left out, so no variant loses its
    options silently; remove the variant first.
    """
    existing = {v.value: v for v in option.values.all()}
    for position, value in enumerate(values):
        if value in existing:
            if existing[value].position != position:
                OptionValue.objects.filter(pk=existing[value].pk).update(position=position)
        else:
            OptionValue.objects.create(option=option, value=value, position=position)
    unused = [
        v.pk for name, v in existing.items() if name not in values and not v.variants.exists()
    ]
    OptionValue.objects.filter(pk__in=unused).delete()
    product_cache.bump_version()  # positions changed by UPDATE, no signal
    search_services.mark_products_changed(product_ids=[option.product_id])


@transaction.atomic
def create_product_with_variants(
    *,
    name: str,
    category: Category | None,
    price: Decimal,
    sku_prefix: str,
    options: dict[str, list[str]] | None = None,
    description: str = "",
    brand: str = "",
    status: str = Product.Status.ACTIVE,
    featured: bool = False,
    compare_at_price: Decimal | None = None,
    cost_price: Decimal | None = None,
    weight_grams: int = 0,
    attributes: dict | None = None,
    slug: str = "",
    tags: list[str] | None = None,
) -> Product:
    """Create a product, its options and one variant per combination of option values."""
    product = Product.objects.create(
        tags=normalize_tags(tags),
        name=name,
        slug=slug or slugify(name),
        category=category,
        description=description,
        brand=brand,
        status=status,
        featured=featured,
        attributes=attributes or {},
    )
    for position, (option_name, values) in enumerate((options or {}).items()):
        option = ProductOption.objects.create(product=product, name=option_name, position=position)
        OptionValue.objects.bulk_create(
            OptionValue(option=option, value=value, position=i) for i, value in enumerate(values)
        )
    generate_variants(
        product=product,
        price=price,
        sku_prefix=sku_prefix,
        compare_at_price=compare_at_price,
        cost_price=cost_price,
        weight_grams=weight_grams,
    )
    return product


@transaction.atomic
def generate_variants(
    *,
    product: Product,
    price: Decimal,
    sku_prefix: str = "",
    compare_at_price: Decimal | None = None,
    cost_price: Decimal | None = None,
    weight_grams: int = 0,
) -> list[Variant]:
    """Create a variant for every combination of the product's option values it lacks.

    Existing variants are kept as they are. SKUs are ``PREFIX-VALUE-VALUE``; the prefix defaults
    to the product's slug, upper-cased.
    """
    options = list(product.options.prefetch_related("values").order_by("position", "id"))
    value_lists = [list(option.values.all()) for option in options]
    if any(not values for values in value_lists):
        raise ValidationError("Every option needs at least one value to generate variants.")
    existing = {
        frozenset(v.option_values.values_list("id", flat=True))
        for v in product.variants.prefetch_related("option_values")
    }
    prefix = (sku_prefix or product.slug).upper()[:40]
    combinations = [
        combo
        for combo in (cartesian_product(*value_lists) if value_lists else [()])
        if frozenset(v.id for v in combo) not in existing
    ]
    next_position = product.variants.count()
    variants = Variant.objects.bulk_create(
        Variant(
            product=product,
            sku="-".join([prefix, *(slugify(v.value).upper() for v in combo)])[:64],
            name=" / ".join(v.value for v in combo),
            price=price,
            compare_at_price=compare_at_price,
            cost_price=cost_price,
            weight_grams=weight_grams,
            position=next_position + position,
        )
        for position, combo in enumerate(combinations)
    )
    through = Variant.option_values.through
    through.objects.bulk_create(
        through(variant_id=variant.id, optionvalue_id=value.id)
        for variant, combo in zip(variants, combinations, strict=True)
        for value in combo
    )
    product_cache.bump_version()  # bulk inserts: no model signals
    search_services.mark_products_changed(product_ids=[product.id])
    return variants


@transaction.atomic
def set_products_status(*, product_ids: Iterable[int], status: str) -> int:
    """Publish, archive or unpublish products in bulk; return how many changed."""
    if status not in Product.Status.values:
        raise ValidationError(f"Unknown product status “{status}”.")
    ids = list(product_ids)
    changing = list(Product.objects.filter(id__in=ids).exclude(status=status).values("id", "slug"))
    changed = Product.objects.filter(id__in=[p["id"] for p in changing]).update(status=status)
    product_cache.bump_version()
    search_services.mark_products_changed(product_ids=ids)
    for product in changing:
        webhook_services.emit_event(topic="product.updated", payload={**product, "status": status})
    return changed


@transaction.atomic
def product_changed(*, product_id: int) -> None:
    """Tell search (and webhook subscribers) a product was edited (admin save, import, variant
    or option edits, rating changes)."""
    product_cache.bump_version()  # some of those write with UPDATE (ratings), no signal
    search_services.mark_products_changed(product_ids=[product_id])
    product = Product.objects.filter(pk=product_id).values("id", "slug", "status").first()
    if product:
        webhook_services.emit_event(topic="product.updated", payload=product)  # type: ignore[arg-type]


@transaction.atomic
def delete_products(*, product_ids: Iterable[int]) -> int:
    ids = list(product_ids)
    search_services.remove_products(product_ids=ids)
    deleted, _ = Product.objects.filter(id__in=ids).delete()
    product_cache.bump_version()
    return deleted


@transaction.atomic
def add_product_image(
    *,
    product: Product,
    image: UploadedFile | File,
    alt_text: str = "",
    position: int = 0,
    thumbnails_now: bool = False,
) -> ProductImage:
    """Store an uploaded image and queue its thumbnails once the upload commits.

    ``thumbnails_now``: make them here instead (the demo seeder, before any worker runs).
    """
    product_image = ProductImage.objects.create(
        product=product, image=image, alt_text=alt_text, position=position
    )
    if thumbnails_now:
        thumbnails.make_thumbnails(image_id=product_image.id)
    else:
        queue_thumbnails(image_id=product_image.id)
    return product_image


def queue_thumbnails(*, image_id: int) -> None:
    # An outbox message: written with the image row, never lost to a broker outage.
    outbox.enqueue("apps.catalog.tasks.make_thumbnails_task", image_id)


PRODUCT_FIELDS = (
    "name", "slug", "description", "status", "category_id", "brand", "attributes", "featured",
    "seo_title", "seo_description", "tags",
)  # fmt: skip
VARIANT_FIELDS = (
    "sku", "name", "price", "compare_at_price", "cost_price", "weight_grams", "barcode", "active",
)  # fmt: skip


@transaction.atomic
def create_product(*, fields: dict, variants: list[dict]) -> Product:
    """Create a product and its variants; each variant names its option values by option name,
    e.g. ``{"sku": "TEE-M", "price": "20.00", "options": {"Size": "M"}}``."""
    data = {k: v for k, v in fields.items() if k in PRODUCT_FIELDS}
    data.setdefault("slug", slugify(data.get("name", "")))
    if "tags" in data:
        data["tags"] = normalize_tags(data["tags"])
    product = Product(**data)
    product.full_clean()
    product.save()
    options: dict[str, ProductOption] = {}
    values: dict[tuple[str, str], OptionValue] = {}
    for position, variant_data in enumerate(variants):
        variant = Variant(
            product=product,
            position=position,
            **{k: v for k, v in variant_data.items() if k in VARIANT_FIELDS},
        )
        if not variant.name:
            variant.name = " / ".join(str(v) for v in (variant_data.get("options") or {}).values())
        variant.full_clean(exclude=["product"])
        variant.save()
        for option_name, value in (variant_data.get("options") or {}).items():
            option = options.get(option_name) or ProductOption.objects.create(
                product=product, name=option_name, position=len(options)
            )
            options[option_name] = option
            key = (option_name, str(value))
            if key not in values:
                values[key] = OptionValue.objects.create(option=option, value=str(value))
            variant.option_values.add(values[key])
    search_services.mark_products_changed(product_ids=[product.id])
    return product


@transaction.atomic
def update_product(*, product_id: int, fields: dict) -> Product:
    """Change a product's own fields; anything not in PRODUCT_FIELDS is ignored."""
    product = Product.objects.select_for_update().get(pk=product_id)
    for name, value in fields.items():
        if name in PRODUCT_FIELDS:
            setattr(product, name, normalize_tags(value) if name == "tags" else value)
    product.full_clean()
    product.save()
    search_services.mark_products_changed(product_ids=[product.id])
    return product


def archive_product(*, product_id: int) -> Product:
    """Products with sales or stock history are archived, never deleted: the ledger keeps them."""
    return update_product(product_id=product_id, fields={"status": Product.Status.ARCHIVED})
