from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from apps.orders.models import Fulfillment, Order, Return

# Statuses before anything ships: such an order has no fulfilments and no returns yet (the
# first fulfilment moves a paid order on; returns need shipped units).
_NOTHING_SHIPPED = (Order.Status.PENDING, Order.Status.PAID)


def _shipping_details(order: Order) -> None:
    if order.status in _NOTHING_SHIPPED:
        order._prefetched_objects_cache.update(
            fulfillments=Fulfillment.objects.none(), returns=Return.objects.none()
        )
        return
    prefetch_related_objects(
        [order],
        Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines")),
        "returns__lines",
    )


def get_order_by_token(*, token, queryset: QuerySet[Order] | None = None) -> Order:
    """The order with its lines, events, fulfilments and returns loaded."""
    base = Order.objects.all() if queryset is None else queryset
    order = base.prefetch_related("lines", "events").get(token=token)
    _shipping_details(order)
    return order


def get_order_for_lookup(*, number: int, email: str) -> Order:
    """Guest lookup: the number and the email must both match (no enumeration by number)."""
    return Order.objects.get(number=number, email__iexact=email.strip())


def list_orders_for_user(*, user_id: int) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user_id).prefetch_related("lines").order_by("-created_at")
