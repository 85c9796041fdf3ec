from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Round

from apps.core import raw_rows
from apps.orders import sql
from apps.orders.models import Fulfillment, Order, OrderEvent, OrderLine, Return

BASE_MONEY = DecimalField(max_digits=14, decimal_places=2)

# Statuses before anything ships: such an order has no fulfilments and no returns yet (the
# first fulfilment moves a paid order on; returns need shipped units).
_NOTHING_SHIPPED = (Order.Status.PENDING, Order.Status.PAID)


def _shipping_prefetches(order: Order) -> list:
    if order.status in _NOTHING_SHIPPED:
        # Prefetched as empty without a query (``none()`` runs no SQL): the order page asks
        # for them on every payment return.
        return [
            Prefetch("fulfillments", queryset=Fulfillment.objects.none()),
            Prefetch("returns", queryset=Return.objects.none()),
        ]
    return [
        Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines")),
        "returns__lines",
    ]


def get_order_by_token(*, token, queryset: QuerySet[Order] | None = None) -> Order:
    """The order with its lines, events, fulfilments and returns loaded.

    ``queryset``: the orders the caller may see (the API's); all of the store's by default.
    Raises Order.DoesNotExist, also for a malformed token (a URL's token is shopper input).
    """
    try:
        token = UUID(str(token))
    except ValueError as exc:
        raise Order.DoesNotExist("No such order.") from exc
    orders = Order.objects.all() if queryset is None else queryset
    order = orders.prefetch_related("lines", "events").get(token=token)
    prefetch_related_objects([order], *_shipping_prefetches(order))
    return order


@dataclass(frozen=True)
class OrderPage:
    """What the order page shows: the order and its related rows as plain lists."""

    order: Order
    lines: list[OrderLine]
    events: list[OrderEvent]
    fulfillments: list[Fulfillment]
    returns: list[Return]


def get_order_page(*, token) -> OrderPage:
    """The order page's read: the order, its lines and events in three plain statements (the
    page is shown after every payment), fulfilments and returns once anything has shipped.
    Raises Order.DoesNotExist, also for a malformed token."""
    order_row, line_rows, event_rows = raw_rows.fetch_by_token(Order, sql.order_page_rows, token)
    order = raw_rows.instance(Order, order_row)
    shipped = order.status not in _NOTHING_SHIPPED
    return OrderPage(
        order=order,
        lines=[raw_rows.instance(OrderLine, row) for row in line_rows],
        events=[raw_rows.instance(OrderEvent, row) for row in event_rows],
        fulfillments=list(order.fulfillments.all()) if shipped else [],
        returns=list(order.returns.all()) if shipped else [],
    )


def get_order_for_lookup(*, number: int, email: str) -> Order:
    """Guest lookup: the number and the email must both match (no enumeration by number)."""
    return Order.objects.get(number=number, email__iexact=email.strip())


def list_orders_for_user(*, user_id: int) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user_id).prefetch_related("lines").order_by("-created_at")


def list_order_payments(order: Order) -> list[dict]:
    """What paid the order, one entry per payment (a gift card's and the card's of a split
    payment), for the order page and emails: method, amount, gift card last 4, refunded."""
    rows = order.payments.filter(applied_to_order=True).select_related("gift_card").order_by("id")
    return [
        {
            "method": payment_method_label(row.gateway),
            "gift_card_last4": row.gift_card.last4 if row.gift_card else "",
            "amount": row.amount,
            "amount_refunded": row.amount_refunded,
            "currency": row.currency,
        }
        for row in rows
    ]


def payment_method_label(gateway: str) -> str:
    """ "Gift card", "Card (test)", "PayPal"… as shoppers read it."""
    return PAYMENT_METHOD_LABELS.get(gateway, gateway.replace("_", " ").capitalize())


PAYMENT_METHOD_LABELS = {"gift_card": "Gift card", "test": "Card (test)", "stripe": "Card",
                         "paypal": "PayPal"}  # fmt: skip


def base_amount(field: str, *, prefix: str = "") -> Round:
    """An order amount in the store's currency, for sums across orders placed in several
    currencies: its ``base_`` equivalent, or the amount itself on orders older than markets.
    ``prefix``: the path to the order ("order__" from a line)."""
    both = Coalesce(F(f"{prefix}base_{field}"), F(f"{prefix}{field}"), output_field=BASE_MONEY)
    return Round(both, 2, output_field=BASE_MONEY)


def base_of_row(field: str = "line_total") -> ExpressionWrapper:
    """An amount of a row below an order (a line's total, a discount's amount) in the store's
    currency, at its order's rate."""
    rate = Coalesce(F("order__exchange_rate"), Value(Decimal("1")))
    return ExpressionWrapper(Round(F(field) / rate, 2), output_field=BASE_MONEY)


def base_line_total() -> ExpressionWrapper:
    """An order line's total (before discounts) in the store's currency, at its order's rate."""
    return base_of_row("line_total")
