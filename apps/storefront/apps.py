from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "apps.storefront"
    label = "storefront"

    def ready(self):
        from apps.catalog.models import Category
        from apps.core import store_cache
        from apps.storefront.context_processors import NAV_CACHE_KEY
        from apps.storefront.views import CATEGORIES_CACHE_KEY

        store_cache.invalidate_on_change(Category, NAV_CACHE_KEY, CATEGORIES_CACHE_KEY)
