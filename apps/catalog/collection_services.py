"""Collection writes (the catalog's services for collections; ``services.py`` holds products
and categories).

Membership is never written here for automated collections: their rules are evaluated when
the collection is read (``apps.catalog.collections``). Manual collections store their
hand-picked products with positions, the merchant's order.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from apps.catalog.models import Collection, CollectionProduct, CollectionRule, Product

COLLECTION_FIELDS = (
    "name", "slug", "kind", "match", "description", "published", "position",
    "seo_title", "seo_description",
)  # fmt: skip
RULE_FIELDS = ("field", "value", "category_id", "min_price", "max_price", "days")
MAX_RULES = 20
MAX_MANUAL_PRODUCTS = 5000


@transaction.atomic
def create_collection(
    *,
    fields: dict,
    rules: list[dict] | None = None,
    product_ids: list[int] | None = None,
) -> Collection:
    """Create a collection with its rules (automated) or its products in order (manual)."""
    data = {k: v for k, v in fields.items() if k in COLLECTION_FIELDS}
    data.setdefault("slug", slugify(data.get("name", "")))
    collection = Collection(**data)
    collection.full_clean()
    collection.save()
    _check_contents(collection, rules=rules, product_ids=product_ids)
    if rules is not None:
        set_collection_rules(collection=collection, rules=rules)
    if product_ids is not None:
        set_collection_products(collection=collection, product_ids=product_ids)
    return collection


@transaction.atomic
def update_collection(
    *,
    collection_id: int,
    fields: dict,
    rules: list[dict] | None = None,
    product_ids: list[int] | None = None,
) -> Collection:
    """Change a collection's fields; ``rules`` / ``product_ids`` (when given) replace the old."""
    collection = Collection.objects.select_for_update().get(pk=collection_id)
    for name, value in fields.items():
        if name in COLLECTION_FIELDS:
            setattr(collection, name, value)
    collection.full_clean()
    collection.save()
    _check_contents(collection, rules=rules, product_ids=product_ids)
    if rules is not None:
        set_collection_rules(collection=collection, rules=rules)
    if product_ids is not None:
        set_collection_products(collection=collection, product_ids=product_ids)
    return collection


def delete_collection(*, collection_id: int) -> None:
    """Delete a collection (its rules and hand-picked entries go with it; products stay)."""
    Collection.objects.filter(pk=collection_id).delete()


def _check_contents(
    collection: Collection, *, rules: list[dict] | None, product_ids: list[int] | None
) -> None:
    if rules and collection.kind == Collection.Kind.MANUAL:
        raise ValidationError(
            {"rules": "A manual collection has no rules: make it automated, or list products."}
        )
    if product_ids and collection.kind == Collection.Kind.AUTOMATED:
        raise ValidationError(
            {"product_ids": "An automated collection takes its products from its rules."}
        )


@transaction.atomic
def set_collection_rules(*, collection: Collection, rules: list[dict]) -> list[CollectionRule]:
    """Replace the collection's rules with ``rules`` (each validated like the admin's)."""
    if len(rules) > MAX_RULES:
        raise ValidationError({"rules": f"A collection can have at most {MAX_RULES} rules."})
    built = []
    for position, spec in enumerate(rules):
        rule = CollectionRule(
            collection=collection,
            position=position,
            **{k: v for k, v in spec.items() if k in RULE_FIELDS},
        )
        try:
            rule.full_clean(exclude=["collection"])
        except ValidationError as exc:
            messages = [f"Rule {position + 1}: {m}" for m in exc.messages]
            raise ValidationError({"rules": messages}) from exc
        built.append(rule)
    collection.rules.all().delete()
    return CollectionRule.objects.bulk_create(built)


@transaction.atomic
def set_collection_products(
    *, collection: Collection, product_ids: Iterable[int]
) -> list[CollectionProduct]:
    """Make the manual collection's products exactly ``product_ids``, in that order."""
    ids = list(dict.fromkeys(product_ids))
    if len(ids) > MAX_MANUAL_PRODUCTS:
        raise ValidationError(
            {"product_ids": f"A collection can list at most {MAX_MANUAL_PRODUCTS} products."}
        )
    known = set(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValidationError({"product_ids": f"No such products: {missing[:10]}."})
    collection.entries.all().delete()
    return CollectionProduct.objects.bulk_create(
        CollectionProduct(collection=collection, product_id=product_id, position=position)
        for position, product_id in enumerate(ids)
    )
