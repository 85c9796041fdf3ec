import math
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.cart.models import Cart, CartLine
from apps.orders.models import Order
from apps.recommendations import services, similarity
from apps.recommendations.models import ProductNeighbour, ProductRanking, ProductViewDaily
from tests.factories.accounts import UserFactory
from tests.recommendations.baskets import paid_order, stocked_product


def _score(shared: int, n_i: int, n_j: int) -> float:
    return shared / (math.sqrt(n_i * n_j) + similarity.SHRINK)


def _neighbours(kind: str, product) -> list[tuple[int, float]]:
    rows = ProductNeighbour.objects.filter(kind=kind, product=product).order_by("rank")
    return [(row.neighbour_id, row.score) for row in rows]


@pytest.fixture
def planted():
    """Five products and a small basket set with known co-occurrence counts."""
    a, b, c, d, e = (stocked_product(name=name) for name in "ABCDE")
    loyal = UserFactory()
    paid_order([a, b], user=loyal)  # the loyal customer also buys D and E, in another order
    paid_order([a, b], email="two@example.test")
    paid_order([a, c], email="three@example.test")
    paid_order([d, e], user=loyal)
    paid_order([a, d], email="pending@example.test", status=Order.Status.PENDING)
    paid_order([a, e], email="cancelled@example.test", status=Order.Status.CANCELLED)
    return a, b, c, d, e


@pytest.mark.django_db
def test_bought_together_is_shrunk_cosine_over_paid_baskets_only(planted):
    a, b, c, d, e = planted

    result = services.recompute_recommendations()

    assert not result.skipped
    # A is in 3 paid baskets, B in 2, C, D, E in 1; A+B twice, A+C once, D+E once.
    kind = ProductNeighbour.Kind.BOUGHT_TOGETHER
    assert _neighbours(kind, a) == [
        (b.id, pytest.approx(_score(2, 3, 2))),
        (c.id, pytest.approx(_score(1, 3, 1))),
    ]
    assert _neighbours(kind, b) == [(a.id, pytest.approx(_score(2, 2, 3)))]
    assert _neighbours(kind, d) == [(e.id, pytest.approx(_score(1, 1, 1)))]
    # Pending and cancelled orders count for nothing: no A–D or A–E pair.
    assert e.id not in dict(_neighbours(kind, a)) and d.id not in dict(_neighbours(kind, a))


@pytest.mark.django_db
def test_bought_by_same_customer_links_products_across_orders(planted):
    a, b, c, d, e = planted

    services.recompute_recommendations()

    # The loyal customer's history {A, B, D, E} is one basket; the guests' are their orders.
    by_same = dict(_neighbours(ProductNeighbour.Kind.BOUGHT_BY_SAME, d))
    assert set(by_same) == {a.id, b.id, e.id}
    assert by_same[e.id] == pytest.approx(_score(1, 1, 1))
    assert by_same[a.id] == pytest.approx(_score(1, 1, 3))


@pytest.mark.django_db
def test_viewed_together_uses_view_sessions_and_carts_but_skips_single_views():
    a, b, c, d = (stocked_product() for _ in range(4))
    today = timezone.now().date()
    ProductViewDaily.objects.bulk_create(
        [
            ProductViewDaily(day=today, visitor_key="v:1", product=a),
            ProductViewDaily(day=today, visitor_key="v:1", product=b, views=3),
            ProductViewDaily(day=today - timedelta(days=1), visitor_key="v:1", product=c),
        ]
    )
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=c.variants.first(), quantity=1)
    CartLine.objects.create(cart=cart, variant=d.variants.first(), quantity=1)

    services.recompute_recommendations()

    kind = ProductNeighbour.Kind.VIEWED_TOGETHER
    assert [n for n, _ in _neighbours(kind, a)] == [b.id]  # same visitor, same day
    assert [n for n, _ in _neighbours(kind, c)] == [d.id]  # same cart; C's view was alone


@pytest.mark.django_db
def test_rankings_weigh_recent_purchases_carts_and_views():
    hot, warm, cold, draft = (stocked_product() for _ in range(4))
    draft.status = "draft"
    draft.save()
    paid_order([hot, draft])
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=warm.variants.first(), quantity=1)
    ProductViewDaily.objects.create(
        day=timezone.now().date() - timedelta(days=30), visitor_key="v:9", product=cold
    )

    services.recompute_recommendations()

    trending = ProductRanking.objects.filter(kind="trending").order_by("rank")
    popular = ProductRanking.objects.filter(kind="popular").order_by("rank")
    assert [r.product_id for r in trending] == [hot.id, warm.id]  # the view is too old
    assert [r.product_id for r in popular] == [hot.id, warm.id, cold.id]  # no draft


@pytest.mark.django_db
def test_recompute_replaces_everything_and_skips_when_nothing_changed(planted):
    a, b, *_ = planted
    first = services.recompute_recommendations()
    ProductNeighbour.objects.filter(product=a).update(score=-1)

    unchanged = services.recompute_recommendations()
    forced = services.recompute_recommendations(force=True)

    assert unchanged.skipped and unchanged.run_id == first.run_id
    assert not forced.skipped and forced.run_id > first.run_id
    assert not ProductNeighbour.objects.filter(score__lt=0).exists()
    # A→B, A→C, B→A, C→A, D→E, E→D: replaced, not appended to.
    assert ProductNeighbour.objects.filter(kind="bought_together").count() == 6
