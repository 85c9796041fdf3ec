"""Content-Security-Policy (django-csp) on every storefront and platform page: scripts and styles
from this host only, inline ones only with the response's nonce; no inline style attributes."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from apps.reviews import services as review_services
from tests.factories.accounts import UserFactory
from tests.factories.catalog import VariantFactory

STOREFRONT_PAGES = ["/", "/search/?q=mug", "/cart/", "/checkout/", "/account/login/",
                    "/account/signup/", "/account/password-reset/", "/no-such-page/"]  # fmt: skip
PLATFORM_PAGES = ["/", "/signup/"]
# Templates that storefront and platform pages render (the admin is out of the policy).
TEMPLATE_DIRS = ["storefront", "payments", "reviews", "tenants", "recommendations", "accounts"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["object-src"] == ["'none'"]
    assert not any("stripe" in source for sources in policy.values() for source in sources)


@pytest.mark.django_db
@pytest.mark.parametrize("path", STOREFRONT_PAGES)
def test_storefront_pages_send_a_strict_policy(store_client, path):
    response = store_client.get(path)

    assert response.status_code < 500
    _assert_strict(_policy(response))


@pytest.mark.django_db
@pytest.mark.parametrize("path", PLATFORM_PAGES)
def test_platform_pages_send_a_strict_policy(platform_client, path):
    response = platform_client.get(path)

    assert response.status_code == 200
    _assert_strict(_policy(response))


@pytest.mark.django_db
def test_an_inline_style_block_carries_the_nonce_of_its_response(store_client):
    variant = VariantFactory()
    author = UserFactory()
    review_services.submit_review(product_id=variant.product_id, author_id=author.id, rating=4,
                                  title="Good mug", throttle=False)  # fmt: skip

    response = store_client.get(variant.product.get_absolute_url())

    body = response.content.decode()
    nonces = re.findall(r'<style nonce="([^"]+)">', body)
    assert response.status_code == 200
    assert nonces and f"'nonce-{nonces[0]}'" in _policy(response)["style-src"]
    assert ".reviews-bar-4 { width: 100%; }" in body
    assert 'style="' not in body


def test_storefront_templates_have_no_inline_script_style_or_handler_without_a_nonce():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in sorted((Path(settings.BASE_DIR) / "templates" / folder).rglob("*.html")):
            text = path.read_text()
            checks = {
                "style attribute": re.findall(r"\sstyle=", text),
                "inline script": re.findall(
                    r"<script(?![^>]*\b(src|nonce)=)(?![^>]*json)[^>]*>", text
                ),  # fmt: skip
                "inline style": re.findall(r"<style(?![^>]*\bnonce=)[^>]*>", text),
                "event handler": re.findall(r"\son[a-z]+=\"", text),
                "javascript: URL": re.findall(r"javascript:", text),
            }
            offenders += [f"{path.name}: {what}" for what, found in checks.items() if found]

    assert offenders == []
