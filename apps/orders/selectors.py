from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from apps.core import raw_rows
from apps.orders.models import Fulfillment, Order, Return

# Statuses before anything ships: such an order has no fulfilments and no returns yet (the
# first fulfilment moves a paid order on; returns need shipped units).
_NOTHING_SHIPPED = (Order.Status.PENDING, Order.Status.PAID)


def _shipping_details(order: Order) -> None:
    if order.status in _NOTHING_SHIPPED:
        # Prefetched as empty without a query (an empty queryset runs no SQL): the order page
        # asks ``order.fulfillments.all`` and ``order.returns.all`` and gets the cached [].
        prefetch_related_objects(
            [order],
            Prefetch("fulfillments", queryset=Fulfillment.objects.none()),
            Prefetch("returns", queryset=Return.objects.none()),
        )
        return
    prefetch_related_objects(
        [order],
        Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines")),
        "returns__lines",
    )


def get_order_by_token(*, token, queryset: QuerySet[Order] | None = None) -> Order:
    """The order with its lines, events, fulfilments and returns loaded.

    ``queryset``: the orders the caller may see (the API's); without it, the order page's
    read: the order by its token (a malformed token is ``DoesNotExist``), then its lines and
    events, three statements.
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


def _order_with_lines_and_events(token) -> Order:
    order = raw_rows.instance(Order, raw_rows.fetch_by_token(Order, _ORDER_SQL, token))
    prefetch_related_objects([order], "lines", "events")
    return order


def get_order_for_lookup(*, number: int, email: str) -> Order:
    """Guest lookup: the number and the email must both match (no enumeration by number)."""
    return Order.objects.get(number=number, email__iexact=email.strip())


def list_orders_for_user(*, user_id: int) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user_id).prefetch_related("lines").order_by("-created_at")
