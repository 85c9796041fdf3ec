import time

import pytest
from django.db import connection

from apps.recommendations.models import ProductNeighbour, RecomputeRun
from apps.recommendations.tasks import recompute_recommendations_task
from tests.celery_worker import running_worker
from tests.recommendations.baskets import paid_order, stocked_product


@pytest.mark.worker
def test_a_real_worker_recomputes_in_the_callers_store(committed_store):
    lamp, shade = stocked_product(), stocked_product()
    paid_order([lamp, shade])

    with running_worker():
        recompute_recommendations_task.delay()
        deadline = time.monotonic() + 60
        while not RecomputeRun.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert connection.schema_name == committed_store.schema_name
    run = RecomputeRun.objects.get()
    assert run.orders_used == 1
    pairs = set(ProductNeighbour.objects.values_list("kind", "product_id", "neighbour_id"))
    assert ("bought_together", lamp.id, shade.id) in pairs
    assert ("bought_together", shade.id, lamp.id) in pairs
