"""Reads of the Customers pages: customer accounts with their orders count and total spent.

The list is one page of accounts with two correlated subqueries per row (orders, spent), each
an index scan on ``orders_order.user_id``: a page costs the same with 100 or 100,000
customers, and no query joins every order to every account.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from apps.checkout import addresses
from apps.orders.models import Order
from apps.orders.selectors import base_amount

PAGE_SIZE = 50
PAID = (
    Order.PaymentStatus.PAID,
    Order.PaymentStatus.PARTIALLY_REFUNDED,
    Order.PaymentStatus.REFUNDED,
)
SORTS = {
    "newest": "-date_joined",
    "orders": "-orders_count",
    "spent": "-total_spent",
    "email": "email",
}


def _customers() -> QuerySet:
    User = get_user_model()
    orders = Order.objects.filter(user=OuterRef("pk")).order_by().values("user")
    return User.objects.filter(is_staff=False).annotate(
        orders_count=Coalesce(
            Subquery(orders.annotate(n=Count("id")).values("n"), output_field=IntegerField()),
            0,
        ),
        total_spent=Coalesce(
            Subquery(
                orders.filter(payment_status__in=PAID)
                .annotate(s=Sum(base_amount("total") - base_amount("amount_refunded")))
                .values("s"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
    )


def list_customers(*, query: str = "", sort: str = "newest", page: int = 1) -> Page:
    customers = _customers()
    if query:
        customers = customers.filter(
            Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    customers = customers.order_by(SORTS.get(sort, SORTS["newest"]), "-pk")
    return Paginator(customers, PAGE_SIZE).get_page(page)


def get_customer(customer_id: int):
    """The account with its figures (raises DoesNotExist for a staff account or no account)."""
    return _customers().get(pk=customer_id)


def list_customer_orders(customer_id: int, limit: int = 50) -> list[Order]:
    return list(Order.objects.filter(user_id=customer_id).order_by("-created_at")[:limit])


def customer_addresses(orders: list[Order]) -> list[list[str]]:
    """The distinct shipping addresses of these orders, most recent first, formatted."""
    seen: list[list[str]] = []
    for order in orders:
        if order.shipping_address:
            lines = addresses.format_address(order.shipping_address)
            if lines and lines not in seen:
                seen.append(lines)
    return seen[:5]
