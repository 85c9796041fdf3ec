"""Storefront pages: server-rendered, complete without JavaScript.

Listings (category and search) go through the search interface, so they answer the same way
whichever backend is configured; product pages read the catalog and inventory selectors.
"""

import math
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sitemaps.views import index as sitemap_index_view
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django.views.static import serve

from apps.catalog import collections as collection_selectors
from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import Category, Collection, Product
from apps.checkout import promotions as checkout_promotions
from apps.inventory import selectors as inventory_selectors
from apps.markets.pricing import MarketView
from apps.recommendations import selectors as recommendation_selectors
from apps.recommendations import services as recommendation_services
from apps.search import selectors as search_selectors
from apps.search.query import SORT_RELEVANCE, SORTS, SearchQuery
from apps.storefront import (
    browse,
    cards,
    fragments,
    markets,
    review_views,
    seo,
    variant_choice,
    visitors,
)
from apps.storefront.checkout_forms import GiftCardRecipientForm
from apps.storefront.context_processors import canonical_base, storefront_theme
from apps.storefront.http import post_only
from apps.storefront.sitemaps import store_sitemaps


def _category_context() -> tuple[dict[int, Category], dict]:
    """All categories (cached, see the selector): navigation, breadcrumbs, facet labels."""
    categories = catalog_selectors.list_categories_for_storefront()
    by_id = {c.id: c for c in categories}
    return by_id, {"nav_categories": [c for c in categories if c.parent_id is None]}


@require_safe
def home(request):
    _, context = _category_context()
    market = markets.current_market(request)
    visitor = visitors.get_visitor(request)
    recs = recommendation_selectors.get_home_recommendations(
        user_id=visitor.user_id, recent_ids=visitor.recent_ids
    )
    recent = _recently_viewed(request, visitor)
    recommendation_services.record_impressions(widgets=_shown(recs, recent))
    # The listings' cached cards, both lists in one read: no product query when warm.
    featured, newest = catalog_selectors.list_home_product_ids()
    product_cards = cards.render_cards_by_id(ids=[*featured, *newest], market=market)
    # Nothing here changes with time but promotion prices and the recommendation lists; in
    # another market, prices also follow the store's within the markets' cache timeout.
    _tell_page_cache(
        request,
        impressions=recs.shown_widgets(),
        lasting=market.is_base,
        shows_prices=bool(product_cards),
    )
    return render(
        request,
        "storefront/home.html",
        {
            **context,
            "featured": [product_cards[i] for i in featured if i in product_cards],
            "newest": [product_cards[i] for i in newest if i in product_cards],
            "categories": context["nav_categories"],
            "recs_for_you": recs.for_you,
            "recs_recently_viewed": recent,
            "seo": seo.home_meta(
                base=canonical_base(request),
                store_name=request.store.name,
                theme=storefront_theme(request),
            ),
        },
    )


@require_safe
def category_detail(request, slug: str):
    categories, context = _category_context()
    category = next((c for c in categories.values() if c.slug == slug), None)
    if category is None:
        raise Http404("No such category")
    query = browse.parse_query(request.GET, category_id=category.id)
    context.update(
        _listing_context(
            query, categories, market=markets.current_market(request), current_category=category
        )
    )
    context["category"] = category
    context["ancestors"] = catalog_selectors.ancestors_from(category.parent_id, categories)
    context["seo"] = seo.category_meta(
        base=canonical_base(request),
        store_name=request.store.name,
        category=category,
        ancestors=context["ancestors"],
    )
    return render(request, "storefront/category.html", context)


@require_safe
def collection_detail(request, slug: str):
    """A collection's page: the category listing (filters, sorts, facets, pages) over the
    collection's products, in the collection's order by default."""
    try:
        collection = collection_selectors.get_collection_for_storefront(slug=slug)
    except Collection.DoesNotExist as exc:
        raise Http404("No such collection") from exc
    categories, context = _category_context()
    product_ids = tuple(collection_selectors.product_ids_in_collection(collection))
    query = browse.within_products(browse.parse_query(request.GET), product_ids)
    url = collection.get_absolute_url()
    context.update(
        _listing_context(
            replace(query, text=""),
            categories,
            market=markets.current_market(request),
            current_category=None,
            listing_path=url,
        )
    )
    context["collection"] = collection
    for sort in context["sorts"]:
        if sort["key"] == SORT_RELEVANCE:
            sort["label"] = "Featured"  # the collection's own order
    context["all_categories_url"] = url + browse.to_querystring(
        browse.with_category(context["query"], None), category_param=True
    )
    context["seo"] = seo.collection_meta(
        base=canonical_base(request), store_name=request.store.name, collection=collection
    )
    return render(request, "storefront/collection.html", context)


@require_safe
def search(request):
    query = browse.parse_query(request.GET)
    categories, context = _category_context()
    extra: tuple[tuple[str, str], ...] = ()
    collection = _collection_filter(request.GET.get("collection", ""))
    if collection is not None:
        # A search within a collection (its page's search box, or ?collection=<slug>).
        product_ids = tuple(collection_selectors.product_ids_in_collection(collection))
        query = browse.within_products(query, product_ids)
        extra = (("collection", collection.slug),)
    search_url = reverse("storefront:search")
    context.update(
        _listing_context(
            query,
            categories,
            market=markets.current_market(request),
            current_category=None,
            listing_path=search_url,
            extra_params=extra,
        )
    )
    context["all_categories_url"] = search_url + browse.to_querystring(
        browse.with_category(context["query"], None), category_param=True, extra=extra
    )
    if collection is not None:
        context["search_collection"] = collection
        context["all_products_url"] = search_url + browse.to_querystring(
            browse.within_products(context["query"], ()), category_param=True
        )
    return render(request, "storefront/search.html", context)


def _collection_filter(slug: str) -> Collection | None:
    """The published collection a search is limited to; an unknown slug limits nothing."""
    if not slug or len(slug) > 140:
        return None
    try:
        return collection_selectors.get_collection_for_storefront(slug=slug)
    except Collection.DoesNotExist:
        return None


def _listing_context(
    query: SearchQuery,
    categories: dict[int, Category],
    *,
    market: MarketView,
    current_category: Category | None,
    listing_path: str | None = None,
    extra_params: tuple[tuple[str, str], ...] = (),
) -> dict:
    """One listing: the category page, and (``listing_path``: the category is a parameter of
    that page, not its path) the search and collection pages. ``extra_params`` ride along on
    every link (the search page's collection)."""
    on_search_page = listing_path is not None

    def link(q: SearchQuery) -> str:
        return browse.to_querystring(q, category_param=on_search_page, extra=extra_params)

    query = browse.in_currency(query, market.rate)
    result = search_selectors.search_products(query=query)
    num_pages = max(1, math.ceil(result.total / query.per_page))
    if query.page > num_pages:
        # A page past the end (stale link, hand-edited URL): show the last page instead.
        query = browse.with_page(query, num_pages)
        result = search_selectors.search_products(query=query)
    # One string for the template (a loop over 24 cards cost a quarter of the listing's render).
    product_cards = mark_safe(  # noqa: S308 - cards built and escaped by apps.storefront.cards
        "".join(cards.render_product_cards(ids=result.product_ids, market=market))
    )
    if current_category is None and query.category_id is not None:
        current_category = categories.get(query.category_id)
    return {
        "query": query,
        "product_cards": product_cards,
        "total": result.total,
        "corrected_text": result.corrected_text,
        "page": _page_links(query, num_pages, link),
        "facets": _facet_links(
            query, result.facets, categories, current_category, link, listing_path
        ),
        "sorts": [
            {
                "key": key,
                "label": label,
                "url": link(browse.with_sort(query, key)),
                "selected": key == query.sort,
            }
            for key, label in SORTS.items()
        ],
        "filters_applied": bool(
            query.bands or query.options or query.in_stock or query.min_price or query.max_price
        ),
        "clear_url": link(browse.without_filters(query)),
        "current_category": current_category,
        "on_search_page": on_search_page,
        "listing_params": extra_params,
    }


def _page_links(query: SearchQuery, num_pages: int, link) -> dict:
    number = query.page
    return {
        "number": number,
        "num_pages": num_pages,
        "previous_url": link(browse.with_page(query, number - 1)) if number > 1 else None,
        "next_url": link(browse.with_page(query, number + 1)) if number < num_pages else None,
    }


def _facet_links(query, facets, categories, current, link, listing_path: str | None) -> dict:
    # Category facet: the children of the current category (top-level ones when none). On the
    # search and collection pages it narrows the listing; on a category page it leads to the
    # subcategory's page.
    parent_id = current.id if current else None

    def category_url(category: Category) -> str:
        if listing_path is not None:
            return listing_path + link(browse.with_category(query, category.id))
        return category.url + link(browse.with_page(query, 1))

    category_links = [
        {"label": c.name, "count": facets.categories[c.id], "url": category_url(c)}
        for c in categories.values()
        if c.parent_id == parent_id and facets.categories.get(c.id)
    ]
    return {
        "categories": category_links,
        "bands": [
            {
                "label": band.label,
                "count": band.count,
                "selected": band.selected,
                "url": link(browse.toggle_band(query, band.key)),
            }
            for band in facets.price_bands
        ],
        "options": [
            {
                "name": name,
                "values": [
                    {
                        "label": value.label,
                        "count": value.count,
                        "selected": value.selected,
                        "url": link(browse.toggle_option(query, name, value.key)),
                    }
                    for value in values
                ],
            }
            for name, values in facets.options.items()
        ],
        "in_stock": {
            "count": facets.in_stock,
            "selected": query.in_stock,
            "url": link(browse.toggle_in_stock(query)),
        },
    }


@require_safe
def product_detail(request, slug: str):
    try:
        product = catalog_selectors.get_product_for_storefront(slug=slug)
    except Product.DoesNotExist as exc:
        raise Http404("No such product") from exc
    market = markets.current_market(request)
    asks_by_options = _asks_by_options(request)
    recs = None
    # One stock query for the recommended products and the product's own variants.
    own_variants = () if asks_by_options else [v.id for v in product.variants.all()]
    with inventory_selectors.free_units_read_together(own_variants):
        if not asks_by_options:  # (that request is answered with a redirect, see below)
            recs = recommendation_selectors.get_product_page_recommendations(product=product)
        rows = markets.rows_in_market(variant_choice.rows_of_product(product), market)
    picker = variant_choice.build_picker(
        rows, variant_param=request.GET.get("variant", ""), option_params=request.GET
    )
    if picker.selected and not picker.not_offered and asks_by_options:
        # ?option-size=M&option-color=Black (the form without JavaScript): one address per variant.
        return redirect(f"{product.get_absolute_url()}?variant={picker.selected.variant.id}")
    if recs is None:
        recs = recommendation_selectors.get_product_page_recommendations(product=product)
    images = list(product.images.all())
    categories, context = _category_context()
    if request.user.is_authenticated:  # their own review, votes and forms
        context.update(review_views.reviews_context(request, product))
    else:
        context["reviews_html"] = fragments.product_reviews_html(request, product)
    visitor = visitors.get_visitor(request, create=True)
    recent = _recently_viewed(request, visitor, current_product_id=product.id)
    # A GET that writes, on purpose: the view (one Redis round trip) feeds "viewed together"
    # and trending; the recently-viewed cookie is written on the way out by the middleware.
    recommendation_services.record_product_view(
        product_id=product.id,
        visitor_key=visitor.key,
        user_id=visitor.user_id,
        impressions=_shown(recs, recent),
    )
    visitors.remember_recently_viewed(request, product.id)
    _tell_page_cache(
        request,
        impressions=recs.shown_widgets(),
        product_id=product.id,
        stock={row.variant.id: row.available for row in rows},
    )
    rules = checkout_promotions.rules_for([product.id])
    promo = {
        row.variant.id: checkout_promotions.get_unit_price(
            price=row.variant.price,
            product_id=product.id,
            category_id=product.category_id,
            rules=rules,
        )
        for row in rows
    }
    image_for = variant_choice.images_by_variant(picker, images)
    first_image = image_for.get(picker.selected.variant.id) if picker.selected else None
    ancestors = catalog_selectors.ancestors_from(product.category_id, categories)
    return render(
        request,
        "storefront/product.html",
        {
            **context,
            "recs_bought_together": recs.bought_together,
            "recs_viewed_together": recs.viewed_together,
            "recs_recently_viewed": recent,
            "recs_back_in_stock": recs.back_in_stock,
            "product": product,
            "picker": picker,
            "gift_card_form": GiftCardRecipientForm() if product.is_gift_card else None,
            "picker_data": picker.data(
                image_for=image_for,
                sale_prices={pk: unit.sale_price for pk, unit in promo.items()},
            ),
            "promo": promo.get(picker.selected.variant.id) if picker.selected else None,
            "selected": picker.selected,
            "images": _lead_image_first(images, first_image),
            "ancestors": ancestors,
            "seo": seo.product_meta(
                base=canonical_base(request),
                store_name=request.store.name,
                currency=market.currency,
                product=product,
                variants=[row.variant for row in rows],
                available={row.variant.id: row.available for row in rows},
                images=images,
                ancestors=ancestors,
                selected_variant=picker.selected.variant if picker.selected else None,
            ),
        },
    )


def _recently_viewed(
    request, visitor: visitors.Visitor, *, current_product_id: int | None = None
) -> recommendation_selectors.WidgetView | None:
    """The visitor's "recently viewed" strip; none in a page rendered for the page cache,
    which leaves a marker there and fills it in for each visitor (the same selector)."""
    if getattr(request, "page_cache", None) is not None:
        return None
    return recommendation_selectors.get_recently_viewed(
        recent_ids=visitor.recent_ids, current_product_id=current_product_id
    )


def _shown(recs, recent: recommendation_selectors.WidgetView | None) -> list[str]:
    return [*recs.shown_widgets(), *([recent.widget] if recent else [])]


def _tell_page_cache(request, *, impressions: list[str], **facts) -> None:
    """What a page cached for anonymous shoppers (``apps.storefront.page_cache``) must redo or
    check on each hit: the widget impressions to count (the per-visitor "recently viewed" strip
    is filled in, and counted, by the page cache), and on a product page its view and stock."""
    render = getattr(request, "page_cache", None)
    if render is None:
        return
    render.impressions = impressions
    for name, value in facts.items():
        setattr(render, name, value)


def _asks_by_options(request) -> bool:
    return any(key.startswith("option-") for key in request.GET)


def _lead_image_first(images: list, lead_url: str | None) -> list:
    """The chosen variant's image (see ``images_by_variant``) first, the rest in order."""
    lead = next(
        (i for i in images if i.thumbnail_medium and i.thumbnail_medium.url == lead_url), None
    )
    return [lead] + [i for i in images if i is not lead] if lead else images


@post_only(lambda request, slug: reverse("storefront:product-detail", args=[slug]))
def product_choose(request, slug: str):
    """The picker's "Show" button without JavaScript: the chosen options, as a page address."""
    params = {k: v for k, v in request.POST.items() if k.startswith("option-")}
    url = reverse("storefront:product-detail", args=[slug])
    return redirect(f"{url}?{urlencode(params)}" if params else url)


@require_safe
def sitemap_index(request):
    base = canonical_base(request)
    response = sitemap_index_view(
        request, sitemaps=store_sitemaps(base), sitemap_url_name="storefront:sitemap"
    )
    # Django's index names each section on the request's scheme and host; move them onto the
    # store's public base (the response is rendered after this, from its context).
    request_base = f"{request.scheme}://{request.get_host()}"
    for item in response.context_data["sitemaps"]:
        item.location = base + item.location.removeprefix(request_base)
    return response


@require_safe
def sitemap_section(request, section: str):
    return sitemap_view(request, sitemaps=store_sitemaps(canonical_base(request)), section=section)


@require_safe
def robots_txt(request):
    sitemap_url = canonical_base(request) + reverse("storefront:sitemap-index")
    body = f"User-agent: *\nDisallow: /admin/\nDisallow: /search/\nSitemap: {sitemap_url}\n"
    return HttpResponse(body, content_type="text/plain")


@require_safe
def media(request, schema: str, path: str):
    """Serve the current store's own uploads (development and small installs).

    A store host only ever serves its own folder: another schema's name in the URL is a 404.
    Production puts a web server or object storage in front of MEDIA_ROOT instead.
    """
    if schema != connection.schema_name:
        raise Http404("No such file")
    return serve(request, path, document_root=str(Path(settings.MEDIA_ROOT) / schema))
