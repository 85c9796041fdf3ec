from apps.core.exceptions import DomainError


class RateFileInvalid(DomainError):
    """An exchange-rate file that cannot be read: nothing was changed."""

    code = "rate_file_invalid"
    http_status = 400


class UnknownCurrency(DomainError):
    """No active market of the store sells in that currency."""

    code = "unknown_currency"
    # A well-formed code (the schema's pattern) the store does not sell in: the schema cannot
    # know a store's markets, so a 422, as for a payment method the store has not enabled.
    http_status = 422
