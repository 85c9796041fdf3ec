"""Listing, search and product pages stay light: HTML + CSS under 100 KB uncompressed, and
nothing from another host can block rendering (issue 18).

Measured with Django's test client (the bytes a browser downloads for the document and its
stylesheets), on pages at their fullest: a full page of 24 cards, a product of 48 variants.
"""

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from apps.catalog import services as catalog_services
from apps.catalog.models import Category

BUDGET = 100 * 1024
SIZES, COLOURS = ["XS", "S", "M", "L", "XL", "XXL"], ["Black", "White", "Navy", "Red"] * 2


def _static_bytes(url: str) -> int:
    path = urlsplit(url).path.removeprefix(settings.STATIC_URL)
    return (Path(settings.BASE_DIR) / "static" / path).stat().st_size


def _render_blocking(html: str) -> list[str]:
    """Stylesheets, and scripts without async/defer/module, in the order the parser meets them."""
    blocking = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
    for attrs in re.findall(r"<script([^>]*)>", html):
        src = re.search(r'src="([^"]+)"', attrs)
        if src and not re.search(r"\b(async|defer)\b|type=\"module\"", attrs):
            blocking.append(src[1])
    return blocking


@pytest.mark.django_db
def test_listing_search_and_product_pages_weigh_under_100_kb_with_their_css(store_client):
    category = Category.objects.create(name="Apparel", slug="apparel")
    for number in range(30):
        catalog_services.create_product_with_variants(
            name=f"Heavyweight Cotton T-shirt {number}", category=category,
            price=Decimal("25.00"), compare_at_price=Decimal("30.00"), sku_prefix=f"T{number}",
            brand="Mercato Basics", description="Made to last. " * 20,
            options={"Size": SIZES, "Color": [f"{c} {i}" for i, c in enumerate(COLOURS)]},
        )  # fmt: skip
    pages = ["/categories/apparel/", "/search/?q=cotton", "/products/heavyweight-cotton-t-shirt-0/"]

    weights, third_party = {}, {}
    for url in pages:
        response = store_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        stylesheets = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
        weights[url] = len(response.content) + sum(_static_bytes(s) for s in stylesheets)
        third_party[url] = [u for u in _render_blocking(html) if not u.startswith("/")]

    assert all(weight < BUDGET for weight in weights.values()), weights
    assert third_party == {url: [] for url in pages}
