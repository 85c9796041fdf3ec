"""Catalog reads for the storefront and the admin: only active products, relations preloaded."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from apps.catalog.models import Category, OptionValue, Product, ProductImage, ProductOption, Variant


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


def _first_image() -> Prefetch:
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))


def list_featured_products(*, limit: int = 8) -> QuerySet[Product]:
    return (
        _storefront_products()
        .filter(featured=True)
        .prefetch_related(_first_image())
        .order_by("-created_at", "id")[:limit]
    )


def list_newest_products(*, limit: int = 8) -> QuerySet[Product]:
    return (
        _storefront_products()
        .prefetch_related(_first_image())
        .order_by("-created_at", "-id")[:limit]
    )


def list_products_by_ids(*, ids: Sequence[int]) -> list[Product]:
    """Active products with card data (price from, first image), in the order of ``ids``."""
    products = {
        p.id: p
        for p in _storefront_products().prefetch_related(_first_image()).filter(id__in=list(ids))
    }
    return [products[i] for i in ids if i in products]


def list_top_categories() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True)


def list_categories() -> list[Category]:
    """Every category (the table is small), ordered as a tree, each with a ``depth``."""
    categories = list(Category.objects.all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            category.depth = depth
            ordered.append(category)
            walk(category.id, depth + 1)

    walk(None, 0)
    return ordered


def get_category(*, slug: str) -> Category:
    return Category.objects.select_related("parent").get(slug=slug)


def list_category_ancestors(*, category: Category | None) -> list[Category]:
    """The category's ancestors, root first (one query, whatever the depth)."""
    if category is None or category.parent_id is None:
        return []
    return list(
        Category.objects.raw(
            """
            WITH RECURSIVE up AS (
                SELECT c.*, 1 AS level FROM catalog_category c WHERE c.id = %s
                UNION ALL
                SELECT c.*, up.level + 1 FROM catalog_category c JOIN up ON c.id = up.parent_id
            )
            SELECT * FROM up ORDER BY level DESC
            """,
            [category.parent_id],
        )
    )


def list_subtree_category_ids(*, category_ids: Sequence[int]) -> list[int]:
    """These categories and all their descendants."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE down AS (
                SELECT id FROM catalog_category WHERE id = ANY(%s)
                UNION
                SELECT c.id FROM catalog_category c JOIN down ON c.parent_id = down.id
            )
            SELECT id FROM down
            """,
            [list(category_ids)],
        )
        return [row[0] for row in cursor.fetchall()]


def list_product_ids_in_category_trees(*, category_ids: Sequence[int]) -> list[int]:
    subtree = list_subtree_category_ids(category_ids=category_ids)
    return list(Product.objects.filter(category_id__in=subtree).values_list("id", flat=True))


def get_product_for_storefront(*, slug: str) -> Product:
    """An active product with its active variants, options and images preloaded.

    Queries: product, variants, variant option values, options, option values, images.
    """
    values = OptionValue.objects.select_related("option")
    variants = Variant.objects.filter(active=True).prefetch_related(
        Prefetch("option_values", queryset=values)
    )
    options = ProductOption.objects.prefetch_related("values")
    return (
        _storefront_products()
        .select_related("category__parent")
        .prefetch_related(
            Prefetch("variants", queryset=variants),
            Prefetch("options", options),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .get(slug=slug)
    )


def list_sitemap_products() -> QuerySet[Product]:
    sellable = Variant.objects.filter(product=OuterRef("pk"), active=True)
    return (
        Product.objects.filter(Exists(sellable), status=Product.Status.ACTIVE)
        .only("slug", "updated_at")
        .order_by("id")
    )
