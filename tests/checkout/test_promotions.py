"""Promotions priced by the one pricing function: a worked table, then the same numbers at
checkout, on the order and after a partial refund.

The basket of the worked table (store prices exclude tax; US tax 10 %; shipping 5.00):

| line | category | qty × price | BOGO socks 2+1 | 20 % shoes | voucher 10 % | net   | tax  |
|------|----------|-------------|----------------|------------|--------------|-------|------|
| 1    | shoes    | 1 × 50.00   |                | 10.00      | 4.00         | 36.00 | 3.60 |
| 2    | shoes    | 2 × 30.00   |                | 12.00      | 4.80         | 43.20 | 4.32 |
| 3    | socks    | 2 × 6.00    |                |            | 1.20         | 10.80 | 1.08 |
| 4    | socks    | 1 × 4.00    | 4.00 (cheapest)|            | 0.00         | 0.00  | 0.00 |

In the store, the BOGO targets the socks category and the 20 % an automated collection (the
products tagged "shoes").

Subtotal 126.00, promotions 26.00, voucher 10.00 (10 % of the 100.00 left), tax 9.00,
total 126.00 − 36.00 + 5.00 + 9.00 = 104.00. With a BOGO that does not combine with vouchers
the voucher is refused and the order, without it, is 100.00 + 10.00 tax + 5.00 = 115.00.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog import product_cache
from apps.catalog.models import Collection, CollectionRule
from apps.checkout import promotions
from apps.checkout import services as checkout_services
from apps.checkout.exceptions import InvalidVoucher
from apps.checkout.models import Promotion, TaxRate, Voucher
from apps.checkout.pricing import PricingLine, PromotionRule, compute_totals
from apps.checkout.selectors import get_checkout_summary
from apps.orders import services as order_services
from apps.orders.models import OrderDiscount
from apps.payments import services as payment_services
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.checkout import PromotionFactory, VoucherFactory
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant

D = Decimal
SHOES, SOCKS = 1, 2


def _rule(id, name, kind, value, *, categories, priority, promos=True, vouchers=True, **kw):
    return PromotionRule(
        id=id,
        name=name,
        kind=kind,
        value_type=Promotion.ValueType.PERCENT,
        value=D(value),
        applies_to_all=False,
        category_ids=frozenset(categories),
        priority=priority,
        combines_with_promotions=promos,
        combines_with_vouchers=vouchers,
        **kw,
    )


def _bogo(**kw):
    return _rule(1, "Socks: buy 2 get 1 free", Promotion.Kind.BUY_X_GET_Y, "100",
                 categories=[SOCKS], priority=20, buy_quantity=2, get_quantity=1, **kw)  # fmt: skip


def _shoes(**kw):
    return _rule(2, "20 % off shoes", Promotion.Kind.ITEMS, "20", categories=[SHOES],
                 priority=10, **kw)  # fmt: skip


BASKET = [
    PricingLine(1, 1, D("50.00"), product_id=11, category_id=SHOES),
    PricingLine(2, 2, D("30.00"), product_id=12, category_id=SHOES),
    PricingLine(3, 2, D("6.00"), product_id=13, category_id=SOCKS),
    PricingLine(4, 1, D("4.00"), product_id=14, category_id=SOCKS),
]
TEN_PERCENT = Voucher(code="TEN", kind=Voucher.Kind.PERCENT, value=D("10"))


def _allocations(totals):
    return [[(a.label, a.amount) for a in line.allocations] for line in totals.lines]


@pytest.mark.parametrize(
    ("rules", "voucher", "expected_nets", "expected", "blocked_by"),
    [
        pytest.param(
            [_bogo(), _shoes()], TEN_PERCENT,
            ["36.00", "43.20", "10.80", "0.00"], ("36.00", "9.00", "104.00"), "",
            id="all-combine",
        ),
        pytest.param(
            [_bogo(vouchers=False), _shoes()], TEN_PERCENT,
            ["40.00", "48.00", "12.00", "0.00"], ("26.00", "10.00", "115.00"),
            "Socks: buy 2 get 1 free",
            id="bogo-excludes-vouchers",
        ),
        pytest.param(
            # The BOGO has the higher priority and combines with nothing: the shoes wait.
            [_bogo(promos=False), _shoes()], TEN_PERCENT,
            ["45.00", "54.00", "10.80", "0.00"], ("16.20", "10.98", "125.78"), "",
            id="bogo-alone",
        ),
        pytest.param(
            [_bogo(), _shoes()], None,
            ["40.00", "48.00", "12.00", "0.00"], ("26.00", "10.00", "115.00"), "",
            id="no-voucher",
        ),
    ],
)  # fmt: skip
def test_worked_pricing_table(rules, voucher, expected_nets, expected, blocked_by):
    totals = compute_totals(
        lines=BASKET,
        promotions=rules,
        voucher=voucher,
        shipping=D("5.00"),
        tax_rate=D("0.1000"),
        prices_include_tax=False,
    )

    assert totals.subtotal == D("126.00")
    assert [line.net_total for line in totals.lines] == [D(x) for x in expected_nets]
    assert (totals.discount_total, totals.tax_total, totals.total) == tuple(D(x) for x in expected)
    assert totals.voucher_blocked_by == blocked_by
    for line in totals.lines:  # the allocations add up to each line's discount
        assert sum((a.amount for a in line.allocations), D("0")) == line.discount


def test_worked_table_allocations_name_each_discount():
    totals = compute_totals(
        lines=BASKET,
        promotions=[_bogo(), _shoes()],
        voucher=TEN_PERCENT,
        shipping=D("5.00"),
        tax_rate=D("0.1000"),
        prices_include_tax=False,
    )

    assert _allocations(totals) == [
        [("20 % off shoes", D("10.00")), ("TEN", D("4.00"))],
        [("20 % off shoes", D("12.00")), ("TEN", D("4.80"))],
        [("TEN", D("1.20"))],
        [("Socks: buy 2 get 1 free", D("4.00"))],
    ]
    assert [(a.label, a.amount) for a in totals.applied] == [
        ("Socks: buy 2 get 1 free", D("4.00")),
        ("20 % off shoes", D("22.00")),
        ("TEN", D("10.00")),
    ]


def test_tiers_free_shipping_and_times():
    now = timezone.now()
    spend_100 = PromotionRule(3, "Spend 100 save 10", Promotion.Kind.ORDER, "fixed", D("10"),
                              True, minimum_subtotal=D("100"), priority=1)  # fmt: skip
    spend_200 = PromotionRule(4, "Spend 200 save 25", Promotion.Kind.ORDER, "fixed", D("25"),
                              True, minimum_subtotal=D("200"), priority=2)  # fmt: skip
    free_ship = PromotionRule(5, "Free shipping over 50", Promotion.Kind.FREE_SHIPPING,
                              "percent", D("0"), True, minimum_subtotal=D("50"),
                              combines_with_promotions=True)  # fmt: skip
    later = PromotionRule(6, "Starts tomorrow", Promotion.Kind.ITEMS, "percent", D("50"), True,
                          starts_at=now + timedelta(days=1), priority=9)  # fmt: skip

    def price(amount):
        return compute_totals(
            lines=[PricingLine(1, 1, D(amount))],
            promotions=[spend_100, spend_200, free_ship, later],
            shipping=D("5.00"),
            tax_rate=D("0"),
            prices_include_tax=False,
            now=now,
        )

    assert (price("99.99").discount_total, price("99.99").shipping_total) == (D("0"), D("0.00"))
    assert price("150.00").discount_total == D("10.00")  # the tiers combine with nothing else
    assert price("250.00").discount_total == D("25.00")  # the higher tier wins by priority
    assert price("40.00").shipping_total == D("5.00")
    assert price("60.00").shipping_total == D("0.00")


def worked_basket():
    """The worked table's basket in the store: the BOGO targets the socks category, the 20 %
    the automated collection of products tagged "shoes"."""
    TaxRate.objects.update_or_create(country="US", defaults={"rate": D("0.1000")})
    shoes, socks = CategoryFactory(name="Shoes"), CategoryFactory(name="Socks")
    shoe_collection = Collection.objects.create(
        name="Shoes", slug="shoes", kind=Collection.Kind.AUTOMATED
    )
    CollectionRule.objects.create(
        collection=shoe_collection, field=CollectionRule.Field.TAG, value="shoes"
    )
    bogo = PromotionFactory(
        name="Socks: buy 2 get 1 free", kind=Promotion.Kind.BUY_X_GET_Y, value=D("100"),
        buy_quantity=2, get_quantity=1, applies_to=Promotion.AppliesTo.CATEGORIES,
        priority=20, combines_with_promotions=True, combines_with_vouchers=True,
    )  # fmt: skip
    promotions.set_promotion_targets(promotion=bogo, category_ids=[socks.id])
    shoe_sale = PromotionFactory(
        name="20 % off shoes", value=D("20"), applies_to=Promotion.AppliesTo.COLLECTIONS,
        priority=10, combines_with_promotions=True, combines_with_vouchers=True,
    )  # fmt: skip
    promotions.set_promotion_targets(promotion=shoe_sale, collection_ids=[shoe_collection.id])
    lines = [
        (stocked_variant(price=price, product=ProductFactory(
            category=category, tags=["shoes"] if category == shoes else []
        )), quantity)
        for price, quantity, category in [
            ("50.00", 1, shoes), ("30.00", 2, shoes), ("6.00", 2, socks), ("4.00", 1, socks),
        ]
    ]  # fmt: skip
    return bogo, shoe_sale, lines


@pytest.mark.django_db
def test_the_worked_table_at_checkout_on_the_order_and_after_a_partial_refund():
    bogo, shoe_sale, lines = worked_basket()
    VoucherFactory(code="TEN", value=D("10"))
    checkout = ready_checkout(lines=lines)
    checkout_services.apply_voucher(checkout=checkout, code="TEN")

    summary = get_checkout_summary(checkout)
    order = checkout_services.place_order(checkout=checkout).order

    expected_nets = [D("36.00"), D("43.20"), D("10.80"), D("0.00")]
    assert [line.net_total for line in summary.totals.lines] == expected_nets
    assert (summary.totals.discount_total, summary.totals.total) == (D("36.00"), D("104.00"))
    amounts = ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
    assert [getattr(order, name) for name in amounts] == [
        D("126.00"), D("36.00"), D("5.00"), D("9.00"), D("104.00"),
    ]  # fmt: skip
    order_lines = list(order.lines.order_by("id"))
    assert [line.net_total for line in order_lines] == expected_nets
    assert [line.tax_amount for line in order_lines] == [D("3.60"), D("4.32"), D("1.08"), D("0")]
    by_source = _sums(order)
    assert by_source == {
        ("promotion", bogo.id): D("4.00"),
        ("promotion", shoe_sale.id): D("22.00"),
        ("voucher", Voucher.objects.get(code="TEN").id): D("10.00"),
    }

    order = pay_with_test_card(order)
    order_services.fulfill_order(order_id=order.id, lines=[(x.id, x.quantity) for x in order_lines])
    refunded = payment_services.refund_lines(
        order, None, lines=[(order_lines[1].id, 1)], restock=True, reason="One shoe back"
    )

    order.refresh_from_db()
    assert refunded == D("23.76")  # half of line 2 as paid: (43.20 + 4.32 tax) / 2
    assert order.amount_refunded == D("23.76")
    assert order.refundable_amount == D("80.24")


def _sums(order) -> dict:
    sums: dict = {}
    for row in OrderDiscount.objects.filter(order=order):
        key = (row.source, row.source_id)
        sums[key] = sums.get(key, D("0")) + row.amount
    return sums


@pytest.mark.django_db
def test_a_voucher_that_does_not_combine_is_refused_and_the_order_placed_without_it():
    bogo, _, lines = worked_basket()
    bogo.combines_with_vouchers = False
    promotions.save_promotion(promotion=bogo)
    VoucherFactory(code="TEN", value=D("10"))
    checkout = ready_checkout(lines=lines)
    checkout_services.apply_voucher(checkout=checkout, code="TEN")

    with pytest.raises(InvalidVoucher, match="cannot be combined"):
        checkout_services.place_order(checkout=checkout)
    checkout_services.remove_voucher(checkout=checkout)
    order = checkout_services.place_order(checkout=checkout).order

    assert (order.discount_total, order.tax_total, order.total) == (
        D("26.00"), D("10.00"), D("115.00"),
    )  # fmt: skip
    assert Voucher.objects.get(code="TEN").times_used == 0


@pytest.mark.django_db
def test_saving_or_deleting_a_promotion_moves_the_catalog_version_on():
    before = product_cache.current_version()
    promotion = PromotionFactory()
    after_save = product_cache.current_version()
    promotions.delete_promotion(promotion=promotion)

    assert before != after_save != product_cache.current_version()
    assert promotions.list_promotion_rules() == []


@pytest.mark.django_db
def test_a_promotion_applies_only_between_its_start_and_end():
    variant = stocked_variant(price="10.00")
    now = timezone.now()
    PromotionFactory(value=D("50"), starts_at=now + timedelta(hours=1))
    PromotionFactory(
        value=D("20"), ends_at=now - timedelta(minutes=1), starts_at=now - timedelta(days=1)
    )
    PromotionFactory(value=D("10"), starts_at=now - timedelta(minutes=1))

    summary = get_checkout_summary(ready_checkout(lines=[(variant, 1)]))

    assert summary.totals.discount_total == D("1.00")


@pytest.mark.django_db
def test_a_collection_promotion_follows_the_collection_as_products_change():
    from apps.catalog import services as catalog_services

    summer = Collection.objects.create(name="Summer", slug="summer", kind=Collection.Kind.AUTOMATED)
    CollectionRule.objects.create(collection=summer, field=CollectionRule.Field.TAG, value="summer")
    sale = PromotionFactory(name="Summer sale", applies_to=Promotion.AppliesTo.COLLECTIONS)
    promotions.set_promotion_targets(promotion=sale, collection_ids=[summer.id])
    variant = stocked_variant(price="20.00")

    def shown():
        return promotions.get_unit_price(
            price=variant.price, product_id=variant.product_id, category_id=None
        ).sale_price

    before = shown()
    catalog_services.update_product(product_id=variant.product_id, fields={"tags": ["summer"]})
    tagged = shown()

    assert (before, tagged) == (None, D("18.00"))
