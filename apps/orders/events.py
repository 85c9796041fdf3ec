"""Outgoing webhook events about orders (payload = the API's order summary)."""

from apps.orders.models import Order
from apps.webhooks import services as webhook_services


def order_payload(order: Order) -> dict:
    return {
        "id": str(order.token),
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "email": order.email,
        "currency": order.currency,
        "total": str(order.total),
        "items": [
            {"sku": line.sku, "quantity": line.quantity, "line_total": str(line.line_total)}
            for line in order.lines.all()
        ],
    }


def emit_order_event(order: Order, topic: str) -> None:
    """Call inside the transaction that made the change; delivery starts after commit."""
    webhook_services.emit_event(topic=topic, payload=lambda: order_payload(order))
