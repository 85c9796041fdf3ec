"""The product page's variant picker in Chromium, with and without JavaScript (issue 18)."""

import re

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.shop import SOLD_OUT, choose, open_shop


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_shopper_chooses_m_black_by_clicking_and_a_sold_out_one_cannot_be_added(
    committed_store, live_web, open_page, javascript
):
    shop = open_shop()
    m_black = shop.variant_id("M / Black")
    page = open_page(DESKTOP, javascript=javascript)
    product_url = live_web.url(committed_store.primary_host, shop.tee.get_absolute_url())
    page.goto(product_url)

    choose(page, "option-size", "M")
    choose(page, "option-color", "Black")
    if javascript:  # the page follows the choice at once
        page.wait_for_url(re.compile(rf"\?variant={m_black}$"))
        assert page.locator("legend", has_text="Size").inner_text() == "Size: M"
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    cart_lines = page.locator("main tbody tr").all_inner_texts()

    page.goto(product_url)
    choose(page, "option-size", "M")
    choose(page, "option-color", "White")
    add = page.get_by_role("button", name=re.compile("Add to cart|Sold out"))
    if javascript:
        sold_out_button_disabled = add.is_disabled()
        assert page.get_by_role("button", name="Email me when it is back").is_visible()
    else:  # the server refuses it and shows that variant's page
        add.click()
        page.wait_for_url(re.compile(rf"\?variant={shop.variant_id(SOLD_OUT)}$"))
        sold_out_button_disabled = True
        assert page.get_by_role("button", name="Email me when it is back").is_visible()
    page.goto(live_web.url(committed_store.primary_host, "/cart/"))
    cart_after = page.locator("main tbody tr").all_inner_texts()

    assert len(cart_lines) == 1 and "Granite T-shirt" in cart_lines[0]
    assert "M / Black" in cart_lines[0]
    assert sold_out_button_disabled
    assert cart_after == cart_lines  # nothing of M / White was added
