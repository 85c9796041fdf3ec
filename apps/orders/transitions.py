"""The order status machine: which status may follow which. One place, checked by services."""

from apps.orders.models import Order

S = Order.Status

ALLOWED: dict[str, set[str]] = {
    S.PENDING: {S.PAID, S.CANCELLED},
    S.PAID: {S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELLED, S.REFUNDED},
    S.PARTIALLY_FULFILLED: {S.FULFILLED, S.REFUNDED},
    S.FULFILLED: {S.DELIVERED, S.REFUNDED},
    S.DELIVERED: {S.REFUNDED},
    S.CANCELLED: {S.REFUNDED},
    S.REFUNDED: set(),
}


def can_transition(current: str, new: str) -> bool:
    return new in ALLOWED.get(current, set())
