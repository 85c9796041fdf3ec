from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django_tenants.utils import schema_context

from apps.orders.models import Order
from apps.tenants import commission, services
from apps.tenants.models import Store
from tests.conftest import STORE_SPEC, TEST_PASSWORD
from tests.factories.orders import make_order

D = Decimal
MARCH = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def platform_staff(public_schema):
    return get_user_model().objects.create_superuser(email="ops@mercato.test", password="x")


@pytest.fixture
def platform_admin(platform_client, platform_staff):
    platform_client.force_login(platform_staff)
    return platform_client


# --- suspension -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_suspended_store_shows_a_closed_page_with_503(store, store_client):
    services.suspend_store(store_id=store.id)

    home = store_client.get("/")
    cart = store_client.get("/cart/")

    assert home.status_code == cart.status_code == 503
    assert "Test Store is closed for now" in home.content.decode()
    assert home["Retry-After"] == "3600"


@pytest.mark.django_db
def test_a_suspended_stores_admin_still_works_for_the_owner(store, store_client):
    services.suspend_store(store_id=store.id)

    login_page = store_client.get("/admin/login/")
    signed_in = store_client.login(username=STORE_SPEC["owner_email"], password=TEST_PASSWORD)
    dashboard = store_client.get("/admin/")

    assert login_page.status_code == 200
    assert signed_in and dashboard.status_code == 200


@pytest.mark.django_db
def test_resuming_reopens_the_storefront_and_other_stores_are_unaffected(
    store, store_client, other_store_client
):
    services.suspend_store(store_id=store.id)
    other = other_store_client.get("/")
    services.resume_store(store_id=store.id)

    assert other.status_code == 200
    assert store_client.get("/").status_code == 200


@pytest.mark.django_db
def test_platform_admin_suspends_stores_with_an_action(platform_admin, store):
    response = platform_admin.post(
        "/admin/tenants/store/", {"action": "suspend", "_selected_action": [store.pk]}
    )

    assert response.status_code == 302
    assert Store.objects.get(pk=store.pk).status == Store.Status.SUSPENDED


# --- sales per store ------------------------------------------------------------------------
@pytest.mark.django_db
def test_stores_list_shows_paid_orders_and_revenue_read_in_each_schema(
    platform_admin, store, other_store
):
    with schema_context(store.schema_name):
        make_order(total="80.00", refunded="30.00",
                   payment_status=Order.PaymentStatus.PARTIALLY_REFUNDED)  # fmt: skip
        make_order(total="5.00", payment_status=Order.PaymentStatus.UNPAID,
                   status=Order.Status.PENDING)  # fmt: skip
    for slug in (store.schema_name, other_store.schema_name):
        cache.delete(f"platform:store-sales:{slug}")

    html = platform_admin.get("/admin/tenants/store/").content.decode()
    sales = commission.get_store_sales(store)
    other_sales = commission.get_store_sales(other_store)

    assert (sales.orders, sales.revenue) == (1, D("50.00"))
    assert (other_sales.orders, other_sales.revenue) == (0, D("0.00"))
    assert "50.00 USD" in html


# --- commission -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("base", "rate", "expected"),
    [("1234.57", "2.50", "30.86"), ("10.10", "5.00", "0.51"), ("0.10", "4.99", "0.00"),
     ("99999.99", "100.00", "99999.99"), ("100.00", "0.00", "0.00"), ("33.33", "3.33", "1.11")],
)  # fmt: skip
def test_commission_is_decimal_and_rounds_half_up_to_the_cent(base, rate, expected):
    amount = commission.commission_amount(D(base), D(rate))

    assert isinstance(amount, Decimal)
    assert amount == D(expected) and str(amount) == expected


def test_month_bounds_cover_december():
    start, end = commission.month_bounds(date(2026, 12, 1))

    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+00:00",
                                                    "2027-01-01T00:00:00+00:00")  # fmt: skip


@pytest.mark.django_db
def test_monthly_commission_uses_orders_paid_that_month_net_of_refunds(store, other_store):
    services.set_commission_rate(store_id=store.id, rate=D("2.5"))
    with schema_context(store.schema_name):
        make_order(total="100.00", paid_at=MARCH)
        make_order(total="40.10", refunded="10.00", paid_at=MARCH,
                   payment_status=Order.PaymentStatus.PARTIALLY_REFUNDED)  # fmt: skip
        make_order(total="500.00", paid_at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC))  # April
        make_order(total="70.00", payment_status=Order.PaymentStatus.UNPAID,
                   status=Order.Status.PENDING)  # fmt: skip

    report = commission.get_commission_report(date(2026, 3, 1))
    line = next(line for line in report.lines if line.store.pk == store.pk)
    other_line = next(line for line in report.lines if line.store.pk == other_store.pk)

    assert (line.orders, line.gross, line.base) == (2, D("140.10"), D("130.10"))
    assert line.rate == D("2.50")
    assert line.commission == D("3.25")  # 130.10 × 2.5 % = 3.2525
    assert (other_line.orders, other_line.commission) == (0, D("0.00"))


@pytest.mark.django_db
def test_commission_report_page_and_csv(platform_admin, store):
    services.set_commission_rate(store_id=store.id, rate=D("10"))
    with schema_context(store.schema_name):
        make_order(total="19.99", paid_at=MARCH)

    page = platform_admin.get("/admin/commission/?month=2026-03")
    export = platform_admin.get("/admin/commission/?month=2026-03&format=csv")

    assert page.status_code == 200 and "Commission for March 2026" in page.content.decode()
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("month,store,slug")
    assert "2026-03,Test Store,teststore,USD,1,19.99,19.99,10.00,2.00" in lines


@pytest.mark.django_db
def test_commission_rate_must_be_a_percentage(store):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.set_commission_rate(store_id=store.id, rate=D("100.01"))


@pytest.mark.django_db
def test_store_admins_cannot_reach_the_platform_admin(store_client):
    assert store_client.get("/admin/commission/").status_code in (302, 404)


@pytest.mark.django_db
def test_platform_admin_home_links_stores_and_commission(platform_admin):
    html = platform_admin.get("/admin/").content.decode()

    assert 'href="/admin/commission/"' in html
    assert 'href="/admin/tenants/store/"' in html
