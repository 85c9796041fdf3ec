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
        # A store setting, theme, page, navigation or domain change drops the cached pages too:
        # their version is the store's generation, which every invalidation moves. A store
        # opened, or its pages dropped: its home page is rendered ahead of its visitors.
        from apps.storefront import prerender

        store_cache.when_pages_dropped(prerender.schedule_home_render)
