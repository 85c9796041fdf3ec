from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.cart.models import Cart
from apps.dashboard import charts, selectors
from apps.inventory import services as inventory_services
from apps.inventory.models import Reservation, StockLevel
from apps.orders.models import Order, Return
from apps.tenants.models import Store
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory
from tests.factories.orders import make_order

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal


def _carts(count: int, created_at: datetime) -> None:
    ids = [Cart.objects.create().id for _ in range(count)]
    Cart.objects.filter(id__in=ids).update(created_at=created_at)


@pytest.fixture
def month_of_sales():
    variant = VariantFactory(price=D("25.00"))
    make_order(total="100.00", created_at=NOW - timedelta(hours=1), lines=[(variant, 4, "100.00")])
    make_order(total="50.00", refunded="20.00", created_at=NOW - timedelta(days=3),
               payment_status=Order.PaymentStatus.PARTIALLY_REFUNDED)  # fmt: skip
    make_order(total="60.00", refunded="60.00", created_at=NOW - timedelta(days=2),
               payment_status=Order.PaymentStatus.REFUNDED,
               status=Order.Status.REFUNDED)  # fmt: skip
    make_order(total="30.00", created_at=NOW - timedelta(days=20))
    make_order(total="999.00", created_at=NOW - timedelta(hours=2),
               payment_status=Order.PaymentStatus.UNPAID, status=Order.Status.PENDING)  # fmt: skip
    make_order(total="40.00", created_at=NOW - timedelta(days=40))
    _carts(2, NOW - timedelta(hours=3))
    _carts(2, NOW - timedelta(days=5))
    _carts(4, NOW - timedelta(days=25))
    return variant


@pytest.mark.django_db
def test_kpis_count_paid_orders_net_of_refunds_per_window(month_of_sales):
    store = Store(currency="USD", timezone="UTC")

    data = selectors.get_dashboard(store=store, now=NOW)
    today, week, month = data.kpis

    assert (today.orders, today.revenue, today.refunds, today.carts) == (1, D("100.00"), 0, 2)
    assert (week.orders, week.gross, week.refunds, week.revenue) == (3, D("210.00"), D("80.00"),
                                                                     D("130.00"))  # fmt: skip
    assert week.average_order_value == D("70.00")
    assert (month.orders, month.revenue, month.average_order_value) == (4, D("160.00"), D("60.00"))
    assert [k.conversion_percent for k in data.kpis] == [D("50.0"), D("75.0"), D("50.0")]


@pytest.mark.django_db
def test_daily_series_covers_every_day_in_the_store_time_zone(month_of_sales):
    data = selectors.get_dashboard(store=Store(currency="USD", timezone="UTC"), now=NOW)
    by_day = {point.day: point for point in data.days}

    assert len(data.days) == 30 and data.days[-1].day == NOW.date()
    assert (by_day[NOW.date()].revenue, by_day[NOW.date()].orders) == (D("100.00"), 1)
    assert by_day[(NOW - timedelta(days=3)).date()].revenue == D("30.00")
    assert by_day[(NOW - timedelta(days=2)).date()].revenue == D("0.00")
    assert by_day[(NOW - timedelta(days=1)).date()].orders == 0


@pytest.mark.django_db
def test_today_starts_at_the_stores_local_midnight():
    # 03:00 UTC on 10 March is still 9 March, 23:00, in New York (EDT, UTC−4).
    make_order(total="10.00", created_at=datetime(2026, 3, 10, 3, 0, tzinfo=UTC))

    in_utc = selectors.get_dashboard(store=Store(currency="USD", timezone="UTC"), now=NOW)
    in_new_york = selectors.get_dashboard(
        store=Store(currency="USD", timezone="America/New_York"), now=NOW
    )

    assert in_utc.kpis[0].orders == 1
    assert in_new_york.kpis[0].orders == 0
    assert in_new_york.days[-2].day.isoformat() == "2026-03-09"
    assert in_new_york.days[-2].orders == 1


@pytest.mark.django_db
def test_top_products_low_stock_returns_and_reservations(month_of_sales):
    warehouse = WarehouseFactory()
    low = VariantFactory()
    inventory_services.receive_stock(variant_id=low.id, warehouse_id=warehouse.id, quantity=2)
    plenty = VariantFactory()
    inventory_services.receive_stock(variant_id=plenty.id, warehouse_id=warehouse.id, quantity=50)
    StockLevel.objects.filter(variant=plenty).update(low_stock_threshold=60)  # own threshold
    Return.objects.create(order=Order.objects.first())
    low_level = StockLevel.objects.get(variant=low, warehouse=warehouse)
    Reservation.objects.create(reference="r1", variant=low, warehouse=warehouse, quantity=1,
                               stock_level=low_level,
                               expires_at=NOW + timedelta(days=1))  # fmt: skip
    Reservation.objects.create(reference="r2", variant=low, warehouse=warehouse, quantity=1,
                               stock_level=low_level,
                               expires_at=NOW - timedelta(minutes=1))  # fmt: skip

    data = selectors.get_dashboard(store=Store(currency="USD", timezone="UTC"), now=NOW)

    assert data.top_products[0]["variant__product_id"] == month_of_sales.product_id
    assert (data.top_products[0]["units"], data.top_products[0]["sales"]) == (4, D("100.00"))
    assert {level.variant_id for level in data.low_stock} == {low.id, plenty.id}
    assert data.low_stock_count == 2
    assert data.waiting_returns_count == 1
    assert data.active_reservations == {"holds": 1, "units": 1}


@pytest.mark.django_db
def test_dashboard_page_renders_for_the_owner_with_charts_and_sidebar(owner_client, month_of_sales):
    response = owner_client.get("/admin/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<svg" in html and "<rect" in html and "Revenue per day" in html
    assert "Paid orders" in html and "Conversion" in html
    assert 'href="/admin/orders/order/"' in html  # the sidebar
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


@pytest.mark.django_db
def test_dashboard_query_count_does_not_grow_with_data(owner_client, django_assert_max_num_queries):
    warehouse = WarehouseFactory()
    owner_client.get("/admin/")  # warm up: session, settings row

    def add_data():
        for i in range(15):
            variant = VariantFactory()
            inventory_services.receive_stock(variant_id=variant.id, warehouse_id=warehouse.id,
                                             quantity=1 + i % 3)  # fmt: skip
            make_order(total="20.00", created_at=NOW - timedelta(days=i),
                       lines=[(variant, 1, "20.00")])  # fmt: skip
            Return.objects.create(order=Order.objects.first())

    add_data()
    with django_assert_max_num_queries(20) as small:
        owner_client.get("/admin/")
    add_data()
    add_data()
    with django_assert_max_num_queries(20) as large:
        owner_client.get("/admin/")

    assert len(large.captured_queries) == len(small.captured_queries)


def test_bar_chart_scales_bars_to_a_round_maximum():
    from datetime import date

    points = [(date(2026, 3, d), D(v)) for d, v in [(1, "0"), (2, "37.50"), (3, "75.00")]]

    chart = charts.bar_chart(points, title="Revenue", money=True, unit="USD")

    assert [t.label for t in chart.ticks] == ["0.00", "50.00", "100.00"]
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1])
    assert chart.bars[2].title == "Tue Mar 3: 75.00 USD"
    assert chart.total_label == "112.50 USD"
