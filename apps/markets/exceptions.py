from apps.core.exceptions import DomainError


class RateFileInvalid(DomainError):
    """An exchange-rate file that cannot be read: nothing was changed."""

    code = "rate_file_invalid"
    http_status = 400


class UnknownCurrency(DomainError):
    """No active market of the store sells in that currency."""

    code = "unknown_currency"
    http_status = 400
