"""No card number is stored or logged.

A guest pays through the test gateway's hosted card page (the real form, through the store's
test client): first with a card that is declined, then with one that succeeds. Then every
text, varchar and JSON column of every table in the store's schema and in the public schema,
and every log record (DEBUG and up, SQL statements with their parameters included), is
scanned for anything that looks like a card number: 13 to 19 digits, optionally separated by
spaces or dashes, passing the Luhn check.
"""

import logging
import re

import pytest
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.orders.models import Order
from tests.factories.checkout import ShippingMethodFactory, TaxRateFactory
from tests.shopping import ADDRESS, stocked_variant

DECLINED_CARD = "4000000000000002"
SUCCESS_CARD = "4242 4242 4242 4242"
# Digits with at most one space or dash between them; not glued to letters or other digits (a
# run inside a hex digest or a longer number is not a card number).
CARD_LIKE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")
# A random UUID (outbox message ids, tokens) whose leading groups happen to be all digits reads
# as "8-4-4" digits and passes the Luhn check about once in 18,000: not a card number.
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")
TEXT_ARRAY_TYPES = ("_text", "_varchar", "_bpchar", "_json", "_jsonb")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    found = []
    for match in CARD_LIKE.finditer(UUID.sub("<uuid>", text)):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found.append(match.group())
    return found


def text_columns(schemas: list[str]) -> dict[tuple[str, str], list[str]]:
    """(schema, table) → its text-like columns, for the base tables of these schemas."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_schema, c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = ANY(%s) AND t.table_type = 'BASE TABLE'
              AND (c.data_type = ANY(%s) OR c.udt_name = ANY(%s))
            ORDER BY 1, 2, c.ordinal_position
            """,
            [schemas, list(TEXT_TYPES), list(TEXT_ARRAY_TYPES)],
        )
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in cursor.fetchall():
            columns.setdefault((schema, table), []).append(column)
    return columns


def card_numbers_in_database(schemas: list[str]) -> tuple[list[str], int]:
    """Card-like values as "schema.table.column: value", and how many values were read."""
    quote = connection.ops.quote_name
    found, values_read = [], 0
    with connection.cursor() as cursor:
        for (schema, table), columns in text_columns(schemas).items():
            selected = ", ".join(f"{quote(column)}::text" for column in columns)
            cursor.execute(f"SELECT {selected} FROM {quote(schema)}.{quote(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    values_read += 1
                    found += [f"{schema}.{table}.{column}: {n}" for n in card_numbers_in(value)]
    return found, values_read


def test_the_scanner_finds_card_numbers_in_any_spelling():
    text = "a 4242 4242 4242 4242 b 4000-0000-0000-0002 c card=5555555555554444, d 371449635398431"

    assert card_numbers_in(text) == [
        "4242 4242 4242 4242",
        "4000-0000-0000-0002",
        "5555555555554444",
        "371449635398431",
    ]
    # Not Luhn-valid, too short, too long, or part of a hex digest / longer number.
    assert card_numbers_in("4242 4242 4242 4241 | 424242424242 | 12345678901234567890") == []
    assert card_numbers_in("ab4242424242424242cd 2026-11-22 01:12:18.136") == []


@pytest.mark.django_db
def test_paying_on_the_hosted_page_stores_and_logs_no_card_number(store, store_client, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # log every statement with its parameters
    try:
        first, second = stocked_variant(price="15.00"), stocked_variant(price="7.50")
        method = ShippingMethodFactory()
        TaxRateFactory(country="US")
        store_client.get(f"/products/{first.product.slug}/")
        store_client.post("/cart/add/", {"variant_id": first.id, "quantity": 2})
        store_client.post("/cart/add/", {"variant_id": second.id, "quantity": 1})
        checkout_page = store_client.post("/checkout/", follow=True)
        checkout_url = checkout_page.redirect_chain[-1][0]
        payment_page = store_client.post(
            checkout_url,
            {"email": "cardholder@example.test", **ADDRESS, "method": method.id},
            follow=True,
        )
        pay_url = payment_page.redirect_chain[-1][0]
        card = {"expiry": "12/39", "cvc": "123", "name": "Ada Shopper"}

        declined = store_client.post(pay_url, {**card, "number": DECLINED_CARD})
        paid = store_client.post(pay_url, {**card, "number": SUCCESS_CARD}, follow=True)
    finally:
        connection.force_debug_cursor = False

    order = Order.objects.get()
    assert pay_url.startswith("/payments/")
    assert declined.status_code == 200 and "declined" in declined.content.decode()
    assert paid.redirect_chain[-1][0] == f"/orders/{order.token}/"
    assert order.status == Order.Status.PAID
    # The page that said "declined" does not echo the number back: it shows the same card
    # numbers as before paying (the test gateway's list of test cards), in the same places.
    assert card_numbers_in(declined.content.decode()) == card_numbers_in(
        payment_page.content.decode()
    )
    assert DECLINED_CARD not in declined.content.decode()

    found, values_read = card_numbers_in_database([store.schema_name, get_public_schema_name()])
    assert values_read > 100  # the scan did read the shop's rows (orders, events, payments…)
    assert found == []
    assert any("payments_payment" in r.getMessage() for r in caplog.records)  # SQL was logged
    assert card_numbers_in(caplog.text) == []
