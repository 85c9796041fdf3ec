from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"

    def ready(self):
        from apps.catalog import product_cache
        from apps.catalog.collections import STOREFRONT_COLLECTIONS_KEY
        from apps.catalog.models import (
            Category,
            Collection,
            OptionValue,
            Product,
            ProductImage,
            ProductOption,
            Variant,
        )
        from apps.catalog.selectors import STOREFRONT_CATEGORIES_KEY
        from apps.core import store_cache

        store_cache.invalidate_on_change(Category, STOREFRONT_CATEGORIES_KEY)
        store_cache.invalidate_on_change(Collection, STOREFRONT_COLLECTIONS_KEY)
        product_cache.bump_on_change(
            Product, Variant, ProductOption, OptionValue, ProductImage, Category,
            Variant.option_values.through,
        )  # fmt: skip
