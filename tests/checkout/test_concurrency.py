"""Checkout under concurrency: real threads, separate connections, committed data."""

from decimal import Decimal

from apps.checkout import services
from apps.checkout.exceptions import InvalidVoucher
from apps.checkout.models import Voucher
from apps.orders.models import Order
from tests.concurrency import run_concurrently
from tests.factories.checkout import VoucherFactory
from tests.shopping import ready_checkout, stocked_variant


def test_double_submitted_checkout_makes_one_order(committed_store):
    checkout = ready_checkout(lines=[(stocked_variant(stock=5), 1)])

    results = run_concurrently(
        lambda: services.place_order(checkout=checkout).order.id,
        [()] * 4,
        store=committed_store,
    )

    assert len(set(results)) == 1, results
    assert Order.objects.count() == 1


def test_single_use_voucher_redeemed_by_twenty_concurrent_checkouts_succeeds_once(
    committed_store,
):
    VoucherFactory(code="LIMITED", usage_limit=1, value=Decimal("10"))
    checkouts = []
    for i in range(20):
        checkout = ready_checkout(lines=[(stocked_variant(stock=5), 1)], email=f"s{i}@x.test")
        services.apply_voucher(checkout=checkout, code="LIMITED")
        checkouts.append(checkout)

    results = run_concurrently(
        lambda checkout: services.place_order(checkout=checkout).order,
        [(c,) for c in checkouts],
        store=committed_store,
    )

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InvalidVoucher)]
    assert len(placed) == 1 and len(refused) == 19, results
    assert Voucher.objects.get(code="LIMITED").times_used == 1
    assert Order.objects.count() == 1
