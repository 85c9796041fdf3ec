from apps.core import raw_rows, store_cache
from apps.orders.models import Order
from apps.payments.gateways.base import GatewayConfig
from apps.payments.models import GatewaySettings, Payment

# select_related("order") in plain SQL: the payment page is read twice per checkout, and
# building the ORM query cost more CPU than running it.
_PAYMENT_SQL = f"""
SELECT {raw_rows.columns(Payment, "p")}, {raw_rows.columns(Order, "o")}
FROM {Payment._meta.db_table} p
JOIN {Order._meta.db_table} o ON o.id = p.order_id
WHERE p.token = %s
"""


def get_payment_by_token(*, token) -> Payment:
    """The payment behind a payment-page URL, with its order. Raises Payment.DoesNotExist."""
    row = raw_rows.fetch_by_token(Payment, _PAYMENT_SQL, token)
    payment, order = raw_rows.split(row, Payment, Order)
    payment.order = order
    return payment


def list_payments_for_order(*, order_id: int):
    return Payment.objects.filter(order_id=order_id).prefetch_related("refunds")


GATEWAY_SETTINGS_CACHE_KEY = "payments:gateway-settings"


def get_gateway_config(name: str) -> GatewayConfig:
    """This store's settings for the gateway ``name`` (empty when never saved; cached)."""
    rows = store_cache.get_or_load(GATEWAY_SETTINGS_CACHE_KEY, _load_gateway_settings)
    values, secrets = rows.get(name, ({}, {}))
    return GatewayConfig(values=values, secrets=secrets)


def _load_gateway_settings() -> dict[str, tuple[dict, dict]]:
    return {
        row.gateway: (row.values, row.secrets)
        for row in GatewaySettings.objects.only("gateway", "values", "secrets")
    }
