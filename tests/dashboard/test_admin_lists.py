"""Admin list pages stay fast: their query count does not grow with the rows shown."""

import pytest

from apps.orders.models import Order
from apps.reviews import services as review_services
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.factories.orders import make_order

MAX_QUERIES = 15


def _orders(count: int) -> None:
    for i in range(count):
        variant = VariantFactory()
        make_order(total="10.00", email=f"buyer{i}@x.test", lines=[(variant, 1, "10.00")],
                   status=Order.Status.PAID)  # fmt: skip


def _count(client, url, django_assert_max_num_queries) -> int:
    # Host routing, store settings and catalog-versioned entries are cached (for a minute, or
    # until the next catalog write): a first request fills them, so that the count is the
    # list's own queries however long making the rows took and whatever they bumped.
    client.get(url)
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/orders/order/", _orders),
        ("/admin/catalog/product/", lambda n: [VariantFactory() for _ in range(n)]),
        ("/admin/customers/", lambda n: [
            make_order(total="10.00", user=UserFactory(), email=f"c{i}@x.test")
            for i in range(n)]),
        ("/admin/reviews/review/", lambda n: [
            review_services.submit_review(product_id=ProductFactory().id,
                                          author_id=UserFactory().id, rating=4, title="ok")
            for _ in range(n)]),
    ],
)  # fmt: skip
def test_changelist_query_count_is_bounded(owner_client, django_assert_max_num_queries, url, make):
    make(5)
    few = _count(owner_client, url, django_assert_max_num_queries)
    make(30)
    many = _count(owner_client, url, django_assert_max_num_queries)

    assert many == few
