from django.db.models import Prefetch, QuerySet

from apps.orders.models import Fulfillment, Order


def _with_details(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.prefetch_related(
        "lines",
        "events",
        Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines")),
        "returns__lines",
    )


def get_order_by_token(*, token, queryset: QuerySet[Order] | None = None) -> Order:
    base = Order.objects.all() if queryset is None else queryset
    return _with_details(base).get(token=token)


def get_order_for_lookup(*, number: int, email: str) -> Order:
    """Guest lookup: the number and the email must both match (no enumeration by number)."""
    return Order.objects.get(number=number, email__iexact=email.strip())


def list_orders_for_user(*, user_id: int) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user_id).prefetch_related("lines").order_by("-created_at")
