"""The registry: every payment gateway a store can use, listed once.

Adding a gateway is one module in this package (a ``PaymentGateway`` subclass declaring its
settings fields, payment page and webhook handler), its page template under
``templates/payments/gateways/`` and its tests, plus its line in ``GATEWAYS`` below. The payment
page, the webhook view, the store settings page and the API read this list; nothing else names
a gateway.
"""

from django.conf import settings

from apps.payments.exceptions import (
    GatewayNotConfigured,
    LivePaymentsNotConfirmed,
    PaymentMethodNotEnabled,
    TestPaymentsNotAllowed,
)
from apps.payments.gateways.base import GatewayConfig, PaymentGateway
from apps.payments.gateways.paypal import PayPalGateway
from apps.payments.gateways.stripe import StripeGateway
from apps.payments.gateways.test import TestGateway
from apps.payments.selectors import get_gateway_config
from apps.preferences.selectors import get_store_settings
from apps.tenants import selectors as tenant_selectors

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


def parse_gateway_list(value: str) -> list[str]:
    """The names in a stored ``StoreSettings.payment_gateway`` value: an ordered,
    comma-separated list ("test,paypal"). Unknown names and repeats are dropped."""
    names: list[str] = []
    for name in (part.strip() for part in value.split(",")):
        if name in GATEWAYS and name not in names:
            names.append(name)
    return names


def enabled_gateway_names() -> list[str]:
    """The gateways this store offers shoppers, in its owner's order; the first is the default
    (the one a new payment opens with). Never empty: a store with none takes the default."""
    store_settings = get_store_settings()
    return parse_gateway_list(store_settings.payment_gateway) or [
        store_settings.DEFAULT_PAYMENT_GATEWAY
    ]


def default_gateway_name() -> str:
    return enabled_gateway_names()[0]


def enabled_gateway(name: str | None) -> str:
    """``name`` if this store has enabled it, the default gateway for None or "", else raise
    PaymentMethodNotEnabled (a crafted form or an API client asking for another one)."""
    enabled = enabled_gateway_names()
    if not name:
        return enabled[0]
    if name not in enabled:
        raise PaymentMethodNotEnabled(
            f"This store does not take payments with {name!r}.",
            extra={"payment_method": name, "enabled": enabled},
        )
    return name


def in_test_mode(name: str) -> bool:
    """Whether the gateway ``name``, with this store's settings, takes test payments only."""
    gateway = get_gateway(name)
    # A gateway without settings (the test gateway) needs no read of them.
    config = get_gateway_config(gateway.name) if gateway.settings_fields else GatewayConfig()
    return gateway.test_mode(config)


def store_in_test_mode() -> bool:
    """Whether one of this store's enabled gateways is in test mode (the storefront's banner).
    Cheap: the store settings and gateway settings are cached."""
    return any(in_test_mode(name) for name in enabled_gateway_names())


TEST_PAYMENTS_OFF = (
    "This store is in test mode and this platform takes no test payments, so no payment can "
    "be taken. The store's owner must choose a real payment gateway."
)


OWNER_NOT_CONFIRMED = (
    "This store takes no real payments until its owner confirms their email: open the link "
    "we emailed when the store was opened."
)


def mode_not_allowed(name: str, config: GatewayConfig) -> str:
    """Why the store may not choose gateway ``name`` with these settings ("" if it may)."""
    gateway = get_gateway(name)
    if not settings.ALLOW_TEST_PAYMENTS and gateway.test_mode(config):
        return (
            f"{gateway.label} is in test mode, and this platform takes no test payments: "
            "choose a gateway (and keys) that take real payments."
        )
    if not gateway.test_mode(config) and not _owner_confirmed():
        return OWNER_NOT_CONFIRMED
    return ""


def check_mode_allowed(name: str) -> None:
    """Raise TestPaymentsNotAllowed for a gateway in test mode where the platform allows no
    test payments (``ALLOW_TEST_PAYMENTS``)."""
    test_mode = in_test_mode(name)
    if not settings.ALLOW_TEST_PAYMENTS and test_mode:
        raise TestPaymentsNotAllowed(TEST_PAYMENTS_OFF, extra={"gateway": name})
    if not test_mode and not _owner_confirmed():
        raise LivePaymentsNotConfirmed(OWNER_NOT_CONFIRMED, extra={"gateway": name})


def _owner_confirmed() -> bool:
    """A store takes live payments only once its owner confirmed their email (signup link)."""
    return tenant_selectors.owner_email_confirmed(tenant_selectors.get_current_store().id)
