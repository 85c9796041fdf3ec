from apps.core.exceptions import DomainError


class RecommendationError(DomainError):
    code = "recommendation_error"
    http_status = 400


class VariantNotSubscribable(DomainError):
    """Back-in-stock subscriptions are for existing, sellable variants that are out of stock."""

    code = "variant_not_subscribable"
    http_status = 409


class InvalidLink(DomainError):
    """A cart-restore or unsubscribe link that is forged, expired or from another store."""

    code = "invalid_link"
    http_status = 404
