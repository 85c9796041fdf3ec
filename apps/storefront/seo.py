"""What search engines and link previews read: JSON-LD (schema.org) and Open Graph / Twitter
tags, every URL absolute on the store's primary host (``canonical_base``, built by
``apps.tenants.public_urls``).

The view hands ``seo`` to the page; ``storefront/includes/_seo.html`` writes it into the head.
"""

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from apps.catalog.models import Category, Collection, Product
from apps.content.selectors import StorefrontTheme

SCHEMA_IN_STOCK = "https://schema.org/InStock"
SCHEMA_OUT_OF_STOCK = "https://schema.org/OutOfStock"
# JSON inside <script> must not close the element or open a comment: escape <, > and &.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_ld(data: object) -> SafeString:
    """``data`` as JSON that is safe inside ``<script type="application/ld+json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped just above


def _description(text: str, fallback: str) -> str:
    return Truncator(strip_tags(text or "").strip() or fallback).chars(200)


def _absolute(base: str, url: str) -> str:
    if not url:
        return ""
    return url if url.startswith(("http://", "https://")) else base + url


def _social(*, kind: str, title: str, description: str, url: str, image: str, site: str) -> dict:
    return {
        "type": kind,
        "title": title,
        "description": description,
        "url": url,
        "image": image,
        "site_name": site,
        "twitter_card": "summary_large_image" if image else "summary",
    }


def _breadcrumbs(base: str, trail: Iterable[tuple[str, str]]) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": base + path}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def home_meta(*, base: str, store_name: str, theme: StorefrontTheme) -> dict:
    image = _absolute(base, theme.hero_image_url or theme.logo_url)
    description = _description(theme.hero_text, f"Shop online at {store_name}.")
    organization: dict = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": store_name,
        "url": base + "/",
    }
    if theme.logo_url:
        organization["logo"] = _absolute(base, theme.logo_url)
    return {
        "social": _social(
            kind="website",
            title=theme.hero_heading or store_name,
            description=description,
            url=base + "/",
            image=image,
            site=store_name,
        ),
        "json_ld": [json_ld(organization)],
    }


def category_meta(
    *, base: str, store_name: str, category: Category, ancestors: list[Category], image: str = ""
) -> dict:
    trail = [("Home", "/")]
    trail += [(a.name, a.get_absolute_url()) for a in ancestors]
    trail.append((category.name, category.get_absolute_url()))
    return {
        "social": _social(
            kind="website",
            title=f"{category.name} · {store_name}",
            description=_description(category.description, f"{category.name} at {store_name}."),
            url=base + category.get_absolute_url(),
            image=_absolute(base, image),
            site=store_name,
        ),
        "json_ld": [json_ld(_breadcrumbs(base, trail))],
    }


def collection_meta(*, base: str, store_name: str, collection: Collection) -> dict:
    """Open Graph tags, a ``CollectionPage`` and the ``BreadcrumbList``; the merchant's SEO
    title and description win over the name and description."""
    url = base + collection.get_absolute_url()
    title = collection.seo_title or collection.name
    description = _description(
        collection.seo_description or collection.description, f"{collection.name} at {store_name}."
    )
    image = _absolute(base, collection.image.url) if collection.image else ""
    page = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": title,
        "description": description,
        "url": url,
    }
    if image:
        page["image"] = image
    return {
        "description": description,
        "social": _social(
            kind="website",
            title=f"{title} · {store_name}",
            description=description,
            url=url,
            image=image,
            site=store_name,
        ),
        "json_ld": [
            json_ld(page),
            json_ld(_breadcrumbs(base, [("Home", "/"), (collection.name, url[len(base) :])])),
        ],
    }


def product_meta(
    *,
    base: str,
    store_name: str,
    currency: str,
    product: Product,
    variants: list,
    available: Mapping[int, int],
    images: list,
    ancestors: list[Category],
    selected_variant=None,
) -> dict:
    """``Product`` with one ``Offer`` per variant (price, currency, live availability, SKU),
    ``aggregateRating`` when the product has reviews, and the ``BreadcrumbList``."""
    url = base + product.get_absolute_url()
    image_urls = [_absolute(base, image.image.url) for image in images if image.image]
    description = _description(
        product.seo_description or product.description, f"{product.name} at {store_name}."
    )
    offers = [
        {
            "@type": "Offer",
            "sku": variant.sku,
            "name": variant.name or product.name,
            "price": str(Decimal(variant.price).quantize(Decimal("0.01"))),
            "priceCurrency": currency,
            "availability": SCHEMA_IN_STOCK
            if available.get(variant.id, 0) > 0
            else SCHEMA_OUT_OF_STOCK,
            "url": f"{url}?variant={variant.id}",
            "itemCondition": "https://schema.org/NewCondition",
        }
        for variant in variants
    ]
    main = selected_variant or (variants[0] if variants else None)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": description,
        "url": url,
        "offers": offers,
    }
    if main is not None:
        data["sku"] = main.sku
        if main.barcode:
            data["gtin"] = main.barcode
    if image_urls:
        data["image"] = image_urls
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand}
    if product.rating_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating_avg),
            "reviewCount": product.rating_count,
            "bestRating": "5",
            "worstRating": "1",
        }
    trail = [("Home", "/")]
    trail += [(a.name, a.get_absolute_url()) for a in ancestors]
    trail.append((product.name, product.get_absolute_url()))
    social = _social(
        kind="product",
        title=product.seo_title or product.name,
        description=description,
        url=url,
        image=image_urls[0] if image_urls else "",
        site=store_name,
    )
    if main is not None:
        social["price"] = str(main.price)
        social["currency"] = currency
    return {"social": social, "json_ld": [json_ld(data), json_ld(_breadcrumbs(base, trail))]}
