from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.catalog import services, thumbnails
from apps.catalog.models import Product, ProductOption
from apps.search.models import ProductDocument
from tests.factories.catalog import CategoryFactory


def png_upload(name="photo.png", size=(1200, 800)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, (10, 120, 80)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make(name="Tee", **kwargs) -> Product:
    kwargs.setdefault("category", None)
    return services.create_product_with_variants(
        name=name, price=Decimal("10.00"), sku_prefix=name.upper(), **kwargs
    )


@pytest.mark.django_db
def test_generate_variants_creates_every_missing_combination_once():
    product = make(options={"Size": ["S", "M"]})
    color = ProductOption.objects.create(product=product, name="Color", position=1)
    services.set_option_values(option=color, values=["Red", "Blue"])
    product.variants.all().delete()

    first = services.generate_variants(product=product, price=Decimal("12.00"))
    second = services.generate_variants(product=product, price=Decimal("12.00"))

    assert sorted(v.name for v in first) == ["M / Blue", "M / Red", "S / Blue", "S / Red"]
    assert second == []
    assert product.variants.get(name="S / Red").sku == "TEE-S-RED"


@pytest.mark.django_db
def test_generate_variants_needs_a_value_for_every_option():
    product = make()
    ProductOption.objects.create(product=product, name="Size")

    with pytest.raises(ValidationError):
        services.generate_variants(product=product, price=Decimal("1.00"))


@pytest.mark.django_db
def test_set_option_values_keeps_values_in_use_and_drops_unused_ones():
    product = make(options={"Size": ["S", "M", "L"]})
    size = product.options.get()
    product.variants.filter(name="L").delete()

    services.set_option_values(option=size, values=["M", "XL"])

    assert list(size.values.order_by("value").values_list("value", flat=True)) == [
        "M",
        "S",
        "XL",
    ]


@pytest.mark.django_db
def test_bulk_status_change_updates_products_and_their_search_documents():
    a, b = make("Alpha"), make("Beta")

    changed = services.set_products_status(product_ids=[a.id, b.id], status="archived")

    assert changed == 2
    assert not ProductDocument.objects.filter(product_id__in=[a.id, b.id]).exists()


@pytest.mark.django_db
def test_unknown_status_is_refused():
    with pytest.raises(ValidationError):
        services.set_products_status(product_ids=[], status="deleted")


@pytest.mark.django_db
def test_a_category_cannot_move_under_its_own_descendant():
    top = CategoryFactory(name="Top")
    child = CategoryFactory(name="Child", parent=top)
    grandchild = CategoryFactory(name="Grandchild", parent=child)

    top.parent = grandchild
    with pytest.raises(ValidationError):
        services.save_category(category=top, changed_fields=["parent"])


@pytest.mark.django_db
def test_deleting_a_category_uncategorises_and_reindexes_its_products():
    category = CategoryFactory(name="Temporary")
    product = make(category=category)

    services.delete_categories(category_ids=[category.id])

    assert Product.objects.get(id=product.id).category is None
    assert ProductDocument.objects.get(product_id=product.id).category_ids == []


@pytest.mark.django_db
def test_thumbnails_fit_their_boxes_and_keep_the_aspect_ratio(django_capture_on_commit_callbacks):
    product = make()
    with django_capture_on_commit_callbacks() as callbacks:
        image = services.add_product_image(product=product, image=png_upload())

    thumbnails.make_thumbnails(image_id=image.id)

    image.refresh_from_db()
    assert len(callbacks) == 1  # the thumbnail task is queued only once the upload commits
    with Image.open(image.thumbnail_small.open("rb")) as small:
        assert small.size == (160, 107)
    with Image.open(image.thumbnail_medium.open("rb")) as medium:
        assert medium.size == (480, 320)
    assert image.thumbnail_small.name.startswith(f"products/{product.id}/thumbs/")


@pytest.mark.django_db
def test_thumbnails_of_a_deleted_image_are_a_no_op():
    assert thumbnails.make_thumbnails(image_id=987654) is None


@pytest.mark.django_db
def test_an_unreadable_image_gets_no_thumbnails_and_no_retry():
    product = make()
    not_an_image = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    image = services.add_product_image(product=product, image=not_an_image)

    assert thumbnails.make_thumbnails(image_id=image.id) is None
    image.refresh_from_db()
    assert not image.thumbnails_ready
