from apps.core.exceptions import DomainError


class PaymentDeclined(DomainError):
    """The card or bank said no; nothing was charged and the shopper may try again."""

    code = "payment_declined"
    http_status = 402


class PaymentNotAllowed(DomainError):
    """The order cannot take a payment now (already paid, cancelled, …)."""

    code = "payment_not_allowed"
    http_status = 409


class PaymentGatewayChanged(PaymentNotAllowed):
    """The payment was opened with a gateway the store no longer uses: it takes no payment on
    its page; a new payment is opened with the store's gateway instead."""

    code = "payment_gateway_changed"


class PaymentNotApplied(DomainError):
    """Money arrived but could not pay the order; it has been (or is being) refunded."""

    code = "payment_not_applied"
    http_status = 409


class PaymentMethodNotEnabled(DomainError):
    """The shopper (or an API client) asked for a gateway this store has not enabled."""

    code = "payment_method_not_enabled"
    # Well formed (a gateway the platform has), but not one this store takes: the schema cannot
    # know a store's choice, so this is a 422, never a 400 for valid input.
    http_status = 422


class GatewayNotConfigured(DomainError):
    code = "gateway_not_configured"
    http_status = 409


class LivePaymentsNotConfirmed(DomainError):
    """The store's gateway takes real money but its owner has not confirmed their email yet
    (the link emailed at signup): nothing is charged until they do."""

    code = "owner_email_not_confirmed"
    http_status = 402


class TestPaymentsNotAllowed(DomainError):
    """The store is in test mode (test gateway, test keys) and the platform takes no test
    payments (``ALLOW_TEST_PAYMENTS`` off, the production default): nothing is charged."""

    __test__ = False  # not a pytest class
    code = "test_payments_not_allowed"
    http_status = 402


class PaymentProviderError(DomainError):
    """The provider could not be reached or refused the request."""

    code = "payment_provider_error"
    http_status = 502


class RefundRejected(DomainError):
    code = "refund_rejected"
    http_status = 409


class InvalidWebhook(DomainError):
    code = "invalid_webhook"
    http_status = 400


class InvalidAmount(DomainError):
    code = "invalid_amount"
    http_status = 400


class InvalidReturnUrl(DomainError):
    code = "invalid_return_url"
    http_status = 400


class GiftCardRefused(DomainError):
    """The gift card cannot pay this (unknown code, disabled, expired, another currency, or
    not enough balance)."""

    code = "gift_card_refused"
    http_status = 409


class GiftCardAttemptsExceeded(DomainError):
    code = "gift_card_attempts_exceeded"
    http_status = 429


class InvalidGiftCard(DomainError):
    code = "invalid_gift_card"
    http_status = 400
