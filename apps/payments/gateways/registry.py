"""The registry: every payment gateway a store can use, listed once.

Adding a gateway is one module in this package (a ``PaymentGateway`` subclass declaring its
settings fields, payment page and webhook handler), its page template under
``templates/payments/gateways/`` and its tests, plus its line in ``GATEWAYS`` below. The payment
page, the webhook view, the store settings page and the API read this list; nothing else names
a gateway.
"""

from django.conf import settings

from apps.payments.exceptions import GatewayNotConfigured, TestPaymentsNotAllowed
from apps.payments.gateways.base import GatewayConfig, PaymentGateway
from apps.payments.gateways.paypal import PayPalGateway
from apps.payments.gateways.stripe import StripeGateway
from apps.payments.gateways.test import TestGateway
from apps.payments.selectors import get_gateway_config
from apps.preferences.selectors import get_store_settings

# Explicit and ordered (the settings page lists them in this order); the first is the default
# of a new store (``StoreSettings.payment_gateway``).
GATEWAYS: dict[str, PaymentGateway] = {
    gateway.name: gateway
    for gateway in (
        TestGateway(),
        StripeGateway(),
        PayPalGateway(),
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


def in_test_mode(name: str) -> bool:
    """Whether the gateway ``name``, with this store's settings, takes test payments only."""
    gateway = get_gateway(name)
    # A gateway without settings (the test gateway) needs no read of them.
    config = get_gateway_config(gateway.name) if gateway.settings_fields else GatewayConfig()
    return gateway.test_mode(config)


def store_in_test_mode() -> bool:
    """Whether this store's chosen gateway is in test mode (the storefront's banner). Cheap:
    the store settings and gateway settings are cached."""
    name = get_store_settings().payment_gateway
    return name in GATEWAYS and in_test_mode(name)


TEST_PAYMENTS_OFF = (
    "This store is in test mode and this platform takes no test payments, so no payment can "
    "be taken. The store's owner must choose a real payment gateway."
)


def mode_not_allowed(name: str, config: GatewayConfig) -> str:
    """Why the store may not choose gateway ``name`` with these settings ("" if it may)."""
    gateway = get_gateway(name)
    if not settings.ALLOW_TEST_PAYMENTS and gateway.test_mode(config):
        return (
            f"{gateway.label} is in test mode, and this platform takes no test payments: "
            "choose a gateway (and keys) that take real payments."
        )
    return ""


def check_mode_allowed(name: str) -> None:
    """Raise TestPaymentsNotAllowed for a gateway in test mode where the platform allows no
    test payments (``ALLOW_TEST_PAYMENTS``)."""
    if not settings.ALLOW_TEST_PAYMENTS and in_test_mode(name):
        raise TestPaymentsNotAllowed(TEST_PAYMENTS_OFF, extra={"gateway": name})
