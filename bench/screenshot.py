"""Screenshot the demo store's dashboard home (and a review page) with headless Chromium.

    gunicorn config.wsgi -b 127.0.0.1:8103 &      # the platform, demo store seeded
    python bench/screenshot.py [--port 8103] [--out bench/screenshots]

Signs in to http://demo.localhost:<port>/admin/ as the demo owner over HTTP, saves the page's
HTML with a <base> pointing at the server (so styles load), and has Chromium
(``chromium-headless-shell`` or ``chromium``, Debian packages) render it to PNG. Prints JSON.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

OWNER = ("owner@demo.mercato.local", "mercato-demo-2026")


class Session:
    """Just enough of an HTTP client: a Host header for the store and a cookie jar."""

    def __init__(self, port: int, host: str):
        self.port, self.host, self.cookies = port, host, SimpleCookie()

    def request(self, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": f"{self.host}:{self.port}", "Cookie": self._cookie_header()}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        return response.status, response.read().decode()

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())


def chromium() -> str:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    sys.exit("No Chromium found: apt-get install chromium-headless-shell")


def shoot(url: str, out: Path, *, width: int = 1400, height: int = 2200) -> None:
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={width},{height}", f"--screenshot={out}", url],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def most_reviewed_product_slug(schema: str) -> str | None:
    """Read from the database (same DATABASE_URL as the server) which product to show."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db.models import Count, Q
    from django_tenants.utils import schema_context

    from apps.catalog.models import Product

    with schema_context(schema):
        product = (
            Product.objects.annotate(n=Count("reviews", filter=Q(reviews__status="published")))
            .order_by("-n", "id")
            .first()
        )
        return product.slug if product else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--host", default="demo.localhost")
    parser.add_argument("--out", default=str(Path(__file__).parent / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    session = Session(args.port, args.host)
    status, page = session.request("GET", "/admin/login/?next=/admin/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, _ = session.request(
        "POST", "/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": OWNER[0], "password": OWNER[1],
         "next": "/admin/"},
    )  # fmt: skip
    if status != 302:
        sys.exit(f"sign-in failed (HTTP {status})")
    status, html = session.request("GET", "/admin/")
    base = f'<base href="http://{args.host}:{args.port}/">'
    html = html.replace("<head>", f"<head>{base}", 1)
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as page_file:
        page_file.write(html)
    dashboard_png = out / "dashboard.png"
    shoot(Path(page_file.name).as_uri(), dashboard_png)

    result = {"dashboard": str(dashboard_png), "dashboard_http_status": status}
    slug = most_reviewed_product_slug(args.host.split(".")[0])
    if slug:
        reviews_png = out / "reviews.png"
        shoot(f"http://{args.host}:{args.port}/reviews/product/{slug}/", reviews_png, height=1600)
        result["reviews"] = str(reviews_png)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
