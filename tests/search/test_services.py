import uuid
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings

from apps.catalog import services as catalog_services
from apps.search import services as search_services
from apps.search.backends import get_backend
from apps.search.models import ProductDocument
from config.celery import app as celery_app


@pytest.mark.django_db
def test_with_elasticsearch_configured_indexing_is_queued_after_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens: nothing may be called

    with django_capture_on_commit_callbacks() as callbacks:
        product = catalog_services.create_product_with_variants(
            name="Queued Lamp", category=None, price=Decimal("5.00"), sku_prefix="QL"
        )

    messages = run_callbacks_into_private_queue(callbacks)
    assert get_backend().name == "elasticsearch"
    assert not ProductDocument.objects.filter(product_id=product.id).exists()
    assert [m for m in messages if b"apps.search.tasks.index_products_task" in m]


def run_callbacks_into_private_queue(callbacks) -> list[bytes]:
    """Run on-commit callbacks, catching the tasks they queue in a throw-away Redis list."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        for callback in callbacks:
            callback()
    finally:
        celery_app.conf.task_default_queue = previous
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    try:
        return client.lrange(queue, 0, -1)
    finally:
        client.delete(queue)


@pytest.mark.django_db
def test_with_postgres_indexing_happens_in_the_callers_transaction(settings):
    settings.ELASTICSEARCH_URL = ""

    product = catalog_services.create_product_with_variants(
        name="Inline Lamp", category=None, price=Decimal("5.00"), sku_prefix="IL"
    )

    assert get_backend().name == "postgres"
    assert ProductDocument.objects.get(product_id=product.id).name == "Inline Lamp"


@pytest.mark.django_db
def test_deleting_products_removes_their_documents():
    product = catalog_services.create_product_with_variants(
        name="Gone Lamp", category=None, price=Decimal("5.00"), sku_prefix="GL"
    )

    catalog_services.delete_products(product_ids=[product.id])

    assert not ProductDocument.objects.exists()


@pytest.mark.django_db
def test_mark_products_changed_with_nothing_is_a_no_op(django_assert_num_queries):
    with django_assert_num_queries(0):
        search_services.mark_products_changed(product_ids=[])
