"""Recommendation reads for pages and the API, served from stored neighbours and the cache.

Cache layout (tenant-aware keys, so per store):
- ``recs:config`` — switches, item count, pins and exclusions (dropped when the merchant saves);
- ``recs:generation`` — id of the latest recompute; every derived key below embeds it, so a
  recompute makes them all stale at once without deleting anything;
- ``recs:nb:<gen>:<product>`` — a product's neighbour lists of every kind;
- ``recs:rank:<gen>:trending|popular|cat<id>`` — ranked ids for trending and fallbacks;
- ``recs:foryou:<gen>:<user>`` — a customer's blended candidates, for a few minutes.

Stock and product status change all the time, so the cached lists are candidate ids only: each
page filters them in two queries (products with their price, then availability) whatever the
number of widgets — only active, in-stock products are recommended.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from apps.catalog import product_cache
from apps.catalog.models import Product
from apps.core import store_cache
from apps.inventory import selectors as inventory_selectors
from apps.orders.models import Order, OrderLine
from apps.recommendations import ranking
from apps.recommendations.models import (
    ProductNeighbour,
    ProductRanking,
    ProductViewDaily,
    RecommendationSettings,
    RecomputeRun,
    Widget,
    WidgetRule,
    WidgetStat,
)

CONFIG_KEY = "recs:config"
GENERATION_KEY = "recs:generation"
CONFIG_TTL = 300
store_cache.warm_with_generation(CONFIG_KEY, timeout=CONFIG_TTL)  # home and product pages
LISTS_TTL = 60 * 60 * 24
FOR_YOU_TTL = 600
FALLBACK_SIZE = 30
# Look up fallbacks when a widget has fewer stored neighbours than this many times its size:
# some neighbours are filtered out (sold out, draft, shown in the other widget).
FALLBACK_BELOW = 3
FOR_YOU_CANDIDATES = 60
SEED_LIMIT = 20
VIEW_SEED_DAYS = 30
UNDONE_STATUSES = (Order.Status.CANCELLED, Order.Status.REFUNDED)

store_cache.read_with_generation(GENERATION_KEY)  # product and home pages read both

PRODUCT_WIDGETS = (Widget.BOUGHT_TOGETHER, Widget.VIEWED_TOGETHER)
NEIGHBOUR_KIND = {
    Widget.BOUGHT_TOGETHER: ProductNeighbour.Kind.BOUGHT_TOGETHER,
    Widget.VIEWED_TOGETHER: ProductNeighbour.Kind.VIEWED_TOGETHER,
}


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    enabled: frozenset[str]
    limit: int
    back_in_stock: bool
    abandoned_cart: bool
    pins: dict[tuple[str, int | None], tuple[int, ...]] = field(default_factory=dict)
    excludes: dict[tuple[str, int | None], frozenset[int]] = field(default_factory=dict)

    def is_enabled(self, widget: str) -> bool:
        return widget in self.enabled

    def pinned(self, widget: str, anchor_id: int | None = None) -> list[int]:
        here = self.pins.get((widget, anchor_id), ()) if anchor_id is not None else ()
        return ranking.distinct([*here, *self.pins.get((widget, None), ())])

    def excluded(self, widget: str, anchor_id: int | None = None) -> frozenset[int]:
        everywhere = self.excludes.get((widget, None), frozenset())
        if anchor_id is None:
            return everywhere
        return everywhere | self.excludes.get((widget, anchor_id), frozenset())


def get_recommendation_settings() -> RecommendationSettings:
    """The store's recommendation settings row, created with defaults on first use."""
    settings, _ = RecommendationSettings.objects.get_or_create(
        pk=RecommendationSettings.SINGLETON_PK
    )
    return settings


def _recommendation_settings_for_reading() -> RecommendationSettings:
    """The settings row, or its defaults unsaved: most stores never edit them, and a store's
    first storefront page should not write (get_or_create's savepoint and insert)."""
    found = RecommendationSettings.objects.filter(pk=RecommendationSettings.SINGLETON_PK).first()
    return found or RecommendationSettings(pk=RecommendationSettings.SINGLETON_PK)


def _build_config() -> Config:
    settings = _recommendation_settings_for_reading()
    pins: dict[tuple[str, int | None], list[int]] = {}
    excludes: dict[tuple[str, int | None], set[int]] = {}
    rules = WidgetRule.objects.order_by("position", "id").values_list(
        "widget", "action", "product_id", "anchor_id"
    )
    for widget, action, product_id, anchor_id in rules:
        target = pins if action == WidgetRule.Action.PIN else excludes
        target.setdefault((widget, anchor_id), []).append(product_id)  # type: ignore[arg-type, union-attr]
    return Config(
        enabled=frozenset(w for w in Widget.values if settings.widget_enabled(w)),
        limit=settings.items_per_widget,
        back_in_stock=settings.back_in_stock_enabled,
        abandoned_cart=settings.abandoned_cart_emails_enabled,
        pins={key: tuple(ids) for key, ids in pins.items()},
        excludes={key: frozenset(ids) for key, ids in excludes.items()},
    )


def get_config() -> tuple[Config, int]:
    """The merchant's configuration (a store-configuration entry: ``store_cache``) and the
    current neighbour generation (read once per request)."""
    config = store_cache.get_or_load(CONFIG_KEY, _build_config, timeout=CONFIG_TTL)
    return config, store_cache.read_once(GENERATION_KEY, _read_generation)


def current_generation() -> int:
    """The neighbour and ranking lists' generation (moved by every recompute), read once per
    request: the page cache records it with a page that shows, or may show, those lists."""
    return store_cache.read_once(GENERATION_KEY, _read_generation)


def _read_generation() -> int:
    return store_cache.read_version(GENERATION_KEY, initial=_latest_run_id)


def _latest_run_id() -> int:
    return RecomputeRun.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- cached candidate lists ----------------------------------------------------------------
# Keyed by generation: a recompute's lists never change, so web processes keep them too.


def _neighbour_lists(
    product_ids: Sequence[int], generation: int
) -> dict[int, dict[str, list[tuple[int, float]]]]:
    """Each product's stored neighbours by kind, best first: cache, else one query for all."""
    keys = {f"recs:nb:{generation}:{pid}": pid for pid in product_ids}

    def load(missing_keys: list[str]) -> dict[str, dict[str, list[tuple[int, float]]]]:
        missing = [keys[key] for key in missing_keys]
        loaded: dict[int, dict[str, list[tuple[int, float]]]] = {pid: {} for pid in missing}
        rows = (
            ProductNeighbour.objects.filter(product_id__in=missing)
            .order_by("product_id", "kind", "rank")
            .values_list("product_id", "kind", "neighbour_id", "score")
        )
        for product_id, kind, neighbour_id, score in rows:
            loaded[product_id].setdefault(kind, []).append((neighbour_id, score))
        return {f"recs:nb:{generation}:{pid}": v for pid, v in loaded.items()}

    found = store_cache.get_many_or_load(list(keys), load, timeout=LISTS_TTL)
    return {keys[key]: value for key, value in found.items()}


def _ranked_ids(names: Sequence[str], generation: int) -> dict[str, list[int]]:
    """Ranked id lists: "trending", "popular" and "cat<id>" (popular in a category)."""
    keys = {f"recs:rank:{generation}:{name}": name for name in names}
    found = store_cache.get_many_or_load(
        list(keys),
        lambda missing: {key: _load_ranking(keys[key]) for key in missing},
        timeout=LISTS_TTL,
    )
    return {keys[key]: value for key, value in found.items()}


def _load_ranking(name: str) -> list[int]:
    """One ranked list, in one query (two for a global list shorter than FALLBACK_SIZE)."""
    ranking_rows = ProductRanking.objects.filter(product__status=Product.Status.ACTIVE)
    if name == "trending":
        rows = ranking_rows.filter(kind=ProductRanking.Kind.TRENDING).order_by("rank")
        return list(rows.values_list("product_id", flat=True)[:FALLBACK_SIZE])
    active = Product.objects.filter(status=Product.Status.ACTIVE)
    if name.startswith("cat"):
        # Popular in the category (subcategories included), then its newest products: a
        # category is small, so rank every product of it in one query.
        category_id = int(name[3:])
        rank = ProductRanking.objects.filter(
            kind=ProductRanking.Kind.POPULAR, product=OuterRef("pk")
        ).values("rank")[:1]
        in_category = active.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
        ordered = in_category.annotate(popular_rank=Subquery(rank)).order_by(
            F("popular_rank").asc(nulls_last=True), "-created_at", "-id"
        )
        return list(ordered.values_list("id", flat=True)[:FALLBACK_SIZE])
    ranked = list(
        ranking_rows.filter(kind=ProductRanking.Kind.POPULAR)
        .order_by("rank")
        .values_list("product_id", flat=True)[:FALLBACK_SIZE]
    )
    if len(ranked) < FALLBACK_SIZE:  # a young store: newest products fill the list
        newest = active.exclude(pk__in=ranked).order_by("-created_at", "-id")
        ranked += newest.values_list("id", flat=True)[: FALLBACK_SIZE - len(ranked)]
    return ranked


# --- products as cards ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendedProduct:
    product: Product  # annotated with min_price and variant_count
    widget: str
    in_stock: bool

    @property
    def click_url(self) -> str:
        return reverse(
            "recommendations:click", kwargs={"widget": self.widget, "product_id": self.product.id}
        )


@dataclass(frozen=True)
class WidgetView:
    widget: str
    title: str
    items: list[RecommendedProduct]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def load_products(product_ids: Iterable[int]) -> dict[int, tuple[Product, bool]]:
    """Active products with a sellable variant, with price and stock.

    The products (with their price and variant ids) come from the catalog cache, which every
    catalog write makes stale (``apps.catalog.product_cache``), loaded in one query on a miss;
    stock is read live, in one query.
    """
    products = list(
        product_cache.get_many_or_load("recs-product", product_ids, _load_sellable).values()
    )
    if not products:
        return {}
    available = inventory_selectors.get_available_by_variant(
        vid
        for product in products
        for vid in product.variant_ids  # type: ignore[attr-defined]
    )
    return {p.id: (p, any(available.get(vid, 0) > 0 for vid in p.variant_ids)) for p in products}  # type: ignore[attr-defined]


def _load_sellable(ids: set[int]) -> dict[int, Product]:
    active = Q(variants__active=True)
    products = (
        Product.objects.filter(pk__in=ids, status=Product.Status.ACTIVE)
        .annotate(
            min_price=Min("variants__price", filter=active),
            variant_count=Count("variants", filter=active),
            variant_ids=ArrayAgg("variants__id", filter=active, default=[]),
        )
        .filter(variant_count__gt=0)
    )
    return {product.id: product for product in products}


def _cards(
    widget: str,
    candidates: Iterable[int],
    products: dict[int, tuple[Product, bool]],
    *,
    limit: int,
    exclude: Iterable[int] = (),
    require_stock: bool = True,
) -> list[RecommendedProduct]:
    skip = set(exclude)
    cards = []
    for product_id in ranking.distinct(candidates):
        if product_id in skip or product_id not in products:
            continue
        product, in_stock = products[product_id]
        if require_stock and not in_stock:
            continue
        cards.append(RecommendedProduct(product=product, widget=widget, in_stock=in_stock))
        skip.add(product_id)
        if len(cards) >= limit:
            break
    return cards


# --- product page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductPageRecommendations:
    """The product page's own widgets ("recently viewed" is the visitor's: see
    ``get_recently_viewed``)."""

    bought_together: WidgetView | None
    viewed_together: WidgetView | None
    back_in_stock: bool

    def shown_widgets(self) -> list[str]:
        return [view.widget for view in (self.bought_together, self.viewed_together) if view]


def _product_candidates(
    product: Product, widgets: Sequence[str], config: Config, generation: int
) -> dict[str, list[int]]:
    """Per widget: pins, stored neighbours, then fallbacks (same category, then popular).

    Fallbacks are only looked up when some widget has few stored neighbours, so a product
    with plenty of data costs one cache read here.
    """
    neighbours = _neighbour_lists([product.id], generation)[product.id]
    stored = {
        widget: [pid for pid, _ in neighbours.get(NEIGHBOUR_KIND[widget], ())]  # type: ignore[index]
        for widget in widgets
    }
    fallback: list[int] = []
    if any(len(ids) < FALLBACK_BELOW * config.limit for ids in stored.values()):
        names = [f"cat{product.category_id}", "popular"] if product.category_id else ["popular"]
        fallbacks = _ranked_ids(names, generation)
        fallback = [pid for name in names for pid in fallbacks[name]]
    return {
        widget: [*config.pinned(widget, product.id), *stored[widget], *fallback]
        for widget in widgets
    }


def get_product_page_recommendations(*, product: Product) -> ProductPageRecommendations:
    """The product page's widgets: two queries on a warm cache, a handful on a cold one."""
    config, generation = get_config()
    limit = config.limit
    widgets = [w for w in PRODUCT_WIDGETS if config.is_enabled(w)]
    candidates: dict[str, list[int]] = {}
    if widgets:
        candidates = _product_candidates(product, widgets, config, generation)
    products = load_products({pid for ids in candidates.values() for pid in ids})
    views: dict[str, WidgetView | None] = {w: None for w in PRODUCT_WIDGETS}
    shown: set[int] = {product.id}
    for widget in widgets:
        cards = _cards(
            widget,
            candidates[widget],
            products,
            limit=limit,
            exclude=shown | config.excluded(widget, product.id),
        )
        shown.update(card.product.id for card in cards)  # no product in two widgets
        views[widget] = WidgetView(widget, Widget(widget).label, cards)
    return ProductPageRecommendations(
        bought_together=views[Widget.BOUGHT_TOGETHER],
        viewed_together=views[Widget.VIEWED_TOGETHER],
        back_in_stock=config.back_in_stock,
    )


def list_product_recommendations(*, product: Product, kind: str) -> list[RecommendedProduct]:
    """One product widget's items for the API (honours pins, exclusions and the switch)."""
    config, generation = get_config()
    if not config.is_enabled(kind):
        return []
    candidates = _product_candidates(product, [kind], config, generation)[kind]
    return _cards(
        kind,
        candidates,
        load_products(candidates),
        limit=config.limit,
        exclude=config.excluded(kind, product.id) | {product.id},
    )


# --- for you, trending, home page ----------------------------------------------------------


def list_purchased_product_ids(*, user_id: int, limit: int = 200) -> list[int]:
    """Products the customer paid for, most recent first (one query)."""
    lines = (
        OrderLine.objects.filter(
            order__user_id=user_id, order__paid_at__isnull=False, variant__isnull=False
        )
        .exclude(order__status__in=UNDONE_STATUSES)
        .order_by("-order__paid_at", "-id")
        .values_list("variant__product_id", flat=True)[: limit * 3]
    )
    return ranking.distinct(lines, limit=limit)


def list_viewed_product_ids(*, visitor_key: str, limit: int = SEED_LIMIT) -> list[int]:
    """Products the visitor viewed in the last month (flushed views), most recent first."""
    since = timezone.now().date() - timedelta(days=VIEW_SEED_DAYS)
    rows = (
        ProductViewDaily.objects.filter(visitor_key=visitor_key, day__gte=since)
        .order_by("-day", "-views", "-id")
        .values_list("product_id", flat=True)[: limit * 2]
    )
    return ranking.distinct(rows, limit=limit)


def compute_for_you_ids(
    *, user_id: int, recent_ids: Sequence[int] = (), limit: int = FOR_YOU_CANDIDATES
) -> list[int]:
    """Blend the neighbours of what the customer bought and viewed, minus what they bought.

    Three queries: purchases, flushed views, and the neighbours of all seeds at once.
    """
    purchased = list_purchased_product_ids(user_id=user_id)
    viewed = ranking.distinct(
        [*recent_ids, *list_viewed_product_ids(visitor_key=f"u:{user_id}")], limit=SEED_LIMIT
    )
    purchase_seeds = purchased[:SEED_LIMIT]
    seeds = ranking.seed_weights(purchased=purchase_seeds, viewed=viewed)
    seed_ids = ranking.distinct([*purchase_seeds, *viewed])
    if not seed_ids:
        return []
    neighbours: dict[int, dict[str, list[tuple[int, float]]]] = {}
    rows = (
        ProductNeighbour.objects.filter(product_id__in=seed_ids)
        .order_by("product_id", "kind", "rank")
        .values_list("product_id", "kind", "neighbour_id", "score")
    )
    for product_id, kind, neighbour_id, score in rows:
        neighbours.setdefault(product_id, {}).setdefault(kind, []).append((neighbour_id, score))
    return ranking.blend(seeds=seeds, neighbours=neighbours, exclude=set(purchased), limit=limit)


def list_for_you_ids(*, user_id: int, recent_ids: Sequence[int] = (), generation: int) -> list[int]:
    key = f"recs:foryou:{generation}:{user_id}"
    ids = cache.get(key)
    if ids is None:
        ids = compute_for_you_ids(user_id=user_id, recent_ids=recent_ids)
        cache.set(key, ids, FOR_YOU_TTL)
    return ids


@dataclass(frozen=True)
class HomeRecommendations:
    """The home page's own widget ("recently viewed" is the visitor's: see
    ``get_recently_viewed``)."""

    for_you: WidgetView | None  # the "for you" widget, or trending for anonymous shoppers

    def shown_widgets(self) -> list[str]:
        return [self.for_you.widget] if self.for_you else []


def get_home_recommendations(
    *, user_id: int | None, recent_ids: Sequence[int] = ()
) -> HomeRecommendations:
    """For you (signed in, with history: ``recent_ids`` feed its blend) or trending (everyone
    else)."""
    config, generation = get_config()
    limit = config.limit
    widget: str | None = None
    candidates: list[int] = []
    if user_id is not None and config.is_enabled(Widget.FOR_YOU):
        candidates = list_for_you_ids(user_id=user_id, recent_ids=recent_ids, generation=generation)
        widget = Widget.FOR_YOU
        candidates = [*config.pinned(Widget.FOR_YOU), *candidates]
    trending: list[int] = []
    if config.is_enabled(Widget.TRENDING):
        ranked = _ranked_ids(["trending", "popular"], generation)
        trending = [*config.pinned(Widget.TRENDING), *ranked["trending"], *ranked["popular"]]
    products = load_products([*candidates, *trending])
    main: WidgetView | None = None
    if widget is not None:
        cards = _cards(widget, candidates, products, limit=limit, exclude=config.excluded(widget))
        if cards:
            main = WidgetView(widget, Widget.FOR_YOU.label, cards)
    if main is None and trending:
        # Anonymous shoppers, and customers with no history yet, see what is trending.
        cards = _cards(
            Widget.TRENDING,
            trending,
            products,
            limit=limit,
            exclude=config.excluded(Widget.TRENDING),
        )
        main = WidgetView(Widget.TRENDING, Widget.TRENDING.label, cards)
    return HomeRecommendations(for_you=main)


# --- merchant reporting --------------------------------------------------------------------


@dataclass(frozen=True)
class ClickThrough:
    widget: str
    label: str
    impressions: int
    clicks: int

    @property
    def rate(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


def list_click_through(*, days: int = 30) -> list[ClickThrough]:
    """Impressions, clicks and click-through per widget over the last ``days`` days."""
    since = timezone.now().date() - timedelta(days=days - 1)
    totals = {
        row["widget"]: row
        for row in WidgetStat.objects.filter(day__gte=since)
        .values("widget")
        .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"))
    }
    return [
        ClickThrough(
            widget=widget.value,
            label=widget.label,
            impressions=(totals.get(widget.value) or {}).get("impressions") or 0,  # type: ignore[call-overload]
            clicks=(totals.get(widget.value) or {}).get("clicks") or 0,  # type: ignore[call-overload]
        )
        for widget in Widget
    ]


def get_recently_viewed(
    *, recent_ids: Sequence[int], current_product_id: int | None = None
) -> WidgetView | None:
    """The visitor's "recently viewed" strip (the one owner: the home and product pages, and
    the storefront's page cache, which fills it in per visitor on cached pages); ``None`` when
    the store hides it or the visitor viewed nothing else yet (no query then)."""
    recent = [pid for pid in recent_ids if pid != current_product_id]
    if not recent:
        return None
    config, _ = get_config()
    if not config.is_enabled(Widget.RECENTLY_VIEWED):
        return None
    cards = _cards(
        Widget.RECENTLY_VIEWED,
        recent,
        load_products(recent),
        limit=config.limit * 2,
        exclude=config.excluded(Widget.RECENTLY_VIEWED),
        require_stock=False,
    )
    return WidgetView(Widget.RECENTLY_VIEWED, Widget.RECENTLY_VIEWED.label, cards)
