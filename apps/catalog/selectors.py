"""Catalog reads for the storefront: only active products, relations preloaded."""

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from apps.catalog.models import Category, OptionValue, Product, ProductOption, Variant


def _storefront_products() -> QuerySet[Product]:
    active_variants = Q(variants__active=True)
    return (
        Product.objects.filter(status=Product.Status.ACTIVE)
        .select_related("category")
        .annotate(
            min_price=Min("variants__price", filter=active_variants),
            variant_count=Count("variants", filter=active_variants),
        )
        .filter(variant_count__gt=0)
    )


def list_featured_products(*, limit: int = 8) -> QuerySet[Product]:
    return _storefront_products().filter(featured=True).order_by("-created_at", "id")[:limit]


def list_newest_products(*, limit: int = 8) -> QuerySet[Product]:
    return _storefront_products().order_by("-created_at", "-id")[:limit]


def list_products_in_category(*, category: Category) -> QuerySet[Product]:
    ids = [category.id, *Category.objects.filter(parent=category).values_list("id", flat=True)]
    return _storefront_products().filter(category_id__in=ids).order_by("name", "id")


def list_top_categories() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True)


def get_category(*, slug: str) -> Category:
    return Category.objects.select_related("parent").get(slug=slug)


def get_product_for_storefront(*, slug: str) -> Product:
    values = OptionValue.objects.select_related("option")
    variants = Variant.objects.filter(active=True).prefetch_related(
        Prefetch("option_values", queryset=values)
    )
    options = ProductOption.objects.prefetch_related("values")
    return (
        _storefront_products()
        .select_related("category__parent")
        .prefetch_related(Prefetch("variants", queryset=variants), Prefetch("options", options))
        .get(slug=slug)
    )
