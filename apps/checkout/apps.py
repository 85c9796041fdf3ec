from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "apps.checkout"
    label = "checkout"

    def ready(self):
        from apps.checkout import pricing, services, shipping
        from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate
        from apps.core import store_cache
        from apps.tenants import store_defaults

        store_cache.invalidate_on_change(ShippingMethod, shipping.METHODS_CACHE_KEY)
        store_cache.invalidate_on_change(ShippingZone, shipping.METHODS_CACHE_KEY)
        store_cache.invalidate_on_change(TaxRate, pricing.TAX_RATES_CACHE_KEY)
        # A new store ships to and taxes its own country (editable in the store admin).
        store_defaults.register(
            "checkout.shipping_and_tax",
            lambda store: services.create_default_checkout_rules(country=store.country),
        )
