"""Gateway registry: ``StoreSettings.payment_gateway`` → the gateway that serves it."""

from apps.payments.exceptions import GatewayNotConfigured
from apps.payments.gateways.base import PaymentGateway
from apps.payments.gateways.stripe import StripeGateway
from apps.payments.gateways.test import TestGateway

GATEWAYS: dict[str, PaymentGateway] = {
    "test": TestGateway(),
    "stripe": StripeGateway(),
}


def get_gateway(name: str) -> PaymentGateway:
    try:
        return GATEWAYS[name]
    except KeyError:
        raise GatewayNotConfigured(f"Unknown payment gateway {name!r}.") from None
