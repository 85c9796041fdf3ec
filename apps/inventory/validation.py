"""Checks on what callers hand the stock services, done before any row is touched."""

from collections.abc import Sequence
from typing import Any

from apps.inventory.exceptions import InvalidQuantity, InvalidReservation

# Far above any real basket or delivery, far below the 32-bit counters' limit.
MAX_QUANTITY = 1_000_000
MAX_LINES = 500
MAX_RESERVATION_MINUTES = 7 * 24 * 60
MAX_REFERENCE_LENGTH = 100
# on_hand is a 32-bit integer column; refuse to grow it past this instead of failing in SQL.
MAX_STOCK_LEVEL = 2_147_483_647


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_quantity(quantity: Any, *, field: str = "quantity") -> int:
    """Return ``quantity`` if it is a whole number from 1 to MAX_QUANTITY; raise otherwise."""
    if not _is_whole_number(quantity):
        raise InvalidQuantity(
            f"{field.capitalize()} must be a whole number.", extra={field: repr(quantity)}
        )
    if not 0 < quantity <= MAX_QUANTITY:
        raise InvalidQuantity(
            f"{field.capitalize()} must be between 1 and {MAX_QUANTITY}.",
            extra={field: quantity},
        )
    return quantity


def check_delta(delta: Any) -> int:
    """Return a non-zero whole ``delta`` within ±MAX_QUANTITY; raise otherwise."""
    if not _is_whole_number(delta):
        raise InvalidQuantity("Change must be a whole number.", extra={"delta": repr(delta)})
    if delta == 0 or abs(delta) > MAX_QUANTITY:
        raise InvalidQuantity(
            f"Change must be non-zero and at most {MAX_QUANTITY} either way.",
            extra={"delta": delta},
        )
    return delta


def check_reference(reference: Any) -> str:
    if not isinstance(reference, str) or not reference.strip():
        raise InvalidReservation("A reservation needs a reference, e.g. 'checkout:<token>'.")
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise InvalidReservation(
            f"A reservation reference is at most {MAX_REFERENCE_LENGTH} characters."
        )
    return reference


def check_minutes(minutes: Any) -> int:
    if not _is_whole_number(minutes) or not 0 < minutes <= MAX_RESERVATION_MINUTES:
        raise InvalidReservation(
            f"A reservation lasts from 1 to {MAX_RESERVATION_MINUTES} minutes.",
            extra={"minutes": repr(minutes)},
        )
    return minutes


def normalize_lines(lines: Any) -> dict[int, int]:
    """Return {variant_id: quantity} in variant order, duplicates summed; raise on bad input.

    Every line is checked before anything is written, so bad input changes no row.
    """
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Sequence) or not lines:
        raise InvalidReservation("A reservation needs at least one (variant_id, quantity) line.")
    if len(lines) > MAX_LINES:
        raise InvalidReservation(f"A reservation has at most {MAX_LINES} lines.")
    merged: dict[int, int] = {}
    for line in lines:
        if not isinstance(line, Sequence) or isinstance(line, (str, bytes)) or len(line) != 2:
            raise InvalidReservation(
                "Each line is a (variant_id, quantity) pair.", extra={"line": repr(line)}
            )
        variant_id, quantity = line
        if not _is_whole_number(variant_id) or variant_id <= 0:
            raise InvalidReservation(
                "Each line needs a variant id.", extra={"variant_id": repr(variant_id)}
            )
        check_quantity(quantity)
        merged[variant_id] = check_quantity(merged.get(variant_id, 0) + quantity)
    return dict(sorted(merged.items()))
