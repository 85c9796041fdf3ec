"""Arrange a small committed shop for the browser tests: a T-shirt in Size × Color, a mug,
delivery to the US, a 10 % voucher, the search index built."""

from dataclasses import dataclass
from decimal import Decimal

from apps.catalog import services as catalog_services
from apps.catalog.models import Category, Product
from apps.checkout.models import Voucher
from apps.inventory import services as inventory_services
from apps.search import services as search_services
from tests.factories.checkout import ShippingMethodFactory
from tests.factories.inventory import WarehouseFactory

SOLD_OUT = "M / White"


@dataclass
class Shop:
    category: Category
    tee: Product
    mug: Product

    def variant_id(self, name: str) -> int:
        return self.tee.variants.get(name=name).id


def open_shop() -> Shop:
    apparel = Category.objects.create(name="Apparel", slug="apparel")
    tee = catalog_services.create_product_with_variants(
        name="Granite T-shirt", category=apparel, price=Decimal("20.00"), sku_prefix="GRT",
        description="Heavy cotton tee.", compare_at_price=Decimal("25.00"),
        options={"Size": ["S", "M", "L"], "Color": ["Black", "White"]},
    )  # fmt: skip
    mug = catalog_services.create_product_with_variants(
        name="Harbour Mug", category=apparel, price=Decimal("12.00"), sku_prefix="HMUG"
    )
    warehouse = WarehouseFactory()
    for variant in [*tee.variants.all(), *mug.variants.all()]:
        if variant.name != SOLD_OUT:
            inventory_services.receive_stock(
                variant_id=variant.id, warehouse_id=warehouse.id, quantity=8
            )
    ShippingMethodFactory(price=Decimal("5.00"))
    Voucher.objects.create(code="WELCOME10", kind=Voucher.Kind.PERCENT, value=Decimal("10"))
    search_services.reindex_store()
    return Shop(category=apparel, tee=tee, mug=mug)


def choose(page, param: str, value: str) -> None:
    """Click an option's button or swatch, as a shopper does."""
    page.locator(f'label.choice:has(input[name="{param}"][value="{value}"])').click()


def fill_shipping_address(page, email: str, *, city: str = "Springfield", postal_code="12345"):
    """The checkout's contact and address fields, as a shopper in the US types them."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address", exact=True).fill("12 Analytical Way")
    page.get_by_label("City").fill(city)
    page.get_by_label("Postal code").fill(postal_code)
    page.get_by_label("Country").select_option("US")
