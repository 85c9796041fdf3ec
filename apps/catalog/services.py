"""Catalog writes."""

from decimal import Decimal
from itertools import product as cartesian_product

from django.db import transaction
from django.utils.text import slugify

from apps.catalog.models import Category, OptionValue, Product, ProductOption, Variant


def create_category(*, name: str, parent: Category | None = None, position: int = 0) -> Category:
    return Category.objects.create(name=name, slug=slugify(name), parent=parent, position=position)


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
) -> Product:
    """Create a product, its options and one variant per combination of option values."""
    product = Product.objects.create(
        name=name,
        slug=slugify(name),
        category=category,
        description=description,
        brand=brand,
        status=status,
        featured=featured,
        attributes=attributes or {},
    )
    value_lists: list[list[OptionValue]] = []
    for position, (option_name, values) in enumerate((options or {}).items()):
        option = ProductOption.objects.create(product=product, name=option_name, position=position)
        value_lists.append(
            OptionValue.objects.bulk_create(
                OptionValue(option=option, value=value, position=i)
                for i, value in enumerate(values)
            )
        )
    combinations = list(cartesian_product(*value_lists)) if value_lists else [()]
    variants = Variant.objects.bulk_create(
        Variant(
            product=product,
            sku="-".join([sku_prefix, *(slugify(v.value).upper() for v in combo)]),
            name=" / ".join(v.value for v in combo),
            price=price,
            compare_at_price=compare_at_price,
            cost_price=cost_price,
            weight_grams=weight_grams,
            position=position,
        )
        for position, combo in enumerate(combinations)
    )
    through = Variant.option_values.through
    through.objects.bulk_create(
        through(variant_id=variant.id, optionvalue_id=value.id)
        for variant, combo in zip(variants, combinations, strict=True)
        for value in combo
    )
    return product


PRODUCT_FIELDS = (
    "name", "slug", "description", "status", "category_id", "brand", "attributes", "featured",
    "seo_title", "seo_description",
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
    return product


@transaction.atomic
def update_product(*, product_id: int, fields: dict) -> Product:
    """Change a product's own fields; anything not in PRODUCT_FIELDS is ignored."""
    product = Product.objects.select_for_update().get(pk=product_id)
    for name, value in fields.items():
        if name in PRODUCT_FIELDS:
            setattr(product, name, value)
    product.full_clean()
    product.save()
    return product


def archive_product(*, product_id: int) -> Product:
    """Products with sales or stock history are archived, never deleted: the ledger keeps them."""
    return update_product(product_id=product_id, fields={"status": Product.Status.ARCHIVED})
