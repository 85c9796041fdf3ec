"""The payment page's Content-Security-Policy adds what its gateway declares (Stripe.js, its
frames and API) and nothing else; the test gateway's page keeps the storefront's strict one."""

import pytest

from apps.payments import services
from apps.payments.models import Payment
from tests.factories.payments import create_reserved_order


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _payment_page(store_client):
    order = create_reserved_order()
    start = services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")
    payment = Payment.objects.get(pk=start.payment_id)
    return store_client.get(f"/payments/{payment.token}/")


@pytest.mark.django_db
def test_the_stripe_payment_page_allows_stripe_js_and_its_frames_only(stripe_store, store_client):
    response = _payment_page(store_client)

    policy = _policy(response)
    assert response.status_code == 200
    assert policy["script-src"][:1] == ["'self'"]
    assert "https://js.stripe.com" in policy["script-src"]
    assert set(policy["frame-src"]) == {
        "'self'",
        "https://js.stripe.com",
        "https://hooks.stripe.com",
    }
    assert set(policy["connect-src"]) == {"'self'", "https://api.stripe.com"}
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "<script>" not in response.content.decode()  # the page's own code is a static file


@pytest.mark.django_db
def test_the_test_gateway_page_keeps_the_strict_policy(store_client):
    response = _payment_page(store_client)

    policy = _policy(response)
    assert response.status_code == 200
    assert not any("stripe" in source for sources in policy.values() for source in sources)
