import time
from decimal import Decimal

import pytest
from django.db import transaction

from apps.catalog import services
from apps.catalog.models import ProductImage
from tests.catalog.test_services import png_upload
from tests.celery_worker import running_worker


@pytest.mark.worker
def test_a_real_worker_makes_thumbnails_in_the_uploading_stores_schema(committed_store):
    with running_worker():
        with transaction.atomic():
            product = services.create_product_with_variants(
                name="Framed Print", category=None, price=Decimal("30.00"), sku_prefix="PRINT"
            )
            image = services.add_product_image(product=product, image=png_upload())

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            image = ProductImage.objects.get(pk=image.pk)
            if image.thumbnails_ready:
                break
            time.sleep(0.2)

    assert image.thumbnails_ready
    assert image.thumbnail_medium.storage.exists(image.thumbnail_medium.name)
    assert committed_store.schema_name in image.thumbnail_medium.path
