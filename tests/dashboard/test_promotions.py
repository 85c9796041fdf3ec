"""The promotions page under Discounts, and the sales report's totals per promotion."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog import product_cache
from apps.checkout import promotions
from apps.checkout import services as checkout_services
from apps.checkout.models import Promotion
from tests.checkout.test_promotions import worked_basket
from tests.factories.catalog import CategoryFactory
from tests.factories.checkout import VoucherFactory
from tests.shopping import pay_with_test_card, ready_checkout

D = Decimal


@pytest.mark.django_db
def test_sales_report_shows_discount_totals_per_promotion(owner_client):
    bogo, shoe_sale, lines = worked_basket()
    VoucherFactory(code="TEN", value=D("10"))
    for _ in range(2):
        checkout = ready_checkout(lines=lines)
        checkout_services.apply_voucher(checkout=checkout, code="TEN")
        pay_with_test_card(checkout_services.place_order(checkout=checkout).order)
    today = timezone.localdate().isoformat()

    page = owner_client.get(f"/admin/reports/sales/?group=discount&start={today}&end={today}")
    rows = b"".join(owner_client.get(
        f"/admin/reports/sales/?group=discount&start={today}&end={today}&format=csv"
    ).streaming_content).decode().splitlines()  # fmt: skip

    assert page.status_code == 200 and "20 % off shoes" in page.content.decode()
    assert rows[1:] == [
        "promotion,20 % off shoes,2,44.00,0.00,44.00,USD",
        "voucher,TEN,2,20.00,0.00,20.00,USD",
        "promotion,Socks: buy 2 get 1 free,2,8.00,0.00,8.00,USD",
    ]


@pytest.mark.django_db
def test_merchant_adds_a_promotion_on_the_promotions_page(owner_client):
    category = CategoryFactory(name="Shoes")
    version = product_cache.current_version()

    listing = owner_client.get("/admin/checkout/promotion/")
    bad = owner_client.post("/admin/checkout/promotion/add/", _promotion_form(value="150"))
    added = owner_client.post(
        "/admin/checkout/promotion/add/", _promotion_form(categories=[category.id])
    )

    promotion = Promotion.objects.get()
    assert listing.status_code == 200
    assert bad.status_code == 200 and "A percentage is at most 100." in bad.content.decode()
    assert added.status_code == 302
    assert list(promotion.categories.all()) == [category]
    assert product_cache.current_version() != version
    rules = promotions.list_promotion_rules()
    assert [r.category_ids for r in rules] == [frozenset({category.id})]


def _promotion_form(**overrides) -> dict:
    return {
        "name": "20 % off shoes", "active": "on", "kind": "items", "value_type": "percent",
        "value": "20", "applies_to": "categories", "buy_quantity": "0", "get_quantity": "0",
        "minimum_subtotal": "0", "priority": "0",
    } | overrides  # fmt: skip


@pytest.mark.django_db
def test_order_page_shows_what_each_promotion_and_the_voucher_took_off(owner_client):
    _, _, lines = worked_basket()
    VoucherFactory(code="TEN", value=D("10"))
    checkout = ready_checkout(lines=lines)
    checkout_services.apply_voucher(checkout=checkout, code="TEN")
    order = pay_with_test_card(checkout_services.place_order(checkout=checkout).order)

    html = owner_client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    totals = html[html.index('class="order-totals"') :]
    rows = totals[: totals.index("</table>")]
    assert '20 % off shoes</th><td class="num">−22.00' in rows
    assert 'Socks: buy 2 get 1 free</th><td class="num">−4.00' in rows
    assert 'Voucher TEN</th><td class="num">−10.00' in rows
