"""Synthetic catalogs for benchmarks and load tests (``manage.py generate_catalog``).

Deterministic for a seed. Products get names from small vocabularies (so words repeat the way
they do in a real catalog), 1–6 variants from Size/Color options, prices from 5 to ~500,
ratings, and opening stock in one warehouse (about one variant in five is out of stock).
Everything is written with bulk inserts, then indexed for search in one pass.
"""

import random
from collections.abc import Callable
from decimal import Decimal
from itertools import product as cartesian_product

from django.db import transaction
from django.utils.text import slugify

from apps.catalog import product_cache
from apps.catalog.models import Category, OptionValue, Product, ProductOption, Variant
from apps.demo import sql as demo_sql
from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel, StockMovement, Warehouse
from apps.search import services as search_services

Progress = Callable[[str, int, int], None]

BATCH = 5000
_GENERATED_TABLES = [
    "catalog_category",
    "catalog_product",
    "catalog_productoption",
    "catalog_optionvalue",
    "catalog_variant",
    "catalog_variant_option_values",
    "inventory_stocklevel",
]

# top-level category → {subcategory: [nouns]}
TREE = {
    "Apparel": {
        "T-shirts": ["T-shirt", "Tee", "Tank top"],
        "Hoodies": ["Hoodie", "Sweatshirt", "Zip hoodie"],
        "Jackets": ["Jacket", "Parka", "Windbreaker", "Raincoat"],
        "Trousers": ["Jeans", "Chinos", "Joggers", "Shorts"],
        "Dresses": ["Dress", "Skirt", "Sundress"],
    },
    "Footwear": {
        "Sneakers": ["Sneaker", "Trainer", "Running shoe"],
        "Boots": ["Boot", "Hiking boot", "Chelsea boot"],
        "Sandals": ["Sandal", "Flip-flop", "Slide"],
    },
    "Home": {
        "Kitchen": ["Mug", "Teapot", "Skillet", "Cutting board", "Knife set"],
        "Bedding": ["Duvet cover", "Pillowcase", "Blanket", "Quilt"],
        "Decor": ["Poster", "Vase", "Candle", "Picture frame", "Rug"],
        "Lighting": ["Lamp", "Desk lamp", "Pendant light", "Lantern"],
    },
    "Outdoors": {
        "Camping": ["Tent", "Sleeping bag", "Camp stove", "Hammock"],
        "Bags": ["Backpack", "Duffel bag", "Tote bag", "Daypack"],
        "Cycling": ["Bike helmet", "Bike light", "Cycling jersey"],
    },
    "Accessories": {
        "Hats": ["Cap", "Beanie", "Sun hat", "Bucket hat"],
        "Watches": ["Watch", "Smartwatch strap"],
        "Jewelry": ["Necklace", "Bracelet", "Ring", "Earrings"],
        "Wallets": ["Wallet", "Card holder"],
    },
    "Electronics": {
        "Audio": ["Headphones", "Earbuds", "Speaker"],
        "Phone accessories": ["Phone case", "Charger", "Power bank", "Cable"],
    },
}
ADJECTIVES = (
    "Classic Organic Vintage Mountain Harbor Sunrise Midnight Meadow Coastal Urban Alpine Desert "
    "Aurora Maple Granite Willow Nordic Rustic Modern Essential Everyday Premium Lightweight "
    "Heavyweight Waterproof Recycled Handmade Minimal Bold Soft Cozy Sport Travel Studio Field "
    "Summit Canyon Prairie Tidal Ember"
).split()
MATERIALS = (
    "Cotton Linen Wool Merino Leather Canvas Denim Bamboo Ceramic Oak Walnut Steel Copper Glass "
    "Nylon Fleece Cashmere Silk Hemp Cork"
).split()
COLORS = "Black White Navy Forest Sand Grey Red Ochre Sky Plum".split()
SIZES = ["XS", "S", "M", "L", "XL"]
BRANDS = (
    "Mercato Basics|Northwind|Fieldnotes|Lumen & Co|Oakhaven|Bluebird|Tern|Kestrel Goods|"
    "Driftwood|Copperline|Hearth|Atlas Supply|Pinecrest|Saltwater|Ridge & Vale|Foxglove|"
    "Ironbark|Tidewater|Larkspur|Cinder"
).split("|")
PHRASES = [
    "made to last and designed to be used every day",
    "crafted in small batches by people who care",
    "a favourite of our customers for years",
    "easy to care for and built for the long run",
    "thoughtfully designed with a timeless look",
    "perfect for weekends away and busy weekdays alike",
    "responsibly sourced and carefully finished",
    "tested in the field by our team",
]


def generate_catalog(*, products: int, seed: int = 1, progress: Progress | None = None) -> int:
    """Add ``products`` synthetic products (with variants, stock and search documents)."""
    rng = random.Random(seed)
    report = progress or (lambda stage, done, total: None)
    with transaction.atomic():
        leaves = _ensure_categories()
        warehouse = Warehouse.objects.filter(
            name="Generated stock"
        ).first() or inventory_services.create_warehouse(name="Generated stock", priority=50)
    start = Product.objects.count()
    created_ids: list[int] = []
    for batch_start in range(0, products, BATCH):
        size = min(BATCH, products - batch_start)
        with transaction.atomic():
            created_ids += _generate_batch(
                rng=rng, leaves=leaves, warehouse=warehouse, offset=start + batch_start, size=size
            )
            product_cache.bump_version()  # bulk inserts: no model signals
        report("products", batch_start + size, products)
    # Fresh planner statistics before indexing: with stale ones (autovacuum off or not yet
    # run) the indexing statement hash-joins whole tables for each batch and 100k products
    # take half an hour instead of a minute.
    demo_sql.analyze_tables(_GENERATED_TABLES)
    for batch_start in range(0, len(created_ids), BATCH):
        with transaction.atomic():
            search_services.mark_products_changed(
                product_ids=created_ids[batch_start : batch_start + BATCH]
            )
        report("search index", min(batch_start + BATCH, len(created_ids)), len(created_ids))
    return len(created_ids)


def _ensure_categories() -> list[tuple[Category, list[str]]]:
    leaves = []
    for position, (top_name, children) in enumerate(TREE.items()):
        top, _ = Category.objects.get_or_create(
            slug=slugify(top_name), defaults={"name": top_name, "position": position}
        )
        for child_position, (child_name, nouns) in enumerate(children.items()):
            child, _ = Category.objects.get_or_create(
                slug=slugify(child_name),
                defaults={"name": child_name, "parent": top, "position": child_position},
            )
            leaves.append((child, nouns))
    return leaves


def _options_for(rng: random.Random, category_name: str) -> dict[str, list[str]]:
    roll = rng.random()
    if category_name in {"T-shirts", "Hoodies", "Jackets", "Trousers", "Dresses", "Sneakers",
                         "Boots", "Sandals", "Cycling"}:  # fmt: skip
        sizes = SIZES[rng.randrange(0, 2) : rng.randrange(3, 6)]
        if roll < 0.3:
            return {"Size": sizes, "Color": rng.sample(COLORS, 2)[:1]}
        if roll < 0.45:
            return {"Size": sizes[:3], "Color": rng.sample(COLORS, 2)}
        return {"Size": sizes}
    if roll < 0.5:
        return {"Color": rng.sample(COLORS, rng.randrange(2, 4))}
    return {}


def _price(rng: random.Random) -> Decimal:
    base = rng.choice([9, 14, 19, 24, 29, 39, 49, 59, 79, 99, 129, 179, 249, 399])
    return Decimal(base) + Decimal(rng.choice(["0.00", "0.50", "0.99"]))


def _generate_batch(*, rng, leaves, warehouse, offset: int, size: int) -> list[int]:
    specs = []
    new_products = []
    for i in range(offset, offset + size):
        category, nouns = rng.choice(leaves)
        noun = rng.choice(nouns)
        words = [rng.choice(ADJECTIVES)]
        if rng.random() < 0.7:
            words.append(rng.choice(MATERIALS))
        name = " ".join([*words, noun])
        description = (
            f"The {name.lower()} from {rng.choice(BRANDS)}: {rng.choice(PHRASES)}. "
            f"{rng.choice(PHRASES).capitalize()}, in {rng.choice(MATERIALS).lower()} "
            f"and {rng.choice(COLORS).lower()} tones. {rng.choice(PHRASES).capitalize()}."
        )
        rated = rng.random() < 0.6
        new_products.append(
            Product(
                name=name,
                slug=f"{slugify(name)}-{i + 1}",
                description=description,
                status=Product.Status.ACTIVE if rng.random() < 0.97 else Product.Status.DRAFT,
                category=category,
                brand=rng.choice(BRANDS),
                featured=rng.random() < 0.01,
                rating_avg=Decimal(rng.randint(25, 50)) / 10 if rated else Decimal("0"),
                rating_count=rng.randint(1, 400) if rated else 0,
            )
        )
        specs.append((i, _options_for(rng, category.name), _price(rng)))
    new_products = Product.objects.bulk_create(new_products)

    options, values = [], []
    for product, (_, option_spec, _) in zip(new_products, specs, strict=True):
        for position, name in enumerate(option_spec):
            options.append(ProductOption(product=product, name=name, position=position))
    options = ProductOption.objects.bulk_create(options)
    option_by_key = {(o.product_id, o.name): o for o in options}
    for product, (_, option_spec, _) in zip(new_products, specs, strict=True):
        for name, option_values in option_spec.items():
            option = option_by_key[(product.id, name)]
            values += [OptionValue(option=option, value=v, position=p) for p, v in
                       enumerate(option_values)]  # fmt: skip
    values = OptionValue.objects.bulk_create(values)
    values_by_option: dict[int, list[OptionValue]] = {}
    for value in values:
        values_by_option.setdefault(value.option_id, []).append(value)

    variants, combos = [], []
    for product, (i, option_spec, price) in zip(new_products, specs, strict=True):
        lists = [values_by_option[option_by_key[(product.id, name)].id] for name in option_spec]
        on_sale = rng.random() < 0.15
        for position, combo in enumerate(cartesian_product(*lists) if lists else [()]):
            variants.append(
                Variant(
                    product=product,
                    sku="-".join([f"GEN{i + 1:07d}", *(slugify(v.value).upper() for v in combo)]),
                    name=" / ".join(v.value for v in combo),
                    price=price,
                    compare_at_price=price + Decimal("10.00") if on_sale else None,
                    weight_grams=rng.choice([150, 300, 600, 1200]),
                    position=position,
                )
            )
            combos.append(combo)
    variants = Variant.objects.bulk_create(variants, batch_size=BATCH)
    through = Variant.option_values.through
    through.objects.bulk_create(
        (
            through(variant_id=variant.id, optionvalue_id=value.id)
            for variant, combo in zip(variants, combos, strict=True)
            for value in combo
        ),
        batch_size=BATCH,
    )
    # Opening stock, with the ledger row inventory requires for every unit on hand.
    levels, movements = [], []
    for variant in variants:
        quantity = 0 if rng.random() < 0.2 else rng.choice([1, 3, 8, 20, 50, 120])
        if quantity:
            levels.append(StockLevel(variant=variant, warehouse=warehouse, on_hand=quantity))
            movements.append(
                StockMovement(
                    variant=variant,
                    warehouse=warehouse,
                    delta=quantity,
                    reason=StockMovement.Reason.RESTOCK,
                    note="Generated opening stock",
                )
            )
    StockLevel.objects.bulk_create(levels, batch_size=BATCH)
    StockMovement.objects.bulk_create(movements, batch_size=BATCH)
    ids = [p.id for p in new_products]
    # Spread creation dates over a year so "newest" sorts mean something.
    demo_sql.spread_product_created_at(ids)
    return ids
