import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.dashboard import exports
from apps.inventory import services as inventory_services
from apps.orders.models import Order
from tests.factories.catalog import CategoryFactory, ProductFactory, VariantFactory
from tests.factories.inventory import WarehouseFactory
from tests.factories.orders import make_order

D = Decimal


def _csv(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def _range(days_back: int = 29) -> str:
    today = timezone.localdate()
    return f"start={(today - timedelta(days=days_back)).isoformat()}&end={today.isoformat()}"


@pytest.fixture
def sales():
    mugs, shirts = CategoryFactory(name="Mugs"), CategoryFactory(name="Shirts")
    mug = VariantFactory(product=ProductFactory(name="Mug", category=mugs))
    shirt = VariantFactory(product=ProductFactory(name="=HYPERLINK(evil)", category=shirts))
    now = timezone.now()
    make_order(total="30.00", created_at=now - timedelta(days=1), email="a@x.test",
               lines=[(mug, 2, "20.00"), (shirt, 1, "10.00")])  # fmt: skip
    make_order(total="15.00", refunded="5.00", created_at=now - timedelta(days=2),
               email="b@x.test", payment_status=Order.PaymentStatus.PARTIALLY_REFUNDED,
               lines=[(mug, 1, "15.00")])  # fmt: skip
    make_order(total="99.00", created_at=now, email="c@x.test",
               payment_status=Order.PaymentStatus.UNPAID, status=Order.Status.PENDING,
               lines=[(shirt, 9, "99.00")])  # fmt: skip
    make_order(total="12.00", created_at=now - timedelta(days=100), email="A@x.test")
    return mug, shirt


@pytest.mark.django_db
def test_sales_by_day_csv_streams_every_day_with_net_revenue(owner_client, sales):
    rows = _csv(owner_client.get(f"/admin/reports/sales/?group=day&{_range()}&format=csv"))

    assert rows[0][:3] == ["date", "paid_orders", "gross"]
    assert len(rows) == 1 + 30
    by_date = {row[0]: row for row in rows[1:]}
    two_days_ago = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert by_date[two_days_ago][1:2] + by_date[two_days_ago][6:8] == ["1", "5.00", "10.00"]
    assert sum(D(row[7]) for row in rows[1:]) == D("40.00")


@pytest.mark.django_db
def test_sales_by_product_and_category(owner_client, sales):
    products = _csv(owner_client.get(f"/admin/reports/sales/?group=product&{_range()}&format=csv"))
    categories = _csv(
        owner_client.get(f"/admin/reports/sales/?group=category&{_range()}&format=csv")
    )

    assert products[1][:5] == ["Mug", "2", "3", "0", "35.00"]
    assert products[2][0] == "'=HYPERLINK(evil)"  # a spreadsheet will not run it
    assert [row[:5] for row in categories[1:]] == [["Mugs", "2", "3", "0", "35.00"],
                                                   ["Shirts", "1", "1", "0", "10.00"]]  # fmt: skip


@pytest.mark.django_db
def test_sales_report_page_shows_totals_and_rejects_reversed_ranges(owner_client, sales):
    page = owner_client.get(f"/admin/reports/sales/?{_range()}")
    reversed_range = owner_client.get("/admin/reports/sales/?start=2026-03-10&end=2026-03-01")

    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    assert "40.00" in html  # net revenue of the range
    assert "must not be after" in reversed_range.content.decode()


@pytest.mark.django_db
def test_customers_report_separates_new_from_returning(owner_client, sales):
    page = owner_client.get(f"/admin/reports/customers/?{_range()}")
    rows = _csv(owner_client.get(f"/admin/reports/customers/?{_range()}&format=csv"))

    summary = page.context["summary"]
    assert (summary["new_customers"], summary["returning_customers"]) == (1, 1)
    assert summary["returning_spent"] == D("30.00")  # a@x.test bought 100 days ago too
    assert [(row[0], row[2], row[4]) for row in rows[1:]] == [
        ("a@x.test", "30.00", "returning"),
        ("b@x.test", "10.00", "new"),
    ]


@pytest.mark.django_db
def test_inventory_report_values_stock_at_cost_and_at_price(owner_client):
    warehouse = WarehouseFactory()
    costed = VariantFactory(price=D("10.00"), cost_price=D("4.00"))
    uncosted = VariantFactory(price=D("5.00"), cost_price=None)
    inventory_services.receive_stock(variant_id=costed.id, warehouse_id=warehouse.id, quantity=10)
    inventory_services.receive_stock(variant_id=uncosted.id, warehouse_id=warehouse.id, quantity=3)

    page = owner_client.get("/admin/reports/inventory/")
    rows = _csv(owner_client.get("/admin/reports/inventory/?export=valuation"))
    low = _csv(owner_client.get("/admin/reports/inventory/?export=low-stock"))

    totals = page.context["totals"]
    assert (totals["value_at_cost"], totals["value_at_price"]) == (D("40.00"), D("115.00"))
    assert totals["missing_cost"] == 1
    by_sku = {row[0]: row for row in rows[1:]}
    assert by_sku[costed.sku][8:10] == ["40.00", "100.00"]
    assert [row[0] for row in low[1:]] == [uncosted.sku]  # 3 ≤ default threshold 5


def test_csv_cells_that_look_like_formulas_are_defused():
    assert exports._cell("=1+1") == "'=1+1"
    assert exports._cell("@SUM(A1)") == "'@SUM(A1)"
    assert exports._cell(Decimal("-5.00")) == "-5.00"  # numbers stay numbers
    assert exports._cell(None) == ""
