from apps.core.exceptions import DomainError


class CartError(DomainError):
    code = "cart_error"
    http_status = 400


class VariantUnavailable(DomainError):
    code = "variant_unavailable"
    http_status = 404


class QuantityUnavailable(DomainError):
    """More units asked for than the store can sell now."""

    code = "quantity_unavailable"
    http_status = 409
