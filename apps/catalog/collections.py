"""Which products are in a collection (reads).

``product_ids_in_collection`` is the one answer to that question, for the storefront's
collection pages, the API and any other app (promotions target collections through it).

Automated collections are evaluated as a query each time they are read, not stored as a
membership list: a rule such as "in stock" or "added within 30 days" changes with every sale
and every passing day, with no catalog write to hook a refresh onto. Evaluated at read time,
the answer is right the moment a product is tagged, repriced or archived (in the same
transaction, even), and no code path that changes products has to remember collections.
The cost is one indexed query per read (tags have a GIN index).
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from apps.catalog import sql
from apps.catalog.models import Collection, CollectionProduct, CollectionRule, Product, Variant
from apps.core import store_cache
from apps.search import selectors as search_selectors

_NOTHING = Q(pk__in=[])
STOREFRONT_COLLECTIONS_KEY = "catalog:storefront-collections"
store_cache.warm_with_generation(STOREFRONT_COLLECTIONS_KEY)  # every page's navigation


def product_ids_in_collection(collection: Collection) -> "QuerySet[Product, int]":
    """Ids of the active products in ``collection``, in the collection's order.

    Manual collections: the hand-picked products in the merchant's order. Automated ones: the
    products matching the rules now, featured first, then newest. A lazy queryset: use it as
    a subquery (``Variant.objects.filter(product_id__in=product_ids_in_collection(c))``) or
    list it; ordering is dropped inside ``__in``.
    """
    products = Product.objects.filter(status=Product.Status.ACTIVE)
    if collection.kind == Collection.Kind.MANUAL:
        position = CollectionProduct.objects.filter(
            collection_id=collection.pk, product=OuterRef("pk")
        ).values("position")[:1]
        return (
            products.filter(collection_entries__collection_id=collection.pk)
            .annotate(collection_position=Subquery(position))
            .order_by("collection_position", "id")
            .values_list("id", flat=True)
        )
    return (
        products.filter(collection_products_filter(collection))
        .order_by("-featured", "-created_at", "-id")
        .values_list("id", flat=True)
    )


def collection_products_filter(collection: Collection) -> Q:
    """A ``Q`` over ``Product`` selecting the collection's products (whatever their status).

    An automated collection without rules selects nothing; "all" ANDs the rules, "any" ORs
    them. Reads ``collection.rules`` (prefetch it to save a query).
    """
    if collection.kind == Collection.Kind.MANUAL:
        return Q(collection_entries__collection_id=collection.pk)
    filters = [rule_filter(rule) for rule in collection.rules.all()]
    if not filters:
        return _NOTHING
    combined = filters[0]
    for condition in filters[1:]:
        combined = (
            combined & condition
            if collection.match == Collection.Match.ALL
            else (combined | condition)
        )
    return combined


def rule_filter(rule: CollectionRule) -> Q:
    """What one rule means, as a ``Q`` over ``Product``."""
    field = CollectionRule.Field
    if rule.field == field.TAG:
        return Q(tags__contains=[rule.value.lower()])
    if rule.field == field.BRAND:
        return Q(brand__iexact=rule.value)
    if rule.field == field.CATEGORY:
        if rule.category_id is None:
            return _NOTHING
        # The category and everything below it, as a subquery (no query of its own).
        return Q(category_id__in=RawSQL(sql.SUBTREE_CATEGORY_IDS_SQL, [[rule.category_id]]))
    if rule.field == field.PRICE:
        return _price_filter(rule.min_price, rule.max_price)
    if rule.field == field.OPTION:
        name, _, value = rule.value.partition(":")
        return Q(
            Exists(
                Variant.objects.filter(
                    product=OuterRef("pk"),
                    active=True,
                    option_values__option__name__iexact=name.strip(),
                    option_values__value__iexact=value.strip(),
                )
            )
        )
    if rule.field == field.IN_STOCK:
        condition = search_selectors.product_in_stock_sql(product_column='"catalog_product"."id"')
        return Q(RawSQL(condition, [timezone.now()], output_field=BooleanField()))
    if rule.field == field.CREATED_WITHIN:
        if not rule.days:
            return _NOTHING
        return Q(created_at__gte=timezone.now() - timedelta(days=rule.days))
    return _NOTHING


def _price_filter(low: Decimal | None, high: Decimal | None) -> Q:
    """The product's price, its lowest active variant's (what its card shows "from"), is in
    [low, high]: the same price the listings' price filter reads."""
    price = Subquery(
        Variant.objects.filter(product=OuterRef("pk"), active=True)
        .order_by()
        .values("product")
        .annotate(price=Min("price"))
        .values("price")[:1]
    )
    condition = Q(Exists(Variant.objects.filter(product=OuterRef("pk"), active=True)))
    if low is not None:
        condition &= Q(GreaterThanOrEqual(price, low))
    if high is not None:
        condition &= Q(LessThanOrEqual(price, high))
    return condition


def get_collection_for_storefront(*, slug: str) -> Collection:
    """A published collection with its rules. Raises ``Collection.DoesNotExist``."""
    return Collection.objects.prefetch_related("rules").get(slug=slug, published=True)


def get_collection(*, collection_id: int) -> Collection:
    """Any collection (published or not) with its rules. Raises ``Collection.DoesNotExist``."""
    return Collection.objects.prefetch_related("rules").get(pk=collection_id)


def list_collections_for_storefront() -> list[Collection]:
    """Published collections, in menu order, each with its ``url``, from the store's cache.

    The header and the home page show them on nearly every page; the entry is dropped whenever
    a collection is saved or deleted (``CatalogConfig.ready``). Membership is not cached.
    """
    return store_cache.get_or_load(STOREFRONT_COLLECTIONS_KEY, _load_storefront_collections)


def _load_storefront_collections() -> list[Collection]:
    collections = list(Collection.objects.filter(published=True))
    for collection in collections:
        collection.url = collection.get_absolute_url()  # type: ignore[attr-defined]
    return collections


def list_sitemap_collections() -> QuerySet[Collection]:
    return Collection.objects.filter(published=True).only("slug", "updated_at").order_by("id")
