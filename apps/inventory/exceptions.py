from apps.core.exceptions import DomainError


class InvalidQuantity(DomainError):
    """A quantity that is not a whole number in range: nothing was changed."""

    code = "invalid_quantity"
    http_status = 400


class InvalidReservation(DomainError):
    """A malformed reservation request (reference, lines, lifetime): nothing was changed."""

    code = "invalid_reservation"
    http_status = 400


class InsufficientStock(DomainError):
    """Not enough available stock; ``extra["lines"]`` lists each short line.

    Each entry is ``{"variant_id", "requested", "available"}``. Nothing was changed.
    """

    code = "insufficient_stock"
    http_status = 409


class ReservationNotFound(DomainError):
    code = "reservation_not_found"
    http_status = 404


class UnknownStockItem(DomainError):
    """No such variant or warehouse: nothing was changed."""

    code = "unknown_stock_item"
    http_status = 400
