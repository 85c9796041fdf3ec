from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"

    def ready(self):
        from apps.inventory import services
        from apps.tenants import store_defaults

        # A new store has one stock location, so stock can be entered at once.
        store_defaults.register(
            "inventory.warehouse",
            lambda store: services.create_default_warehouse(country=store.country),
        )
