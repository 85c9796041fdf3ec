"""Screenshot the demo storefront's journey at desktop and phone widths with headless Chromium.

    gunicorn config.wsgi -b 127.0.0.1:8103 &      # the platform, demo store seeded
    python bench/screenshots.py [--port 8103] [--out bench/screenshots] [--collection]

A guest walks home → category → product (M / Black) → cart → checkout (WELCOME10) → payment →
confirmation with Playwright for Python driving Debian's ``/usr/bin/chromium``, at 1280 and
390 px, and each page is saved as ``storefront-<page>-{desktop,phone}.png`` (the whole page,
down to 2,400 px). The run places two real test-mode orders in the demo store. Prints the
files written and, per page, whether it scrolls sideways. ``--collection`` shoots only a
collection's page (``storefront-collection-*.png``: the demo's Summer edit), placing no order;
``--currency EUR`` chooses that market in the header and shoots home, product and cart in it
(``storefront-{home,product,cart}-eur-*.png``).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PRODUCT = "/products/granite-t-shirt/"
MAX_HEIGHT = 2400


def walk(page, base: str, shoot) -> None:
    page.goto(f"{base}/")
    shoot("home")
    page.get_by_role("navigation", name="Main").get_by_role("link").first.click()
    page.wait_for_load_state()
    shoot("category")
    page.goto(f"{base}{PRODUCT}")
    for param, value in (("option-size", "M"), ("option-color", "Black")):
        page.locator(f'label.choice:has(input[name="{param}"][value="{value}"])').click()
    shoot("product")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    shoot("cart")
    page.get_by_role("button", name="Check out").click()
    page.wait_for_url("**/checkout/*/")
    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address", exact=True).fill("12 Analytical Way")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postal code").fill("12345")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Update delivery options").click()
    page.wait_for_load_state()
    page.get_by_role("radio").first.check()
    page.get_by_label("Voucher code").fill("WELCOME10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    shoot("checkout")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url("**/payments/**")
    shoot("payment")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_role("button", name="Pay", exact=False).last.click()
    page.wait_for_url("**/orders/**")
    shoot("confirmation")


def walk_collection(page, base: str, shoot) -> None:
    page.goto(f"{base}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Summer edit").click()
    page.wait_for_load_state()
    shoot("collection")


def walk_in_currency(currency: str):
    """Choose ``currency`` in the header, then the home page, a product and the cart in it."""

    def journey(page, base: str, shoot) -> None:
        page.goto(f"{base}/")
        page.get_by_label("Currency").select_option(currency)
        page.get_by_role("button", name="Change").click()
        page.wait_for_load_state()
        shoot(f"home-{currency.lower()}")
        page.goto(f"{base}{PRODUCT}")
        for param, value in (("option-size", "M"), ("option-color", "Black")):
            page.locator(f'label.choice:has(input[name="{param}"][value="{value}"])').click()
        shoot(f"product-{currency.lower()}")
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_url("**/cart/")
        shoot(f"cart-{currency.lower()}")

    return journey


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--host", default="demo.localhost")
    parser.add_argument("--out", default=str(Path(__file__).parent / "screenshots"))
    parser.add_argument("--collection", action="store_true", help="only a collection's page")
    parser.add_argument("--currency", default="", help="home, product and cart in a market's "
                        "currency, chosen in the header (e.g. EUR)")  # fmt: skip
    args = parser.parse_args()
    journey = walk_collection if args.collection else walk
    if args.currency:
        journey = walk_in_currency(args.currency.upper())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = f"http://{args.host}:{args.port}"
    written: dict[str, bool] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for label, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(20_000)
            page = context.new_page()

            def shoot(name: str, page=page, label=label, width=width) -> None:
                path = out / f"storefront-{name}-{label}.png"
                # The whole page, down to MAX_HEIGHT (a phone's category page is 10,000 px).
                height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
                page.screenshot(
                    path=path,
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
                written[str(path)] = page.evaluate(
                    "document.documentElement.scrollWidth > window.innerWidth"
                )

            journey(page, base, shoot)
            context.close()
        browser.close()
    sys.stdout.write(json.dumps({"scrolls_sideways": written}, indent=1) + "\n")


if __name__ == "__main__":
    main()
