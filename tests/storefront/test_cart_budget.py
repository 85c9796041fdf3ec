"""Add to cart, the step shoppers wait on most (issue 24: p95 < 100 ms at 16 shoppers): a guest's
add and the cart page it redirects to stay a bounded number of SQL statements and Redis round
trips, counted at the driver (Django's statements and the raw psycopg ones alike)."""

import threading

import pytest
import redis.connection
from django.db import connection

from apps.cart.models import Cart
from tests.shopping import stocked_variant
from tests.statements import statements_sent

# The variant with its availability; the cart found or created with the line (one statement,
# one transaction). Before: the cart's INSERT, the variant, the line: three statements and two
# commits (one more, a cart UPDATE, with a currency chosen).
ADD_MAX_STATEMENTS = 2
# The cart, its lines and their availability.
CART_PAGE_MAX_STATEMENTS = 1
# The store's configuration generation with the versions riding along (then every entry comes
# from the process's copy).
MAX_REDIS_ROUND_TRIPS = 1


@pytest.fixture
def redis_round_trips(monkeypatch) -> list:
    """Every Redis command (or pipeline) the test's thread sends: the request's, not those of
    a background thread of the process (a buffer's periodic flush)."""
    sent: list = []
    send = redis.connection.AbstractConnection.send_packed_command
    request_thread = threading.get_ident()

    def recording(self, command, check_health=True):
        if threading.get_ident() == request_thread:
            sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", recording)
    return sent


def _request(round_trips: list, call):
    """The response, the statements sent and the Redis round trips made for ``call``."""
    round_trips.clear()
    connection.set_schema_to_public()  # as the next request of the process finds it
    with statements_sent() as statements:
        response = call()
    return response, statements, len(round_trips)


@pytest.mark.django_db
def test_a_guests_first_add_and_the_cart_page_are_bounded(store_client, redis_round_trips):
    variant, other = stocked_variant(price="12.50"), stocked_variant()
    store_client.post("/cart/add/", {"variant_id": other.id, "quantity": 1}, follow=True)
    store_client.cookies.clear()  # the store's configuration is warm; a new guest comes

    added, add_statements, add_round_trips = _request(
        redis_round_trips,
        lambda: store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 2}),
    )
    page, page_statements, page_round_trips = _request(
        redis_round_trips, lambda: store_client.get(added["Location"])
    )

    assert added.status_code == 302 and added["Location"] == "/cart/"
    cart = Cart.objects.get(token=store_client.cookies["cart"].value)
    assert list(cart.lines.values_list("variant_id", "quantity")) == [(variant.id, 2)]
    assert len(add_statements) <= ADD_MAX_STATEMENTS, add_statements
    assert not [s for s in add_statements if str(s).lstrip().startswith(("BEGIN", "SAVEPOINT"))]
    assert add_round_trips <= MAX_REDIS_ROUND_TRIPS
    assert page.status_code == 200
    body = page.content.decode()
    assert "25.00 USD" in body and 'class="cart-count">(2' in body
    assert len(page_statements) <= CART_PAGE_MAX_STATEMENTS, page_statements
    assert page_round_trips <= MAX_REDIS_ROUND_TRIPS


@pytest.mark.django_db
def test_a_second_add_finds_the_cart_in_the_same_statement(store_client, redis_round_trips):
    variant, other = stocked_variant(), stocked_variant()
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})

    _, statements, _ = _request(
        redis_round_trips,
        lambda: store_client.post("/cart/add/", {"variant_id": other.id, "quantity": 1}),
    )

    assert len(statements) <= ADD_MAX_STATEMENTS, statements
    assert Cart.objects.get().lines.count() == 2
