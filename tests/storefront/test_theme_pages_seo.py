"""The storefront wears the store's theme, shows its pages, and describes itself to search
engines and link previews (JSON-LD, Open Graph) on the store's own host."""

import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from apps.catalog import services as catalog_services
from apps.content import selectors, services
from apps.content.models import FooterLink, Page
from apps.inventory import services as inventory_services
from tests.content.test_services import png_upload
from tests.factories.catalog import CategoryFactory
from tests.factories.inventory import WarehouseFactory


class HeadParser(HTMLParser):
    """The page's JSON-LD blocks and meta tags."""

    def __init__(self):
        super().__init__()
        self.json_ld: list = []
        self.meta: dict[str, str] = {}
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))


def parse(response) -> HeadParser:
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.django_db
def test_home_page_applies_the_theme_colours_logo_hero_announcement_and_footer(store_client):
    theme = selectors.get_theme()
    theme.primary_color = "#8a1c3b"
    theme.accent_color = "#ffd166"
    theme.logo = png_upload()
    theme.hero_heading = "Goods for slow mornings"
    theme.hero_text = "Mugs, tees & posters"
    theme.announcement = "Free shipping over $50"
    theme.announcement_link = "/pages/shipping/"
    theme.footer_text = "Made in Lisbon"
    services.save_theme(theme=theme, logo_changed=True)
    FooterLink.objects.create(theme=theme, label="Instagram", url="https://instagram.com/x")

    body = store_client.get("/").content.decode()

    assert "--brand-primary:#8a1c3b" in body
    assert "--brand-primary-ink:#ffffff" in body  # white reads on the dark red
    assert "--brand-accent-ink:#1d1d1f" in body  # ink reads on the yellow
    assert re.search(r'<img class="brand-logo" src="/media/teststore/theme/logo[^"]*\.png"', body)
    assert 'rel="icon" href="/media/teststore/theme/favicon-32.png"' in body
    assert 'rel="apple-touch-icon" href="/media/teststore/theme/favicon-180.png"' in body
    assert "<h1>Goods for slow mornings</h1>" in body and "Mugs, tees &amp; posters" in body
    assert '<a href="/pages/shipping/">Free shipping over $50</a>' in body
    assert "Made in Lisbon" in body and 'href="https://instagram.com/x">Instagram' in body


@pytest.mark.django_db
def test_a_store_without_a_logo_keeps_the_default_favicon_and_its_name(store_client, store):
    body = store_client.get("/").content.decode()

    assert 'rel="icon" href="/favicon.ico"' in body
    assert f'class="brand" href="/">{store.name}</a>' in body


@pytest.mark.django_db
def test_policy_pages_are_linked_from_the_footer_and_the_checkout(store_client):
    from tests.shopping import stocked_variant

    home = store_client.get("/").content.decode()
    store_client.post("/cart/add/", {"variant_id": stocked_variant().id, "quantity": 1})
    start = store_client.post("/checkout/")
    page = store_client.get(start["Location"]).content.decode()

    footer = home.split('<footer class="site-footer">')[1]
    pages = [
        ("about", "About us"),
        ("shipping", "Shipping policy"),
        ("returns", "Returns and refunds"),
        ("terms", "Terms of service"),
    ]
    for slug, title in pages:
        assert f'<a href="/pages/{slug}/">{title}</a>' in footer
    policies = page.split('class="policy-links')[1].split("</p>")[0]
    assert all(f"/pages/{s}/" in policies for s in ("shipping", "returns", "privacy", "terms"))


@pytest.mark.django_db
def test_a_page_renders_sanitised_markdown_and_an_unpublished_one_is_a_404(store_client):
    page = Page.objects.get(slug="returns")
    page.body = "## Returns\n\nWithin **30 days**.\n\n<script>alert('pwned')</script>"
    services.save_page(page=page)
    Page.objects.filter(slug="about").update(published=False)

    response = store_client.get("/pages/returns/")
    hidden = store_client.get("/pages/about/")
    home = store_client.get("/").content.decode()

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Returns</h2>" in body and "<strong>30 days</strong>" in body
    assert "pwned" not in body and "<script>alert" not in body
    assert hidden.status_code == 404
    assert "/pages/about/" not in home


@pytest.mark.django_db
def test_the_contact_form_emails_the_merchant_and_reports_bad_input(
    store_client, django_capture_on_commit_callbacks
):
    from config.celery import app as celery_app

    bad = store_client.post("/pages/contact/", {"name": "", "email": "nope", "message": "hi"})
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sent = store_client.post(
                "/pages/contact/",
                {"name": "Ada", "email": "ada@example.test", "message": "Where is my order?"},
                REMOTE_ADDR="192.0.2.10",
            )
    finally:
        celery_app.conf.task_always_eager = False
    followed = store_client.get("/pages/contact/").content.decode()

    assert bad.status_code == 400
    assert "errorlist" in bad.content.decode()
    assert sent.status_code == 302
    assert "your message was sent" in followed
    [email] = mail.outbox
    assert email.reply_to == ["ada@example.test"] and "Where is my order?" in email.body


@pytest.mark.django_db
def test_a_filled_honeypot_looks_sent_but_stores_and_emails_nothing(store_client):
    from apps.content.models import ContactMessage

    response = store_client.post(
        "/pages/contact/",
        {"name": "Bot", "email": "bot@example.test", "message": "Buy now!!", "website": "x.biz"},
    )

    assert response.status_code == 302
    assert ContactMessage.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_posting_to_a_page_that_is_not_the_contact_page_redirects_to_it(store_client):
    response = store_client.post("/pages/terms/", {"message": "x"})

    assert response.status_code == 302 and response["Location"] == "/pages/terms/"


def _product_with_stock_and_rating():
    top = CategoryFactory(name="Apparel", slug="apparel")
    leaf = CategoryFactory(name="Tees", slug="tees", parent=top)
    product = catalog_services.create_product_with_variants(
        name="Granite Tee",
        category=leaf,
        price=Decimal("24.00"),
        sku_prefix="GRT",
        options={"Size": ["S", "M"]},
        brand="Northwind",
        description="A <b>soft</b> tee.",
    )
    catalog_services.add_product_image(product=product, image=png_upload("tee.png"))
    small, medium = product.variants.order_by("id")
    inventory_services.receive_stock(
        variant_id=small.id, warehouse_id=WarehouseFactory().id, quantity=3
    )
    type(product).objects.filter(pk=product.pk).update(rating_avg=Decimal("4.50"), rating_count=2)
    return product, small, medium


@pytest.mark.django_db
def test_product_page_carries_product_and_breadcrumb_json_ld_with_live_availability(
    store_client,
):
    product, small, medium = _product_with_stock_and_rating()

    head = parse(store_client.get("/products/granite-tee/"))

    [data, crumbs] = head.json_ld
    assert data["@type"] == "Product" and data["name"] == "Granite Tee"
    assert data["brand"] == {"@type": "Brand", "name": "Northwind"}
    assert data["sku"] == small.sku
    assert data["image"][0].startswith("http://teststore.localhost/media/teststore/products/")
    assert data["aggregateRating"]["ratingValue"] == "4.50"
    assert data["aggregateRating"]["reviewCount"] == 2
    offers = {offer["sku"]: offer for offer in data["offers"]}
    assert offers[small.sku]["price"] == "24.00" and offers[small.sku]["priceCurrency"] == "USD"
    assert offers[small.sku]["availability"] == "https://schema.org/InStock"
    assert offers[medium.sku]["availability"] == "https://schema.org/OutOfStock"
    assert crumbs["@type"] == "BreadcrumbList"
    names = [item["name"] for item in crumbs["itemListElement"]]
    assert names == ["Home", "Apparel", "Tees", "Granite Tee"]
    assert (
        crumbs["itemListElement"][-1]["item"] == "http://teststore.localhost/products/granite-tee/"
    )
    assert head.meta["og:type"] == "product"
    assert head.meta["og:url"] == "http://teststore.localhost/products/granite-tee/"
    assert head.meta["og:image"] == data["image"][0]
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["og:description"] == "A soft tee."


@pytest.mark.django_db
def test_json_ld_cannot_be_broken_out_of_by_a_product_name(store_client):
    product, _, _ = _product_with_stock_and_rating()
    type(product).objects.filter(pk=product.pk).update(name="Tee </script><script>alert(1)")

    body = store_client.get("/products/granite-tee/").content.decode()

    assert "</script><script>alert(1)" not in body
    assert (
        parse(store_client.get("/products/granite-tee/"))
        .json_ld[0]["name"]
        .endswith("<script>alert(1)")
    )


@pytest.mark.django_db
def test_category_page_has_a_breadcrumb_list_and_open_graph_tags(store_client):
    top = CategoryFactory(name="Home goods", slug="home-goods")
    CategoryFactory(name="Mugs", slug="mugs", parent=top, description="Stoneware mugs.")

    head = parse(store_client.get("/categories/mugs/"))

    [crumbs] = head.json_ld
    assert [i["item"] for i in crumbs["itemListElement"]] == [
        "http://teststore.localhost/",
        "http://teststore.localhost/categories/home-goods/",
        "http://teststore.localhost/categories/mugs/",
    ]
    assert head.meta["og:title"].startswith("Mugs")
    assert head.meta["og:description"] == "Stoneware mugs."


@pytest.mark.django_db
def test_home_page_open_graph_uses_the_store_host_and_the_public_base(store_client, settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", "8443"
    theme = selectors.get_theme()
    theme.logo = png_upload()
    theme.hero_heading = "Hello"
    services.save_theme(theme=theme, logo_changed=True)

    head = parse(store_client.get("/"))

    assert head.meta["og:url"] == "https://teststore.localhost:8443/"
    assert head.meta["og:image"].startswith("https://teststore.localhost:8443/media/teststore/")
    assert head.meta["og:title"] == "Hello"
    assert head.json_ld[0]["@type"] == "Organization"


@pytest.mark.django_db
def test_the_admin_preview_shows_unsaved_values_on_the_home_page_and_saves_nothing(
    store_client,
):
    owner = get_user_model().objects.get(email="owner@teststore.test")
    store_client.force_login(owner)
    theme = selectors.get_theme()

    response = store_client.post(
        "/admin/content/storetheme/preview/",
        {
            "primary_color": "#22305e",
            "accent_color": "#f4a261",
            "announcement": "Preview sale",
            "footer_links-TOTAL_FORMS": "0",
            "footer_links-INITIAL_FORMS": "0",
        },  # fmt: skip
    )
    preview = store_client.get(response["Location"]).content.decode()
    plain = store_client.get("/").content.decode()

    assert response.status_code == 302 and response["Location"].startswith("/?theme_preview=")
    assert "--brand-primary:#22305e" in preview and "Preview sale" in preview
    assert 'content="noindex"' in preview and "Preview of unsaved theme settings" in preview
    assert "--brand-primary:#22305e" not in plain and "Preview sale" not in plain
    theme.refresh_from_db()
    assert theme.primary_color == "#0b6e4f"


@pytest.mark.django_db
def test_a_forged_preview_token_is_ignored(store_client):
    body = store_client.get("/?theme_preview=eyJ4IjoxfQ:forged:sig").content.decode()

    assert "Preview of unsaved" not in body and "--brand-primary:#0b6e4f" in body


@pytest.mark.django_db
def test_published_pages_are_in_the_sitemap_on_the_public_base(store_client):
    Page.objects.filter(slug="privacy").update(published=False)

    index = store_client.get("/sitemap.xml").content.decode()
    pages = store_client.get("/sitemap-pages.xml").content.decode()

    assert "http://teststore.localhost/sitemap-pages.xml" in index
    assert "<loc>http://teststore.localhost/pages/returns/</loc>" in pages
    assert "/pages/privacy/" not in pages
