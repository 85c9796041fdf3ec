"""The demo store looks like a shop: drawn product pictures, a theme, its pages."""

import random
import time
from io import BytesIO

import pytest
from PIL import Image

from apps.catalog.models import Product, ProductImage
from apps.content import selectors as content_selectors
from apps.content.models import Page
from apps.demo import images, seeding
from apps.demo import storefront as demo_storefront


def test_product_pictures_are_small_jpegs_that_differ_by_kind_and_colour():
    started = time.perf_counter()
    pictures = {
        (kind, color): images.product_picture(kind=kind, name=f"Granite {kind}", color=color)
        for kind in images.KINDS
        for color in ("Black", "White", "Forest", "Navy")
    }
    per_picture = (time.perf_counter() - started) / len(pictures)

    coloured = [p for (kind, _), p in pictures.items() if kind not in ("Poster", "Tote bag")]
    assert len(set(coloured)) == len(coloured)  # posters and totes come in one colour
    for data in pictures.values():
        picture = Image.open(BytesIO(data))
        assert picture.format == "JPEG" and picture.size == (480, 480)
        assert 3_000 < len(data) < 40_000
    assert per_picture < 0.5  # about 0.05 s on a laptop core


@pytest.mark.django_db
def test_every_demo_product_has_a_picture_per_colour_with_thumbnails_ready():
    seeding.seed_catalog(rng=random.Random(2026))

    tee = Product.objects.filter(name__endswith="T-shirt").first()
    poster = Product.objects.filter(name__endswith="Poster").first()
    assert not Product.objects.filter(images__isnull=True).exists()
    assert list(tee.images.values_list("alt_text", flat=True)) == [
        f"{tee.name} in Black", f"{tee.name} in White", f"{tee.name} in Forest",
    ]  # fmt: skip
    assert poster.images.count() == 1
    assert not ProductImage.objects.filter(thumbnail_medium="").exists()


@pytest.mark.django_db
def test_the_demo_theme_has_a_logo_favicons_banner_and_an_about_page(store_client):
    demo_storefront.seed_storefront()

    theme = content_selectors.get_theme()
    body = store_client.get("/").content.decode()
    assert theme.primary_color == "#8a1c3b" and theme.logo and theme.hero_image
    assert theme.favicon_32 and theme.favicon_180
    assert "Everyday goods, made to last" in body and "WELCOME10" in body
    assert "Mercato on GitHub" in body
    assert "everyday goods that last" in Page.objects.get(slug="about").body
