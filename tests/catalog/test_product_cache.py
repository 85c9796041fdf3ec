"""The product page's cached product structure: per store, and out of date after every kind of
catalog write (model saves, bulk updates, imports, ratings, thumbnails)."""

import io
from decimal import Decimal

import pytest
from django.db import connection

from apps.catalog import product_cache, product_import, selectors, services, thumbnails
from apps.catalog.models import Product, Variant
from apps.reviews import services as review_services
from tests.catalog.test_services import png_upload
from tests.factories.catalog import VariantFactory

pytestmark = pytest.mark.django_db


def make(name="Cached Tee", price="10.00", **kwargs) -> Product:
    kwargs.setdefault("category", None)
    return services.create_product_with_variants(
        name=name, price=Decimal(price), sku_prefix=name.upper().replace(" ", ""), **kwargs
    )


def shown(slug: str) -> Product:
    return selectors.get_product_for_storefront(slug=slug)


def test_a_warm_product_costs_no_query(django_assert_num_queries):
    make(options={"Size": ["S", "M"]})
    shown("cached-tee")

    with django_assert_num_queries(0):
        product = shown("cached-tee")
        variants = list(product.variants.all())
        values = [v.value for variant in variants for v in variant.option_values.all()]
        images = list(product.images.all())

    assert [v.name for v in variants] == ["S", "M"]
    assert values == ["S", "M"] and images == []


def test_a_variant_saved_through_the_orm_shows_at_once():
    product = make()
    shown("cached-tee")
    variant = product.variants.get()

    variant.price = Decimal("12.50")
    variant.save()

    assert shown("cached-tee").variants.all()[0].price == Decimal("12.50")


def test_a_new_variant_and_a_deactivated_one_show_at_once():
    product = make()
    shown("cached-tee")

    VariantFactory(product=product, sku="CACHED-XL", name="XL")
    assert [v.sku for v in shown("cached-tee").variants.all()] == ["CACHEDTEE", "CACHED-XL"]
    Variant.objects.get(sku="CACHED-XL").delete()
    assert [v.sku for v in shown("cached-tee").variants.all()] == ["CACHEDTEE"]


def test_bulk_status_change_and_delete_hide_the_product():
    first, second = make(), make(name="Second Tee")
    shown("cached-tee"), shown("second-tee")

    services.set_products_status(product_ids=[first.id], status=Product.Status.ARCHIVED)
    services.delete_products(product_ids=[second.id])

    for slug in ("cached-tee", "second-tee"):
        with pytest.raises(Product.DoesNotExist):
            shown(slug)


def test_option_value_positions_changed_in_bulk_show_at_once():
    product = make(options={"Size": ["S", "M"]})
    shown("cached-tee")

    services.set_option_values(option=product.options.get(), values=["M", "S"])

    option_values = shown("cached-tee").variants.all()[0].option_values.all()
    assert {v.value: v.position for v in option_values} == {"S": 1}


def test_a_rating_written_by_update_shows_at_once(django_user_model):
    product = make()
    shown("cached-tee")

    Product.objects.filter(pk=product.pk).update(rating_avg=Decimal("4.5"), rating_count=2)
    services.product_changed(product_id=product.pk)  # what refresh_product_rating calls

    assert shown("cached-tee").rating_count == 2
    review_services.refresh_product_rating(product.pk)  # no published reviews: back to 0
    assert shown("cached-tee").rating_count == 0


def test_thumbnails_written_by_update_show_at_once():
    product = make()
    image = services.add_product_image(product=product, image=png_upload())
    assert shown("cached-tee").images.all()[0].thumbnail_medium == ""

    thumbnails.make_thumbnails(image_id=image.id)

    assert shown("cached-tee").images.all()[0].thumbnail_medium != ""


def test_an_import_that_changes_prices_shows_at_once():
    header = "handle,name,description,status,category,brand,sku,price\n"
    product_import.import_products(io.StringIO(header + "imp-tee,Imp Tee,,active,,,IMP-1,9.00\n"))
    assert shown("imp-tee").variants.all()[0].price == Decimal("9.00")

    product_import.import_products(io.StringIO(header + "imp-tee,Imp Tee,,active,,,IMP-1,7.00\n"))

    assert shown("imp-tee").variants.all()[0].price == Decimal("7.00")


def test_the_version_moves_again_when_the_writing_transaction_commits(
    store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        make(options={"Size": ["S", "M", "L"]})  # product, option, values, variants
        during = product_cache.current_version()
    bumps = [c for c in callbacks if getattr(c, "catalog_bump_schema", None) == store.schema_name]
    assert len(bumps) == 1  # one bump per transaction, however many rows it wrote

    bumps[0]()

    assert product_cache.current_version() != during


def test_each_store_has_its_own_product_under_the_same_slug(store, other_store):
    make(price="10.00")
    shown("cached-tee")
    connection.set_tenant(other_store)
    try:
        make(price="99.00")
        elsewhere = shown("cached-tee").variants.all()[0].price
        other_version = product_cache.current_version()
    finally:
        connection.set_tenant(store)

    assert shown("cached-tee").variants.all()[0].price == Decimal("10.00")
    assert elsewhere == Decimal("99.00")
    assert product_cache.current_version() != other_version


def test_recommended_products_follow_catalog_writes_and_stock_is_read_live(
    django_assert_num_queries,
):
    from apps.inventory import services as inventory_services
    from apps.recommendations.selectors import load_products
    from tests.factories.inventory import WarehouseFactory

    product = make(price="10.00")
    variant = product.variants.get()
    assert load_products([product.id])[product.id][1] is False  # nothing in stock
    inventory_services.receive_stock(
        variant_id=variant.id, warehouse_id=WarehouseFactory().id, quantity=1
    )
    with django_assert_num_queries(1):  # the stock; the product comes from the cache
        assert load_products([product.id])[product.id][1] is True

    variant.price = Decimal("8.00")
    variant.save()
    assert load_products([product.id])[product.id][0].min_price == Decimal("8.00")
    services.set_products_status(product_ids=[product.id], status=Product.Status.DRAFT)
    assert load_products([product.id]) == {}
