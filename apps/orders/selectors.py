from django.db import connection
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from apps.core import raw_rows
from apps.orders.models import Fulfillment, Order, OrderEvent, OrderLine

# Statuses before anything ships: such an order has no fulfilments and no returns yet (the
# first fulfilment moves a paid order on; returns need shipped units).
_NOTHING_SHIPPED = (Order.Status.PENDING, Order.Status.PAID)


def _shipping_details(order: Order) -> None:
    if order.status in _NOTHING_SHIPPED:
        # Empty and already evaluated: ``none()`` querysets would still be compiled (to no SQL)
        # each time the order page asks whether there are any.
        raw_rows.set_prefetched(order, "fulfillments", [], back="order")
        raw_rows.set_prefetched(order, "returns", [], back="order")
        return
    prefetch_related_objects(
        [order],
        Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines")),
        "returns__lines",
    )


def get_order_by_token(*, token, queryset: QuerySet[Order] | None = None) -> Order:
    """The order with its lines, events, fulfilments and returns loaded.

    ``queryset``: the orders the caller may see (the API's); without it, the order page's
    read, in plain SQL (the page is shown after every payment; the ORM's prefetching cost
    several times more CPU than the three statements).
    """
    if queryset is not None:
        order = queryset.prefetch_related("lines", "events").get(token=token)
    else:
        order = _order_with_lines_and_events(token)
    _shipping_details(order)
    return order


_ORDER_SQL = (
    f"SELECT {raw_rows.columns(Order, 'o')} FROM {Order._meta.db_table} o WHERE o.token = %s"
)
_LINES_SQL = (
    f"SELECT {raw_rows.columns(OrderLine, 'l')} FROM {OrderLine._meta.db_table} l "
    "WHERE l.order_id = %s ORDER BY l.id"  # OrderLine.Meta.ordering
)
_EVENTS_SQL = (
    f"SELECT {raw_rows.columns(OrderEvent, 'e')} FROM {OrderEvent._meta.db_table} e "
    "WHERE e.order_id = %s ORDER BY e.created_at, e.id"  # OrderEvent.Meta.ordering
)


def _order_with_lines_and_events(token) -> Order:
    order = raw_rows.instance(Order, raw_rows.fetch_by_token(Order, _ORDER_SQL, token))
    with connection.cursor() as cursor:
        cursor.execute(_LINES_SQL, [order.pk])
        lines = [raw_rows.instance(OrderLine, values) for values in cursor.fetchall()]
        cursor.execute(_EVENTS_SQL, [order.pk])
        events = [raw_rows.instance(OrderEvent, values) for values in cursor.fetchall()]
    raw_rows.set_prefetched(order, "lines", lines, back="order")
    raw_rows.set_prefetched(order, "events", events, back="order")
    return order


def get_order_for_lookup(*, number: int, email: str) -> Order:
    """Guest lookup: the number and the email must both match (no enumeration by number)."""
    return Order.objects.get(number=number, email__iexact=email.strip())


def list_orders_for_user(*, user_id: int) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user_id).prefetch_related("lines").order_by("-created_at")
