"""Report queries: sales by day / product / category, inventory value, customers.

Each returns rows as dicts (querysets of ``values()`` where the rows can be many, so CSV exports
stream them with ``iterator()``). Money follows the dashboard's definitions (``selectors``).
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Lower, TruncDate

from apps.dashboard import periods
from apps.dashboard.selectors import MONEY_FIELD, PAID_STATUSES, ZERO, low_stock_levels, paid_orders
from apps.inventory.models import StockLevel
from apps.orders.models import OrderDiscount, OrderLine
from apps.orders.selectors import base_amount, base_line_total, base_of_row

SALES_GROUPS = {
    "day": "Day",
    "product": "Product",
    "category": "Category",
    "discount": "Discount",
}


def _money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def sales_by_day(range_: periods.DateRange) -> list[dict]:
    """Every local day of the range: paid orders and their money, net of refunds."""
    rows = (
        paid_orders()
        .filter(created_at__gte=range_.start, created_at__lt=range_.end)
        .annotate(day=TruncDate("created_at", tzinfo=range_.zone))
        .values("day")
        .annotate(
            orders=Count("id"),
            gross=Sum(base_amount("total")),
            discounts=Sum(base_amount("discount_total")),
            shipping=Sum(base_amount("shipping_total")),
            tax=Sum(base_amount("tax_total")),
            refunds=Sum(base_amount("amount_refunded")),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for day in range_.days:
        row = by_day.get(day, {})
        gross, refunds = _money(row.get("gross")), _money(row.get("refunds"))
        result.append(
            {
                "day": day,
                "orders": row.get("orders", 0),
                "gross": gross,
                "discounts": _money(row.get("discounts")),
                "shipping": _money(row.get("shipping")),
                "tax": _money(row.get("tax")),
                "refunds": refunds,
                "net": gross - refunds,
            }
        )
    return result


def _paid_lines(range_: periods.DateRange) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        order__payment_status__in=PAID_STATUSES,
        order__created_at__gte=range_.start,
        order__created_at__lt=range_.end,
    )


def sales_by_product(range_: periods.DateRange) -> QuerySet:
    """Units and line sales per product (lines of deleted products share one row)."""
    return (
        _paid_lines(range_)
        .values("variant__product_id")
        .annotate(
            name=Max("product_name"),
            orders=Count("order_id", distinct=True),
            units=Sum("quantity"),
            returned=Sum("quantity_returned"),
            sales=Sum(base_line_total()),
        )
        .order_by("-sales", "name")
    )


def sales_by_category(range_: periods.DateRange) -> QuerySet:
    return (
        _paid_lines(range_)
        .values("variant__product__category_id")
        .annotate(
            name=Coalesce(Max("variant__product__category__name"), Value("(no category)")),
            orders=Count("order_id", distinct=True),
            units=Sum("quantity"),
            returned=Sum("quantity_returned"),
            sales=Sum(base_line_total()),
        )
        .order_by("-sales", "name")
    )


def sales_by_discount(range_: periods.DateRange) -> QuerySet:
    """Per promotion and per voucher: orders, the amount taken off items and off shipping
    (``OrderDiscount`` rows, as allocated when each order was placed)."""
    return (
        OrderDiscount.objects.filter(
            order__payment_status__in=PAID_STATUSES,
            order__created_at__gte=range_.start,
            order__created_at__lt=range_.end,
        )
        .values("source", "source_id")
        .annotate(
            name=Max("label"),
            orders=Count("order_id", distinct=True),
            items=Coalesce(
                Sum(base_of_row("amount"), filter=Q(line__isnull=False)),
                ZERO,
                output_field=MONEY_FIELD,
            ),
            shipping=Coalesce(
                Sum(base_of_row("amount"), filter=Q(line__isnull=True)),
                ZERO,
                output_field=MONEY_FIELD,
            ),
            total=Sum(base_of_row("amount")),
        )
        .order_by("-total", "name")
    )


def sales_totals(range_: periods.DateRange) -> dict:
    totals = (
        paid_orders()
        .filter(created_at__gte=range_.start, created_at__lt=range_.end)
        .aggregate(
            orders=Count("id"),
            gross=Sum(base_amount("total")),
            refunds=Sum(base_amount("amount_refunded")),
        )
    )
    gross, refunds = _money(totals["gross"]), _money(totals["refunds"])
    return {"orders": totals["orders"], "gross": gross, "refunds": refunds, "net": gross - refunds}


# --- inventory --------------------------------------------------------------------------------
def inventory_by_variant() -> QuerySet:
    """Per variant, all warehouses summed: units and their value at cost and at selling price."""
    return (
        StockLevel.objects.values(
            "variant_id",
            "variant__sku",
            "variant__product__name",
            "variant__name",
            "variant__cost_price",
            "variant__price",
        )  # fmt: skip
        .annotate(
            units=Sum("on_hand"),
            units_reserved=Sum("reserved"),
            value_at_cost=Sum(
                F("on_hand") * Coalesce("variant__cost_price", Value(ZERO)),
                output_field=MONEY_FIELD,
            ),
            value_at_price=Sum(F("on_hand") * F("variant__price"), output_field=MONEY_FIELD),
        )
        .order_by("variant__product__name", "variant__sku")
    )


def inventory_totals() -> dict:
    totals = StockLevel.objects.aggregate(
        units=Coalesce(Sum("on_hand"), 0),
        reserved=Coalesce(Sum("reserved"), 0),
        value_at_cost=Sum(
            F("on_hand") * Coalesce("variant__cost_price", Value(ZERO)), output_field=MONEY_FIELD
        ),
        value_at_price=Sum(F("on_hand") * F("variant__price"), output_field=MONEY_FIELD),
        missing_cost=Count("variant_id", filter=Q(variant__cost_price__isnull=True), distinct=True),
        variants=Count("variant_id", distinct=True),
    )
    totals["value_at_cost"] = _money(totals["value_at_cost"])
    totals["value_at_price"] = _money(totals["value_at_price"])
    return totals


def low_stock_rows() -> QuerySet:
    return low_stock_levels().values(
        "variant__sku", "variant__product__name", "variant__name", "warehouse__name",
        "on_hand", "reserved", "available_units", "threshold",
    ).order_by("available_units", "variant__sku")  # fmt: skip


# --- customers --------------------------------------------------------------------------------
def _customers(range_: periods.DateRange) -> QuerySet:
    """Paid customers of the range, by email: orders and net spend in it, first order ever."""
    in_range = Q(created_at__gte=range_.start)
    return (
        paid_orders()
        .filter(created_at__lt=range_.end)
        .annotate(customer=Lower("email"))
        .values("customer")
        .annotate(
            first_order_at=Min("created_at"),
            orders=Count("id", filter=in_range),
            spent=Sum(
                base_amount("total") - base_amount("amount_refunded"),
                filter=in_range,
                output_field=MONEY_FIELD,
            ),
        )
        .filter(orders__gt=0)
    )


def customer_summary(range_: periods.DateRange) -> dict:
    """New customers (first paid order in the range) against returning ones (ordered before)."""
    new = Q(first_order_at__gte=range_.start)
    totals = _customers(range_).aggregate(
        new_customers=Count("customer", filter=new),
        returning_customers=Count("customer", filter=~new),
        new_orders=Coalesce(Sum("orders", filter=new), 0),
        returning_orders=Coalesce(Sum("orders", filter=~new), 0),
        new_spent=Sum("spent", filter=new, output_field=DecimalField()),
        returning_spent=Sum("spent", filter=~new, output_field=DecimalField()),
    )
    totals["new_spent"] = _money(totals["new_spent"])
    totals["returning_spent"] = _money(totals["returning_spent"])
    customers = totals["new_customers"] + totals["returning_customers"]
    totals["customers"] = customers
    totals["returning_percent"] = (
        round(100 * totals["returning_customers"] / customers) if customers else 0
    )
    return totals


def top_customers(range_: periods.DateRange) -> QuerySet:
    return _customers(range_).order_by("-spent", "customer")
