"""Catalog reads for the storefront and the admin: only active products, relations preloaded."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from apps.catalog import product_cache, sql
from apps.catalog.models import Category, OptionValue, Product, ProductImage, Variant
from apps.core import store_cache


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


def list_home_product_ids(*, limit: int = 8) -> tuple[list[int], list[int]]:
    """The home page's featured products and new arrivals, newest first: one entry cached
    under the catalog version (every write that could change a list moves it), so a store's
    first home page reads and stores both in one round trip each."""
    return product_cache.get_or_load(f"home-ids:{limit}", lambda: _load_home_product_ids(limit))


def _load_home_product_ids(limit: int) -> tuple[list[int], list[int]]:
    featured = (
        _storefront_products()
        .filter(featured=True)
        .order_by("-created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    newest = _storefront_products().order_by("-created_at", "-id").values_list("id", flat=True)
    return list(featured), list(newest[:limit])


@dataclass(frozen=True)
class ProductCard:
    """What a listing shows of a product: plain values, no model instance."""

    id: int
    name: str
    brand: str
    url: str
    image_url: str | None
    min_price: Decimal
    variant_count: int
    rating_avg: Decimal
    rating_count: int
    category_id: int | None = None  # what promotions target


def list_product_cards(*, ids: Sequence[int]) -> list[ProductCard]:
    """Cards of the active, sellable products among ``ids``, in the order of ``ids``."""
    if not ids:
        return []
    rows = sql.list_product_card_rows(list(ids))
    # One reverse() for the page instead of one per card; slugs need no quoting.
    url = reverse("storefront:product-detail", kwargs={"slug": "__slug__"})
    cards = {
        row[0]: ProductCard(
            id=row[0],
            name=row[1],
            brand=row[3],
            url=url.replace("__slug__", row[2]),
            image_url=default_storage.url(row[8]) if row[8] else None,
            min_price=row[6],
            variant_count=row[7],
            rating_avg=row[4],
            rating_count=row[5],
            category_id=row[9],
        )
        for row in rows
    }
    return [cards[i] for i in ids if i in cards]


def list_categories() -> list[Category]:
    """Every category (the table is small), ordered as a tree, each with a ``depth``."""
    categories = list(Category.objects.all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            category.depth = depth  # type: ignore[attr-defined]
            ordered.append(category)
            walk(category.id, depth + 1)

    walk(None, 0)
    return ordered


STOREFRONT_CATEGORIES_KEY = "catalog:storefront-categories"
store_cache.warm_with_generation(STOREFRONT_CATEGORIES_KEY)  # every page's navigation


def list_categories_for_storefront() -> list[Category]:
    """``list_categories()``, each with its ``url``, from the store's cache.

    Navigation, breadcrumbs and facet labels need every category on nearly every storefront
    page. The entry is dropped whenever a category is saved or deleted (``CatalogConfig.ready``,
    through ``apps.core.store_cache``); its keys carry the store's schema.
    """
    return store_cache.get_or_load(STOREFRONT_CATEGORIES_KEY, _load_storefront_categories)


def _load_storefront_categories() -> list[Category]:
    categories = list_categories()
    for category in categories:
        category.url = category.get_absolute_url()  # type: ignore[attr-defined]
    return categories


def list_subtree_category_ids(*, category_ids: Sequence[int]) -> list[int]:
    """These categories and all their descendants."""
    return sql.list_subtree_category_ids(list(category_ids))


def list_product_ids_in_category_trees(*, category_ids: Sequence[int]) -> list[int]:
    subtree = list_subtree_category_ids(category_ids=category_ids)
    return list(Product.objects.filter(category_id__in=subtree).values_list("id", flat=True))


def get_product_for_storefront(*, slug: str) -> Product:
    """An active product with its active variants (and their option values) and images.

    Cached per store under the catalog version (``product_cache``): no query on a warm cache;
    on a miss, three queries whatever the variant count (product, variants, variants' option
    values with their options) plus one for images. Raises ``Product.DoesNotExist``.
    """
    return product_cache.get_or_load(f"product:{slug}", lambda: _load_product_for_storefront(slug))


def _load_product_for_storefront(slug: str) -> Product:
    values = OptionValue.objects.select_related("option")
    variants = Variant.objects.filter(active=True).prefetch_related(
        Prefetch("option_values", queryset=values)
    )
    return (
        _storefront_products()
        .prefetch_related(
            Prefetch("variants", queryset=variants),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .get(slug=slug)
    )


def ancestors_from(category_id: int | None, categories: dict[int, Category]) -> list[Category]:
    """The path root → category (inclusive) from an in-memory category map."""
    path: list[Category] = []
    seen: set[int] = set()
    while category_id is not None and category_id in categories and category_id not in seen:
        seen.add(category_id)
        path.insert(0, categories[category_id])
        category_id = categories[category_id].parent_id
    return path


def list_sitemap_products() -> QuerySet[Product]:
    sellable = Variant.objects.filter(product=OuterRef("pk"), active=True)
    return (
        Product.objects.filter(Exists(sellable), status=Product.Status.ACTIVE)
        .only("slug", "updated_at")
        .order_by("id")
    )
