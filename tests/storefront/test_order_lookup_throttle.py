"""Guest order lookup is throttled per client address (order numbers are sequential)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories.payments import OrderFactory


def _lookup(client: Client, number: int, email: str):
    return client.post("/orders/lookup/", {"number": number, "email": email})


@pytest.mark.django_db
def test_lookups_past_the_limit_answer_429_for_that_address_only(store):
    order = OrderFactory(email="me@example.test")
    guesser = Client(HTTP_HOST=store.primary_host, REMOTE_ADDR="203.0.113.9")
    shopper = Client(HTTP_HOST=store.primary_host, REMOTE_ADDR="198.51.100.3")

    answers = [_lookup(guesser, order.number + n, "x@example.test").status_code
               for n in range(40)]  # fmt: skip
    right_pair = _lookup(guesser, order.number, "me@example.test")
    shopper_finds = _lookup(shopper, order.number, "me@example.test")

    limit = settings.ORDER_LOOKUPS_PER_IP
    assert answers == [200] * limit + [429] * (40 - limit)
    assert right_pair.status_code == 429
    assert "Too many lookups from your network" in right_pair.content.decode()
    assert right_pair["Retry-After"] == str(settings.ORDER_LOOKUP_WINDOW_SECONDS)
    assert shopper_finds.status_code == 302
    assert shopper_finds["Location"] == f"/orders/{order.token}/"
