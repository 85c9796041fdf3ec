"""Automatic discounts: the rules pricing reads, and their writes.

The rules (every active promotion that has not ended, targets resolved to product and
category ids) are cached per store under the *catalog version* (``apps.catalog.product_cache``):
every promotion write bumps that version, so the next read loads them afresh, and so do
the storefront's cached pages and product cards that show promotion prices. A category
change (a new subcategory) bumps it too.

Start and end times: pricing checks them on every read (``PromotionRule.is_live``), and the
product cards' cache key names the promotions live at that instant (``live_key``), so cards
switch at the second a promotion starts or ends. The page cache keeps a page no longer than
the next start or end (``next_time_change``) where it knows the page's time-based inputs (the
home page), and ``PAGE_CACHE_SECONDS`` elsewhere.

Targets: all products, chosen products, chosen categories with their subcategories, or chosen
collections. Collections are resolved per basket or page (``rules_for``), through the catalog's
one membership answer; the others are resolved when the rules are loaded.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.catalog import product_cache
from apps.catalog import selectors as catalog_selectors
from apps.catalog.collections import product_ids_in_collection
from apps.catalog.models import Collection, Product
from apps.checkout.models import Promotion
from apps.checkout.pricing import PromotionRule, UnitPrice, unit_price

RULES_CACHE_NAME = "checkout:promotion-rules"


def list_promotion_rules() -> list[PromotionRule]:
    """Every active promotion not yet ended, as pricing reads it (cached, see the module)."""
    return product_cache.get_or_load(RULES_CACHE_NAME, _load_rules)


def _load_rules() -> list[PromotionRule]:
    now = timezone.now()
    promotions = (
        Promotion.objects.filter(active=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .prefetch_related("products", "categories", "collections")
    )
    rules = []
    for promotion in promotions:
        product_ids, category_ids = _target_ids(promotion)
        rules.append(
            PromotionRule(
                id=promotion.id,
                name=promotion.name,
                kind=promotion.kind,
                value_type=promotion.value_type,
                value=promotion.value,
                applies_to_all=promotion.applies_to == Promotion.AppliesTo.ALL,
                product_ids=frozenset(product_ids),
                category_ids=frozenset(category_ids),
                collection_ids=frozenset(
                    c.id
                    for c in promotion.collections.all()
                    if promotion.applies_to == Promotion.AppliesTo.COLLECTIONS
                ),
                buy_quantity=promotion.buy_quantity,
                get_quantity=promotion.get_quantity,
                minimum_subtotal=promotion.minimum_subtotal,
                starts_at=promotion.starts_at,
                ends_at=promotion.ends_at,
                priority=promotion.priority,
                combines_with_promotions=promotion.combines_with_promotions,
                combines_with_vouchers=promotion.combines_with_vouchers,
            )
        )
    return rules


def next_time_change(now: datetime) -> datetime | None:
    """The next instant the promotion prices shown can change with no write, for a page cached
    until then (``apps.storefront.page_cache``): the earliest start or end after ``now`` of
    an active promotion, ``None`` when none is scheduled. A promotion targeting a collection
    that is live or scheduled makes it ``now`` (unknown): an automated collection gains and
    loses products with time and stock, with no write to the catalog."""
    times = []
    for rule in list_promotion_rules():
        if rule.collection_ids and (rule.ends_at is None or rule.ends_at > now):
            return now
        times += [t for t in (rule.starts_at, rule.ends_at) if t is not None and t > now]
    return min(times, default=None)


def _target_ids(promotion: Promotion) -> tuple[list[int], list[int]]:
    """The product ids and category ids (subcategories included) a promotion targets."""
    if promotion.applies_to == Promotion.AppliesTo.PRODUCTS:
        return [p.id for p in promotion.products.all()], []
    if promotion.applies_to == Promotion.AppliesTo.CATEGORIES:
        chosen = [c.id for c in promotion.categories.all()]
        return [], catalog_selectors.list_subtree_category_ids(category_ids=chosen)
    return [], []


def rules_for(product_ids: Iterable[int]) -> list[PromotionRule]:
    """The promotion rules for a basket or a page of products: ``list_promotion_rules``, with
    each live collection target resolved to the products among ``product_ids`` that are in
    the collection now (``catalog.collections.product_ids_in_collection``, the one answer).

    Read live, not cached: an automated collection changes with stock and with time. Costs
    nothing without collection promotions; with them, one query for the collections and their
    rules, plus one per such promotion.
    """
    rules = list_promotion_rules()
    now = timezone.now()
    wanted = set(product_ids)
    needed = {pk for r in rules if r.collection_ids and r.is_live(now) for pk in r.collection_ids}
    if not needed or not wanted:
        return rules
    collections = {c.id: c for c in Collection.objects.filter(id__in=needed).prefetch_related(
        "rules"
    )}  # fmt: skip
    resolved = []
    for rule in rules:
        if rule.collection_ids and rule.is_live(now):
            members = Q(pk__in=[])
            for pk in rule.collection_ids & collections.keys():
                members |= Q(pk__in=product_ids_in_collection(collections[pk]))
            found = Product.objects.filter(members, pk__in=wanted).values_list("pk", flat=True)
            rule = replace(rule, product_ids=rule.product_ids | frozenset(found))
        resolved.append(rule)
    return resolved


def live_key(rules: Sequence[PromotionRule], now: datetime | None = None) -> str:
    """A short name for the set of promotions live now (``rules`` from ``rules_for``): part
    of a cache key for anything that shows promotion prices, so the entry changes when a
    promotion starts or ends, or a collection gains or loses one of those products."""
    now = now or timezone.now()
    live = ",".join(
        # A collection's members among the products at hand (``rules_for``) can change alone.
        f"{rule.id}:{sorted(rule.product_ids)}" if rule.collection_ids else str(rule.id)
        for rule in rules
        if rule.is_live(now)
    )
    return hashlib.blake2s(live.encode(), digest_size=6).hexdigest() if live else "none"


def get_unit_price(
    *, price: Decimal, product_id: int, category_id: int | None, rules=None
) -> UnitPrice:
    """What a card or product page shows for one unit of a product at ``price``."""
    rules = rules_for([product_id]) if rules is None else rules
    return unit_price(price=price, product_id=product_id, category_id=category_id, promotions=rules)


@transaction.atomic
def save_promotion(*, promotion: Promotion) -> Promotion:
    """Save a promotion and move the catalog version on: prices shown on cached pages and
    the cached rules change with it. Raises ValidationError."""
    promotion.full_clean()
    promotion.save()
    product_cache.bump_version()
    return promotion


@transaction.atomic
def save_promotion_targets(*, save: Callable[[], None]) -> None:
    """Run ``save`` (writes a promotion's products or categories, e.g. the admin form's
    ``save_related``), then move the catalog version on."""
    save()
    product_cache.bump_version()


@transaction.atomic
def set_promotion_targets(
    *,
    promotion: Promotion,
    product_ids: Sequence[int] = (),
    category_ids: Sequence[int] = (),
    collection_ids: Sequence[int] = (),
) -> Promotion:
    """Set which products, categories and collections a promotion targets (the demo store,
    tests)."""
    promotion.products.set(product_ids)
    promotion.categories.set(category_ids)
    promotion.collections.set(collection_ids)
    product_cache.bump_version()
    return promotion


@transaction.atomic
def delete_promotion(*, promotion: Promotion) -> None:
    promotion.delete()
    product_cache.bump_version()
