"""Theme settings change the storefront in a real Chromium; policy pages are linked and safe.

Screenshots of the themed storefront and of the admin's theme page are written to
bench/screenshots/ (storefront-theme-{desktop,phone}.png, admin-theme-desktop.png).
"""

import os
import re
from decimal import Decimal

from django.conf import settings

from apps.catalog import services as catalog_services
from apps.content import selectors as content_selectors
from apps.content import services as content_services
from apps.content.models import Page
from apps.demo import storefront as demo_storefront
from apps.inventory import services as inventory_services
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import TEST_PASSWORD
from tests.factories.catalog import CategoryFactory
from tests.factories.inventory import WarehouseFactory
from tests.live_server import let_server_check_password

# The committed screenshots are refreshed on request (SAVE_SCREENSHOTS=1); a plain test run
# writes them under .data/ and leaves the checkout clean.
SCREENSHOTS = settings.BASE_DIR / (
    "bench/screenshots" if os.environ.get("SAVE_SCREENSHOTS") else ".data/test-screenshots"
)
PRIMARY = "#8a1c3b"


def _themed_store_with_products():
    # The demo store's theme: drawn logo and banner, #8a1c3b / #f2c14e, announcement, links.
    demo_storefront.seed_storefront()
    category = CategoryFactory(name="Apparel", slug="apparel")
    warehouse = WarehouseFactory()
    for position, (name, kind, colors) in enumerate(
        [
            ("Granite T-shirt", "T-shirt", ["Navy"]),
            ("Harbor Mug", "Mug", ["Black"]),
            ("Alpine Hoodie", "Hoodie", ["Forest"]),
            ("Aurora Poster", "Poster", []),
        ]  # fmt: skip
    ):
        product = catalog_services.create_product_with_variants(
            name=name,
            category=category,
            price=Decimal("24.00") + position,
            sku_prefix=f"TH{position}",
            options={},
            featured=True,
        )
        demo_storefront.add_product_pictures(product=product, kind=kind, colors=colors)
        inventory_services.receive_stock(
            variant_id=product.variants.get().id, warehouse_id=warehouse.id, quantity=5
        )


def test_theme_colour_and_logo_show_on_the_storefront_at_both_widths(
    committed_store, live_web, open_page
):
    _themed_store_with_products()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for width, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = open_page(width)
        page.goto(live_web.url(committed_store.primary_host, "/"))

        brand = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--brand-primary')"
        )
        hero = page.evaluate(
            "getComputedStyle(document.querySelector('.theme-hero')).backgroundColor"
        )
        logo = page.locator("header img.brand-logo")
        logo_width = logo.evaluate("img => img.complete ? img.naturalWidth : 0")
        icon = page.evaluate("document.querySelector('link[rel=icon]').getAttribute('href')")
        bar = page.locator(".announcement-bar")
        # Lazy images below the fold would be blank in a full-page screenshot: load them all.
        page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
        # Polled from here: wait_for_function evaluates a string in the page, which the
        # store's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
        for _ in range(100):
            if page.evaluate("[...document.images].every(i => i.complete)"):
                break
            page.wait_for_timeout(100)
        page.screenshot(path=SCREENSHOTS / f"storefront-theme-{name}.png", full_page=True)

        assert brand.strip() == PRIMARY
        assert hero == "rgb(138, 28, 59)"
        assert logo.is_visible() and logo_width > 0
        assert logo.get_attribute("alt") == committed_store.name
        assert icon.endswith("/theme/favicon-32.png")
        assert bar.is_visible() and "Free shipping" in bar.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_policy_pages_are_linked_from_the_footer_and_render_sanitised_markdown(
    committed_store, live_web, open_page
):
    returns = Page.objects.get(slug="returns")
    returns.body = (
        "## Thirty days\n\nReturn **unused** items.\n\n"
        "<script>document.title = 'pwned'</script>\n\n<p onmouseover=\"alert(1)\">Hover</p>"
    )
    content_services.save_page(page=returns)
    page = open_page(DESKTOP)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(live_web.url(committed_store.primary_host, "/"))
    page.locator("footer").get_by_role("link", name="Returns and refunds").click()
    page.wait_for_url(re.compile(r"/pages/returns/$"))
    page.get_by_text("Hover").hover()

    assert page.locator("h1").inner_text() == "Returns and refunds"
    assert page.locator(".rich-text h2").inner_text() == "Thirty days"
    assert page.locator(".rich-text strong").inner_text() == "unused"
    assert page.locator(".rich-text script").count() == 0
    assert page.locator("[onmouseover]").count() == 0
    assert "pwned" not in page.title() and dialogs == []


def test_admin_theme_page_screenshot(committed_store, live_web, open_page):
    email = f"owner@{committed_store.schema_name}.test"
    let_server_check_password(email, TEST_PASSWORD)
    page = open_page(DESKTOP)

    login = "/admin/login/?next=/admin/content/storetheme/"
    page.goto(live_web.url(committed_store.primary_host, login))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/content/storetheme/\d+/change/"))
    page.fill("input[name=primary_color]", "#ffee00")
    page.locator("input[name=_continue]").click()
    error = page.locator(".errorlist").first.inner_text()
    page.fill("input[name=primary_color]", PRIMARY)
    page.fill("input[name=announcement]", "Summer sale: 20% off prints")
    page.locator("input[name=_continue]").click()
    page.wait_for_selector(".messagelist .success")
    page.screenshot(path=SCREENSHOTS / "admin-theme-desktop.png", full_page=True)

    assert "4.5:1" in error
    assert content_selectors.get_theme().announcement == "Summer sale: 20% off prints"
