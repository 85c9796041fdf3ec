from uuid import UUID

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from apps.orders.models import Fulfillment, Order, Return

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


def get_order_for_lookup(*, number: int, email: str) -> Order:
    """Guest lookup: the number and the email must both match (no enumeration by number)."""
    return Order.objects.get(number=number, email__iexact=email.strip())


def list_orders_for_user(*, user_id: int) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user_id).prefetch_related("lines").order_by("-created_at")
