"""The merchant dashboard's numbers, aggregated in SQL with a fixed number of queries.

Definitions (shown on the dashboard too):
- a *paid order* is one whose payment was received: payment status paid, partially refunded or
  refunded. Pending, failed and cancelled-before-payment orders are not sales;
- *revenue* is the paid orders' totals (tax and shipping included) minus what was refunded on
  them — net of refunds; *refunds* is that refunded amount. Both are counted on the day the
  order was placed, in the store's time zone;
- *average order value* is the paid orders' totals before refunds ÷ the number of paid orders;
- *conversion* is paid orders ÷ carts created in the same window.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from apps.cart.models import Cart
from apps.dashboard import periods
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import Reservation, StockLevel
from apps.orders.models import Order, OrderLine, Return
from apps.orders.selectors import base_amount, base_line_total
from apps.payments import selectors as payment_selectors
from apps.payments.models import WebhookEvent
from apps.preferences import selectors as preference_selectors

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
PAID_STATUSES = (
    Order.PaymentStatus.PAID,
    Order.PaymentStatus.PARTIALLY_REFUNDED,
    Order.PaymentStatus.REFUNDED,
)
WAITING_RETURN_STATUSES = (Return.Status.REQUESTED, Return.Status.APPROVED)
PAID = Q(payment_status__in=PAID_STATUSES)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


@dataclass
class Kpis:
    key: str
    label: str
    revenue: Decimal
    gross: Decimal
    refunds: Decimal
    orders: int
    carts: int

    @property
    def average_order_value(self) -> Decimal:
        return _money(self.gross / self.orders) if self.orders else ZERO

    @property
    def conversion_percent(self) -> Decimal | None:
        if not self.carts:
            return None
        return (Decimal(self.orders) * 100 / self.carts).quantize(Decimal("0.1"))


@dataclass
class DayPoint:
    day: date
    revenue: Decimal
    orders: int


@dataclass
class Dashboard:
    kpis: list[Kpis]
    days: list[DayPoint]
    top_products: list[dict]
    low_stock: list[StockLevel]
    low_stock_count: int
    recent_orders: list[Order]
    waiting_returns: list[Return]
    waiting_returns_count: int
    active_reservations: dict
    payment_events: list[WebhookEvent]
    payment_events_count: int
    currency: str
    zone_name: str
    generated_at: datetime
    notes: list[str] = field(default_factory=list)


def paid_orders() -> QuerySet[Order]:
    return Order.objects.filter(PAID)


def get_kpis(windows: list[periods.Window]) -> list[Kpis]:
    """Revenue, refunds, orders and carts for every window: one query on orders, one on carts."""
    earliest = min(w.start for w in windows)
    latest = max(w.end for w in windows)
    order_aggregates: dict = {}
    cart_aggregates = {}
    for w in windows:
        in_window = Q(created_at__gte=w.start, created_at__lt=w.end)
        order_aggregates[f"{w.key}_gross"] = Sum(base_amount("total"), filter=in_window)
        order_aggregates[f"{w.key}_refunds"] = Sum(base_amount("amount_refunded"), filter=in_window)
        order_aggregates[f"{w.key}_orders"] = Count("id", filter=in_window)
        cart_aggregates[w.key] = Count("id", filter=in_window)
    orders = paid_orders().filter(created_at__gte=earliest, created_at__lt=latest)
    totals = orders.aggregate(**order_aggregates)
    carts = Cart.objects.filter(created_at__gte=earliest, created_at__lt=latest).aggregate(
        **cart_aggregates
    )
    result = []
    for w in windows:
        gross = _money(totals[f"{w.key}_gross"])
        refunds = _money(totals[f"{w.key}_refunds"])
        result.append(
            Kpis(
                key=w.key,
                label=w.label,
                revenue=gross - refunds,
                gross=gross,
                refunds=refunds,
                orders=totals[f"{w.key}_orders"],
                carts=carts[w.key],
            )
        )
    return result


def get_daily_sales(range_: periods.DateRange) -> list[DayPoint]:
    """Net revenue and paid orders per local day, every day of the range (zeros included)."""
    rows = (
        paid_orders()
        .filter(created_at__gte=range_.start, created_at__lt=range_.end)
        .annotate(day=TruncDate("created_at", tzinfo=range_.zone))
        .values("day")
        .annotate(
            revenue=Sum(
                base_amount("total") - base_amount("amount_refunded"), output_field=MONEY_FIELD
            ),
            orders=Count("id"),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    return [
        DayPoint(
            day=day,
            revenue=_money(by_day[day]["revenue"]) if day in by_day else ZERO,
            orders=by_day[day]["orders"] if day in by_day else 0,
        )
        for day in range_.days
    ]


def list_top_products(*, start: datetime, end: datetime, limit: int = 5) -> list[dict]:
    """Best sellers by line revenue over paid orders placed in [start, end)."""
    return list(
        OrderLine.objects.filter(  # type: ignore[arg-type]
            order__payment_status__in=PAID_STATUSES,
            order__created_at__gte=start,
            order__created_at__lt=end,
        )
        .values("variant__product_id")
        .annotate(name=Max("product_name"), units=Sum("quantity"), sales=Sum(base_line_total()))
        .order_by("-sales", "-units")[:limit]
    )


def low_stock_levels() -> QuerySet[StockLevel]:
    """Stock rows whose free units are at or below their threshold (their own, else the
    store's default). Free units as everywhere: ``inventory_selectors.with_free_units``."""
    default = preference_selectors.get_store_settings().low_stock_threshold
    levels = StockLevel.objects.filter(variant__active=True, warehouse__active=True).exclude(
        variant__product__status="archived"
    )
    return (
        inventory_selectors.with_free_units(levels, name="available_units")
        .annotate(threshold=Coalesce("low_stock_threshold", Value(default)))
        .filter(Q(available_units__lte=F("threshold")))  # Q: an annotation the stubs cannot see
    )


def list_low_stock(*, limit: int = 10) -> tuple[list[StockLevel], int]:
    levels = low_stock_levels()
    rows = list(
        levels.select_related("variant__product", "warehouse").order_by(  # type: ignore[misc]
            "available_units", "variant__sku"
        )[:limit]
    )
    count = len(rows) if len(rows) < limit else levels.count()
    return rows, count


def list_recent_orders(*, limit: int = 8) -> list[Order]:
    return list(
        Order.objects.only(
            "id", "number", "email", "status", "payment_status", "total", "currency", "created_at"
        ).order_by("-created_at", "-id")[:limit]
    )


def list_waiting_returns(*, limit: int = 5) -> tuple[list[Return], int]:
    waiting = Return.objects.filter(status__in=WAITING_RETURN_STATUSES)
    rows = list(waiting.select_related("order").order_by("created_at", "id")[:limit])
    count = len(rows) if len(rows) < limit else waiting.count()
    return rows, count


def get_active_reservations(*, now: datetime | None = None) -> dict:
    """Live stock holds: state active and not yet expired."""
    return Reservation.objects.filter(
        state="active", expires_at__gt=now or timezone.now()
    ).aggregate(holds=Count("id"), units=Coalesce(Sum("quantity"), 0))


def get_dashboard(*, store, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard home shows, in about a dozen queries whatever the data size."""
    now = now or timezone.now()
    zone = periods.store_zone(store)
    windows = periods.windows(zone, now=now)
    month = windows[-1]
    chart_range = periods.DateRange(
        month.start.date(), (month.end - timedelta(days=1)).date(), zone
    )
    low_stock, low_stock_count = list_low_stock()
    returns, returns_count = list_waiting_returns()
    payment_events, payment_events_count = payment_selectors.list_events_needing_attention()
    return Dashboard(
        kpis=get_kpis(windows),
        days=get_daily_sales(chart_range),
        top_products=list_top_products(start=month.start, end=month.end),
        low_stock=low_stock,
        low_stock_count=low_stock_count,
        recent_orders=list_recent_orders(),
        waiting_returns=returns,
        waiting_returns_count=returns_count,
        active_reservations=get_active_reservations(now=now),
        payment_events=payment_events,
        payment_events_count=payment_events_count,
        currency=store.currency,
        zone_name=zone.key,
        generated_at=now,
    )
