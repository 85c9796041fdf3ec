from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"

    def ready(self):
        from apps.catalog.models import Category
        from apps.catalog.selectors import STOREFRONT_CATEGORIES_KEY
        from apps.core import store_cache

        store_cache.invalidate_on_change(Category, STOREFRONT_CATEGORIES_KEY)
