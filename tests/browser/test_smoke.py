"""The browser harness itself: a real Chromium reaches a store through gunicorn and buys."""

import re

from tests.browser.conftest import DESKTOP
from tests.shopping import stocked_variant


def test_a_shopper_adds_a_product_to_the_cart_in_chromium(
    committed_store, live_web, open_page, axe_violations
):
    variant = stocked_variant(price="20.00", stock=5)
    page = open_page(DESKTOP)

    page.goto(live_web.url(committed_store.primary_host, variant.product.get_absolute_url()))
    product_page_violations = axe_violations(page)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/"))

    assert variant.product.name in page.locator("main").inner_text()
    assert product_page_violations == []
