from apps.core.exceptions import DomainError


class CheckoutError(DomainError):
    code = "checkout_error"
    http_status = 400


class EmptyCart(DomainError):
    code = "empty_cart"
    http_status = 400


class InvalidVoucher(DomainError):
    code = "invalid_voucher"
    http_status = 400


class ShippingUnavailable(DomainError):
    code = "shipping_unavailable"
    http_status = 400
