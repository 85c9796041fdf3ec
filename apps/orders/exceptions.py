from apps.core.exceptions import DomainError


class InvalidOrderTransition(DomainError):
    code = "invalid_order_transition"
    http_status = 409


class OrderNotPayable(DomainError):
    """A payment arrived for an order that can no longer take it (e.g. cancelled on expiry)."""

    code = "order_not_payable"
    http_status = 409


class InvalidFulfillment(DomainError):
    code = "invalid_fulfillment"
    http_status = 400


class InvalidRefund(DomainError):
    code = "invalid_refund"
    http_status = 400


class InvalidReturn(DomainError):
    code = "invalid_return"
    http_status = 400
