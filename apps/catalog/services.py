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
