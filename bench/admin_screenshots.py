"""Screenshot the store admin's dashboard, product page, order page and settings at 1400 px and
390 px with Debian's Chromium driven by Playwright; print the files written.

    gunicorn config.wsgi -b 127.0.0.1:8104 &      # the platform, demo store seeded
    python bench/admin_screenshots.py [--port 8104] [--out bench/screenshots]

Signs in to http://demo.localhost:<port>/admin/ as the demo owner and saves full-page PNGs
named ``admin-<page>-<width>.png`` (dashboard, a product, an order, settings, markets).
"""

import argparse
import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OWNER = ("owner@demo.mercato.local", "mercato-demo-2026")
WIDTHS = (1400, 390)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--host", default="demo.localhost")
    parser.add_argument("--out", default="bench/screenshots")
    parser.add_argument("--product", default="", help="admin path of the product page")
    parser.add_argument("--order", default="", help="admin path of the order page")
    args = parser.parse_args()
    base = f"http://{args.host}:{args.port}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/admin/login/?next=/admin/")
            page.get_by_label("Email").fill(OWNER[0])
            page.get_by_label("Password").fill(OWNER[1])
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/admin/")
            product = args.product or page.evaluate(
                "fetch('/admin/catalog/product/').then(r => r.text()).then(t => "
                't.match(/href="(\\/admin\\/catalog\\/product\\/\\d+\\/change\\/)/)[1])'
            )
            order = args.order or page.evaluate(
                "fetch('/admin/orders/order/').then(r => r.text()).then(t => "
                't.match(/href="(\\/admin\\/orders\\/order\\/\\d+\\/change\\/)/)[1])'
            )
            pages = {"dashboard": "/admin/", "product": product, "order": order,
                     "settings": "/admin/store-settings/",
                     "markets": "/admin/markets/market/"}  # fmt: skip
            for name, path in pages.items():
                page.goto(base + path)
                target = out / f"admin-{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(str(target))
            context.close()
        browser.close()
    sys.stdout.write(json.dumps({"screenshots": written}) + "\n")


if __name__ == "__main__":
    main()
