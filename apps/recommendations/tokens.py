"""Signed links in engagement emails: restore a cart, unsubscribe an address.

The payload carries the store's schema and is checked against the current one: one store's
link means nothing on another store's host, although all stores share ``SECRET_KEY``.
"""

from datetime import timedelta
from uuid import UUID

from django.core import signing
from django.db import connection

from apps.recommendations.exceptions import InvalidLink

CART_SALT = "recommendations.cart-restore"
UNSUBSCRIBE_SALT = "recommendations.unsubscribe"
CART_LINK_MAX_AGE = timedelta(days=14)


def make_cart_restore_token(cart_token: UUID) -> str:
    return signing.dumps({"s": connection.schema_name, "c": str(cart_token)}, salt=CART_SALT)


def read_cart_restore_token(token: str) -> UUID:
    payload = _load(token, salt=CART_SALT, max_age=CART_LINK_MAX_AGE)
    try:
        return UUID(payload["c"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidLink("This link is not valid.") from exc


def make_unsubscribe_token(email: str) -> str:
    return signing.dumps(
        {"s": connection.schema_name, "e": email.strip().lower()}, salt=UNSUBSCRIBE_SALT
    )


def read_unsubscribe_token(token: str) -> str:
    payload = _load(token, salt=UNSUBSCRIBE_SALT, max_age=None)  # old emails keep working
    email = payload.get("e")
    if not isinstance(email, str) or "@" not in email:
        raise InvalidLink("This link is not valid.")
    return email


def _load(token: str, *, salt: str, max_age: timedelta | None) -> dict:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvalidLink("This link has expired.") from exc
    except signing.BadSignature as exc:
        raise InvalidLink("This link is not valid.") from exc
    if not isinstance(payload, dict) or payload.get("s") != connection.schema_name:
        raise InvalidLink("This link is not valid.")
    return payload
