"""A guest's whole journey in Chromium at desktop and phone widths (issue 18's acceptance).

home → category (filter, sort) → search with a typo → product (pick a variant) → cart (change
the quantity) → checkout with a voucher → test card → confirmation. At 390 px every page of it
must fit the screen (no sideways scroll) and pass axe-core with no serious or critical finding.
"""

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, scrolls_sideways
from tests.browser.shop import choose, fill_shipping_address, open_shop


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_guest_buys_a_t_shirt_from_home_page_to_confirmation(
    committed_store, live_web, open_page, axe_violations, width
):
    shop = open_shop()
    page = open_page(width)
    problems: dict[str, object] = {}

    def check(name: str) -> None:
        if width == PHONE:
            if scrolls_sideways(page):
                problems[f"{name}: scrolls sideways"] = page.evaluate(
                    "document.documentElement.scrollWidth"
                )
            if violations := axe_violations(page):
                problems[f"{name}: axe"] = violations

    page.goto(live_web.url(committed_store.primary_host, "/"))
    check("home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Apparel").click()
    page.wait_for_url(re.compile(r"/categories/apparel/"))
    if width == PHONE:
        page.get_by_text("Filters", exact=True).click()
    page.get_by_role("link", name=re.compile("In stock")).click()
    page.wait_for_url(re.compile(r"in_stock=1"))
    page.get_by_role("link", name="Price: high to low").click()
    page.wait_for_url(re.compile(r"sort=price-desc|sort=price_desc"))
    check("category")
    names = page.locator(".grid h3").all_inner_texts()

    page.get_by_role("searchbox", name="Search products").fill("granit")
    page.get_by_role("searchbox", name="Search products").press("Enter")
    page.wait_for_url(re.compile(r"/search/"))
    check("search")
    page.locator(".grid").get_by_role("link", name=re.compile("Granite T-shirt")).first.click()

    page.wait_for_url(re.compile(r"/products/granite-t-shirt/"))
    choose(page, "option-size", "L")
    choose(page, "option-color", "White")
    page.wait_for_url(re.compile(rf"\?variant={shop.variant_id('L / White')}$"))
    check("product")
    page.get_by_role("button", name="Add to cart").click()

    page.wait_for_url(re.compile(r"/cart/$"))
    page.get_by_role("spinbutton", name="Quantity").fill("2")
    page.get_by_role("button", name="Update").click()
    page.wait_for_load_state()
    check("cart")
    cart_text = page.locator("main").inner_text()
    page.get_by_role("button", name="Check out").click()

    page.wait_for_url(re.compile(r"/checkout/[0-9a-f-]{36}/"))
    fill_shipping_address(page, "guest@example.test")
    page.get_by_role("button", name="Update delivery options").click()
    page.get_by_role("radio", name=re.compile("Standard")).check()
    page.get_by_label("Voucher code").fill("WELCOME10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    check("checkout")
    summary = page.locator(".summary").inner_text()
    summary_above_pay = page.evaluate(
        """() => document.querySelector('.summary').getBoundingClientRect().top
                 < document.querySelector('button[value=pay]').getBoundingClientRect().top"""
    )
    page.get_by_role("button", name="Continue to payment").click()

    page.wait_for_url(re.compile(r"/payments/"))
    check("payment")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_role("button", name=re.compile("^Pay ")).click()

    page.wait_for_url(re.compile(r"/orders/"))
    check("confirmation")
    confirmation = page.locator("main").inner_text()

    assert names and all("Granite" in n or "Mug" in n for n in names)
    assert "L / White" in cart_text and "40.00" in cart_text
    assert "WELCOME10" in summary
    assert summary_above_pay or width == DESKTOP
    assert "Thank you" in confirmation and "L / White" in confirmation
    assert problems == {}
