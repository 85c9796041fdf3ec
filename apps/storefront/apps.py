from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "apps.storefront"
    label = "storefront"

    def ready(self):
        from apps.core import store_cache
        from apps.storefront.context_processors import CANONICAL_HOST_KEY
        from apps.tenants.models import Domain

        # A Domain saved in the store's schema drops the entry at once; one saved from the
        # platform admin (public schema) shows once the entry times out (CANONICAL_HOST_SECONDS).
        store_cache.invalidate_on_change(Domain, CANONICAL_HOST_KEY)

        from apps.storefront import page_cache

        # A store setting, theme, page, navigation or domain change drops the cached pages.
        store_cache.INVALIDATION_HOOKS.append(page_cache.bump_page_version)
