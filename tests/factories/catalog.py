from decimal import Decimal

import factory

from apps.catalog.models import Category, Product, Variant
from apps.search import services as search_services


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product; like the catalog services, it tells search it changed."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    status = Product.Status.ACTIVE
    category = factory.SubFactory(CategoryFactory)
    description = "A product made for tests."

    @factory.post_generation
    def _index(obj, create, extracted, **kwargs):
        if create:
            search_services.mark_products_changed(product_ids=[obj.id])


class VariantFactory(factory.django.DjangoModelFactory):
    """A variant; its product's search document is rewritten, as catalog services do."""

    class Meta:
        model = Variant
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("19.99")

    @factory.post_generation
    def _index(obj, create, extracted, **kwargs):
        if create:
            search_services.mark_products_changed(product_ids=[obj.product_id])
