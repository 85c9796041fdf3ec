"""The demo store's tags and collections: a hand-picked one and two kept by rules."""

from decimal import Decimal

from django.core.files.base import ContentFile

from apps.catalog import collection_services
from apps.catalog.models import Collection, Product
from apps.catalog.tags import normalize_tags
from apps.demo import images

# Tags by what a product is called (no random draws: the rest of the demo keeps its data).
SUMMER_WORDS = ("Coastal", "Sunrise", "Meadow", "Desert", "Harbor", "Aurora")
GIFT_NOUNS = ("Mug", "Poster", "Tote bag")
STAFF_PICKS = 6


def tags_for(name: str) -> list[str]:
    tags = []
    if name.split()[0] in SUMMER_WORDS:
        tags.append("summer")
    if name.endswith(GIFT_NOUNS):
        tags.append("gift idea")
    if name.startswith(("Organic", "Alpine")):
        tags.append("eco")
    return tags


def seed_collections() -> list[Collection]:
    """Tag the catalog, then make the collections the storefront's header and home link to."""
    for product in Product.objects.only("id", "name"):
        tags = normalize_tags(tags_for(product.name))
        if tags:
            Product.objects.filter(pk=product.pk).update(tags=tags)
    picks = list(
        Product.objects.filter(status=Product.Status.ACTIVE)
        .order_by("-featured", "name")
        .values_list("id", flat=True)[:STAFF_PICKS]
    )
    specs: list[tuple[dict, dict, list[tuple[int, int, int]]]] = [
        (
            {
                "name": "Staff picks",
                "description": "What the team uses every day, in the order we would buy it.",
                "seo_title": "Staff picks — our favourites",
                "position": 0,
            },
            {"product_ids": picks[::-1]},
            [(138, 28, 59), (246, 193, 119), (38, 54, 94)],
        ),
        (
            {
                "name": "Summer edit",
                "kind": Collection.Kind.AUTOMATED,
                "description": "Everything tagged “summer” that is in stock now: it updates "
                "itself as products are tagged, sold out or restocked.",
                "position": 1,
            },
            {"rules": [{"field": "tag", "value": "summer"}, {"field": "in_stock"}]},
            [(47, 93, 70), (246, 193, 119), (231, 111, 81)],
        ),
        (
            {
                "name": "Gifts under 25",
                "kind": Collection.Kind.AUTOMATED,
                "description": "Mugs, posters and totes tagged “gift idea”, priced 25 or less.",
                "position": 2,
            },
            {
                "rules": [
                    {"field": "tag", "value": "gift idea"},
                    {"field": "price", "max_price": Decimal("25.00")},
                ]
            },
            [(38, 54, 94), (138, 28, 59), (47, 93, 70)],
        ),
    ]
    collections = []
    for fields, contents, colors in specs:
        collection = collection_services.create_collection(fields=fields, **contents)
        collection.image = ContentFile(
            images.banner_picture(colors=colors), name=f"{collection.slug}.jpg"
        )
        collection.save(update_fields=["image"])
        collections.append(collection)
    return collections
