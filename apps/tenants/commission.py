"""The platform's commission on each store's paid orders, and per-store sales read through
each store's own schema (one query per store: no query ever joins two schemas).

Commission for a month = the store's commission base × its rate ÷ 100, rounded half-up to the
cent once per store and month (an invoice line). The base is the total of the store's orders
whose payment was received in that month (``paid_at``, months in UTC), net of what has been
refunded on them so far — a later refund lowers the month the order was paid in.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

from apps.tenants import sql as tenant_sql
from apps.tenants.models import Store

CENT = Decimal("0.01")
STATS_CACHE_SECONDS = 60
# Order.PaymentStatus values of orders whose payment was received (the platform reads the
# orders table by name, see ``apps.tenants.sql``, and does not import the orders app).
RECEIVED = ("paid", "partially_refunded", "refunded")


def commission_amount(base: Decimal, rate_percent: Decimal) -> Decimal:
    """``base`` × ``rate_percent`` %, half-up to the cent, in Decimal throughout."""
    return (Decimal(base) * Decimal(rate_percent) / Decimal(100)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _store_orders_query(store: Store, start: datetime | None = None, end=None) -> dict:
    return tenant_sql.read_store_order_totals(
        schema_name=store.schema_name,
        pod=store.pod,
        payment_statuses=RECEIVED,
        paid_from=start,
        paid_before=end,
    )


@dataclass(frozen=True)
class StoreSales:
    orders: int  # paid orders, all time
    revenue: Decimal  # their totals net of refunds


def get_store_sales(store: Store, *, use_cache: bool = True) -> StoreSales:
    """A store's paid orders and net revenue, all time, read in its schema; cached briefly."""
    key = f"platform:store-sales:{store.schema_name}"
    with schema_context(get_public_schema_name()):  # one cache namespace for platform figures
        cached = cache.get(key) if use_cache else None
    if cached is not None:
        return StoreSales(orders=cached[0], revenue=Decimal(cached[1]))
    row = _store_orders_query(store)
    sales = StoreSales(orders=row["orders"], revenue=(row["net"] or Decimal(0)).quantize(CENT))
    with schema_context(get_public_schema_name()):
        cache.set(key, (sales.orders, str(sales.revenue)), STATS_CACHE_SECONDS)
    return sales


@dataclass(frozen=True)
class CommissionLine:
    store: Store
    orders: int
    gross: Decimal
    base: Decimal  # net of refunds
    rate: Decimal
    commission: Decimal


@dataclass(frozen=True)
class CommissionReport:
    month: date
    lines: list[CommissionLine]

    @property
    def total_orders(self) -> int:
        return sum(line.orders for line in self.lines)


def get_commission_report(month: date) -> CommissionReport:
    """Every store (suspended ones too: they sold that month), one query in each schema."""
    start, end = month_bounds(month)
    lines = []
    for store in Store.objects.order_by("name"):
        row = _store_orders_query(store, start, end)
        base = (row["net"] or Decimal(0)).quantize(CENT)
        lines.append(
            CommissionLine(
                store=store,
                orders=row["orders"],
                gross=(row["gross"] or Decimal(0)).quantize(CENT),
                base=base,
                rate=store.commission_rate,
                commission=commission_amount(base, store.commission_rate),
            )
        )
    return CommissionReport(month=date(month.year, month.month, 1), lines=lines)
