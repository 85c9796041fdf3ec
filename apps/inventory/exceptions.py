from apps.core.exceptions import DomainError


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    http_status = 400


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    http_status = 409
