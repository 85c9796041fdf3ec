"""The dashboard's onboarding checklist: a new merchant's steps to a first sale, each derived
from the store's own data (never a stored "done" flag), so it ticks itself when the work is done
wherever it was done (admin, API, CSV import)."""

from dataclasses import dataclass

from django.urls import reverse

from apps.cart.models import Cart
from apps.catalog.models import Product
from apps.checkout.models import ShippingMethod
from apps.inventory.models import StockLevel
from apps.orders.models import Order
from apps.payments.gateways import registry as gateway_registry
from apps.payments.selectors import get_gateway_config
from apps.preferences import selectors as preference_selectors


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    href: str
    action: str  # the link's words
    hint: str = ""
    new_tab: bool = False


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]
    launched: bool
    storefront_password: str

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def ready_to_launch(self) -> bool:
        return all(step.done for step in self.steps if step.key != "launch")


def get_checklist() -> Checklist:
    """The six steps with their state: about six indexed EXISTS queries."""
    prefs = preference_selectors.get_store_settings()
    first_product = Product.objects.order_by("id").values_list("id", flat=True).first()
    product_href = (
        reverse("admin:catalog_product_change", args=[first_product])
        if first_product
        else reverse("admin:catalog_product_add")
    )
    stocked = StockLevel.objects.filter(on_hand__gt=0, warehouse__active=True).exists()
    shipping = ShippingMethod.objects.filter(active=True, zone__isnull=False).exists()
    gateway_name = gateway_registry.default_gateway_name()
    payments_ready, payment_hint = False, "Choose how you take payments."
    if gateway_name in gateway_registry.GATEWAYS:
        gateway = gateway_registry.get_gateway(gateway_name)
        config = get_gateway_config(gateway_name)
        payments_ready = not config.missing(gateway.settings_fields)
        if payments_ready and gateway.test_mode(config):
            payment_hint = f"{gateway.label}: test mode, no real money moves yet."
        elif payments_ready:
            payment_hint = f"{gateway.label} takes real payments."
        else:
            payment_hint = f"{gateway.label} needs its keys."
    previewed = Cart.objects.exists() or Order.objects.exists()
    launched = prefs.launched_at is not None
    steps = [
        Step("product", "Add a product", first_product is not None, product_href,
             "Open the product" if first_product else "Add a product",
             "Name, price, options and photos on one page."),
        Step("stock", "Give it stock", stocked, product_href, "Set stock",
             "Stock per location is set on the product page."),
        Step("shipping", "Check shipping", shipping,
             reverse("admin:checkout_shippingzone_changelist"), "Shipping zones",
             "Where you ship and what it costs."),
        Step("payments", "Set up payments", payments_ready,
             reverse("dashboard:settings") + "#payments", "Payment settings", payment_hint),
        Step("preview", "Preview your storefront", previewed, "/", "Open the storefront",
             "Browse it and add something to the cart as a shopper would.", new_tab=True),
        Step("launch", "Launch your store", launched, reverse("dashboard:settings") + "#storefront",
             "Storefront settings",
             "Launching removes the storefront password: everyone can shop."),
    ]  # fmt: skip
    return Checklist(steps=steps, launched=launched, storefront_password=prefs.storefront_password)
