"""The demo store `make run` opens once: categories, ~50 products with variants and stock."""

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.catalog import services as catalog_services
from apps.catalog.models import Category, Product
from apps.demo import beyond_stock as demo_beyond_stock
from apps.demo import markets as demo_markets
from apps.demo import merchandising as demo_merchandising
from apps.demo import orders as demo_orders
from apps.demo import reviews as demo_reviews
from apps.demo import storefront as demo_storefront
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.search import services as search_services
from apps.tenants import pods, selectors, services
from apps.tenants.models import Store

DEMO_SLUG = "demo"
DEMO_OWNER_EMAIL = "owner@demo.mercato.local"
DEMO_OWNER_PASSWORD = "mercato-demo-2026"
PLATFORM_ADMIN_EMAIL = "admin@mercato.local"

SIZES = ["S", "M", "L", "XL"]
COLORS = ["Black", "White", "Forest", "Navy"]

# category → (parent, [(product words, base price, options)])
CATALOG = {
    "Apparel": None,
    "T-shirts": "Apparel",
    "Hoodies": "Apparel",
    "Home": None,
    "Mugs": "Home",
    "Posters": "Home",
    "Accessories": None,
}
PRODUCT_LINES = [
    ("T-shirts", "T-shirt", Decimal("24.00"), {"Size": SIZES, "Color": COLORS[:3]}, 12),
    ("Hoodies", "Hoodie", Decimal("59.00"), {"Size": SIZES, "Color": COLORS[::3]}, 8),
    ("Mugs", "Mug", Decimal("14.00"), {"Color": ["White", "Black"]}, 10),
    ("Posters", "Poster", Decimal("19.00"), {"Size": ["A3", "A2", "A1"]}, 10),
    ("Accessories", "Tote bag", Decimal("22.00"), {}, 5),
    ("Accessories", "Cap", Decimal("27.00"), {"Color": COLORS}, 5),
]
ADJECTIVES = [
    "Classic", "Organic", "Vintage", "Mountain", "Harbor", "Sunrise", "Midnight", "Meadow",
    "Coastal", "Urban", "Alpine", "Desert", "Aurora", "Maple", "Granite", "Willow",
]  # fmt: skip
BRANDS = ["Mercato Basics", "Northwind", "Fieldnotes", "Lumen & Co"]


def demo_store_exists() -> bool:
    return selectors.store_slug_taken(DEMO_SLUG)


@transaction.atomic
def create_demo_store() -> Store:
    """Open the demo store and fill its catalog; deterministic (seeded random)."""
    store = services.create_store(
        name="Mercato Demo Store",
        slug=DEMO_SLUG,
        owner_email=DEMO_OWNER_EMAIL,
        owner_password=DEMO_OWNER_PASSWORD,
    )
    with pods.store_context(store):
        rng = random.Random(2026)
        seed_catalog(rng=rng)
        demo_merchandising.seed_collections()
        seed_gift_card()
        demo_storefront.seed_storefront()
        demo_orders.seed_checkout_rules()
        demo_markets.seed_markets(base_currency=store.currency)
        demo_orders.seed_orders(rng=rng)
        demo_beyond_stock.seed_beyond_stock()
        demo_beyond_stock.seed_saved_addresses()
        demo_reviews.seed_reviews(rng=rng)
        demo_reviews.seed_staff()
        demo_reviews.backdate_carts()
    ensure_platform_admin()
    return store


def ensure_platform_admin() -> None:
    """A platform staff account in the public schema, for the demo's platform admin."""
    with schema_context(get_public_schema_name()):
        User = get_user_model()
        if not User.objects.filter(email=PLATFORM_ADMIN_EMAIL).exists():
            User.objects.create_superuser(email=PLATFORM_ADMIN_EMAIL, password=DEMO_OWNER_PASSWORD)


GIFT_CARD_AMOUNTS = ("25", "50", "100")


def seed_gift_card() -> Product:
    """The demo's gift card: one variant per denomination, no stock, emailed when paid."""
    product = catalog_services.create_product_with_variants(
        name="Gift card",
        slug="gift-card",
        category=None,
        price=Decimal(GIFT_CARD_AMOUNTS[0]),
        sku_prefix="GIFT",
        options={"Amount": list(GIFT_CARD_AMOUNTS)},
        is_gift_card=True,
        featured=True,
        description="A gift card for the whole store, emailed to whoever you choose with your "
        "message. It can pay all or part of an order; whatever is left stays on the card.",
    )
    for variant in product.variants.all():
        variant.price = Decimal(variant.name)  # the variant is named after its Amount value
        variant.save(update_fields=["price", "updated_at"])
    return product


@transaction.atomic
def seed_catalog(*, rng: random.Random) -> int:
    categories: dict[str, Category] = {}
    for position, (name, parent) in enumerate(CATALOG.items()):
        categories[name] = catalog_services.create_category(
            name=name, parent=categories[parent] if parent else None, position=position
        )
    # The store's default location (create_store made it) is the demo's main warehouse.
    main = inventory_selectors.get_default_warehouse() or inventory_services.create_warehouse(
        name="Main warehouse", priority=10
    )
    overflow = inventory_services.create_warehouse(name="Overflow warehouse", priority=20)
    count = 0
    for category_name, noun, base_price, options, how_many in PRODUCT_LINES:
        for adjective in rng.sample(ADJECTIVES, how_many):
            count += 1
            price = base_price + Decimal(rng.choice([0, 0, 2, 4, 6]))
            on_sale = rng.random() < 0.2
            product = catalog_services.create_product_with_variants(
                name=f"{adjective} {noun}",
                category=categories[category_name],
                price=price,
                compare_at_price=price + Decimal("10.00") if on_sale else None,
                cost_price=(price * Decimal("0.45")).quantize(Decimal("0.01")),
                sku_prefix=f"{noun[:3].upper()}{count:03d}",
                options=options,
                brand=rng.choice(BRANDS),
                featured=count % 7 == 0,
                weight_grams=rng.choice([150, 250, 400, 650]),
                description=(
                    f"The {adjective.lower()} {noun.lower()} from our {category_name.lower()} "
                    "collection: made to last, designed to be worn and used every day."
                ),
            )
            demo_storefront.add_product_pictures(
                product=product, kind=noun, colors=options.get("Color", [])
            )
            for variant in product.variants.all():
                quantity = rng.choice([0, 2, 4, 12, 25, 40, 60])
                if quantity:
                    inventory_services.receive_stock(
                        variant_id=variant.id,
                        warehouse_id=main.id,
                        quantity=quantity,
                        note="Demo opening stock",
                    )
                if rng.random() < 0.3:
                    inventory_services.receive_stock(
                        variant_id=variant.id,
                        warehouse_id=overflow.id,
                        quantity=rng.choice([3, 8, 15]),
                        note="Demo opening stock",
                    )
    search_services.refresh_stock_flags()  # the opening stock above, in one pass
    return count
