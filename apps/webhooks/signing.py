"""Signature scheme (as Stripe's): header ``Mercato-Signature: t=<unix time>,v1=<hex>`` where
v1 = HMAC-SHA256(secret, "<t>.<raw body>"). Receivers check it and reject old timestamps."""

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(payload: bytes, header: str, secret: str, *, now: int | None = None) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(payload, secret, timestamp).split("v1=")[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
