"""The registry: every payment gateway a store can use, listed once.

Adding a gateway is one module in this package (a ``PaymentGateway`` subclass declaring its
settings fields, payment page and webhook handler), its page template under
``templates/payments/gateways/`` and its tests, plus its line in ``GATEWAYS`` below. The payment
page, the webhook view, the store settings page and the API read this list; nothing else names
a gateway.
"""

from apps.payments.exceptions import GatewayNotConfigured
from apps.payments.gateways.base import PaymentGateway
from apps.payments.gateways.stripe import StripeGateway
from apps.payments.gateways.test import TestGateway

# Explicit and ordered (the settings page lists them in this order); the first is the default
# of a new store (``StoreSettings.payment_gateway``).
GATEWAYS: dict[str, PaymentGateway] = {
    gateway.name: gateway
    for gateway in (
        TestGateway(),
        StripeGateway(),
    )
}


def get_gateway(name: str) -> PaymentGateway:
    try:
        return GATEWAYS[name]
    except KeyError:
        raise GatewayNotConfigured(f"Unknown payment gateway {name!r}.") from None


def gateway_choices() -> list[tuple[str, str]]:
    """(name, label) of every gateway, for forms."""
    return [(gateway.name, gateway.label) for gateway in GATEWAYS.values()]


def gateway_names() -> list[str]:
    return list(GATEWAYS)
