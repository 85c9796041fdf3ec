from apps.core import raw_rows, store_cache
from apps.orders.models import Order, OrderLine
from apps.payments import sql
from apps.payments.gateways.base import GatewayConfig
from apps.payments.models import GatewaySettings, GiftCardTransaction, Payment, WebhookEvent


def get_payment_by_token(*, token) -> Payment:
    """The payment behind a payment-page URL, with its order. Raises Payment.DoesNotExist
    (also for a malformed token: a URL's token is shopper input)."""
    row = raw_rows.fetch_by_token(Payment, sql.payment_row_by_token, token)
    payment, order = raw_rows.split(row, Payment, Order)
    payment.order = order
    return payment


def list_order_lines(*, order_id: int) -> list[OrderLine]:
    """The lines of the order being paid, for the payment page's summary."""
    return list(OrderLine.objects.filter(order_id=order_id).order_by("id"))


def list_payments_for_order(*, order_id: int):
    return Payment.objects.filter(order_id=order_id).prefetch_related("refunds")


def list_gift_card_payments(*, order_id: int) -> list[Payment]:
    """The gift card shares that paid part of the order (the payment page lists them)."""
    return list(
        Payment.objects.filter(
            order_id=order_id, gateway="gift_card", applied_to_order=True
        ).order_by("id")
    )


def list_gift_card_transactions(*, card_id: int):
    """The card's ledger, newest first, with the orders it paid."""
    return GiftCardTransaction.objects.filter(card_id=card_id).select_related("order")


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


def list_events_needing_attention(*, limit: int = 5) -> tuple[list[WebhookEvent], int]:
    """Signed provider events that could not be applied and nobody has checked yet, newest
    first, with their order (the dashboard home lists them)."""
    flagged = WebhookEvent.objects.filter(needs_attention=True)
    rows = list(flagged.select_related("order").order_by("-received_at", "-id")[:limit])
    count = len(rows) if len(rows) < limit else flagged.count()
    return rows, count
