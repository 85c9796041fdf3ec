"""The aggregate repair runs in a real worker, in the schema of the store that queued it."""

from decimal import Decimal

import pytest
from django.db import connection

from apps.catalog.models import Product
from apps.reviews import services
from apps.reviews.tasks import repair_rating_aggregates_task
from tests.celery_worker import running_worker
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory


@pytest.mark.worker
def test_real_worker_repairs_drifted_rating_aggregates(committed_store):
    product = ProductFactory()
    services.submit_review(product_id=product.id, author_id=UserFactory().id, rating=3, title="ok")
    with connection.cursor() as cursor:  # drift, as raw SQL or a restore could leave it
        cursor.execute("UPDATE catalog_product SET rating_count = 7 WHERE id = %s", [product.id])

    with running_worker():
        changed = repair_rating_aggregates_task.delay().get(timeout=30)

    product = Product.objects.get(pk=product.pk)
    assert changed == 1
    assert (product.rating_avg, product.rating_count) == (Decimal("3.00"), 1)
