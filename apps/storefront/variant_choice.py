"""Choosing a variant by its options: one control per option (size buttons, colour swatches).

The product page posts the shopper's choice as one field per option, ``option-<option>=<value>``
(``option-size=M&option-color=Black``); the server resolves it to exactly one variant, with or
without JavaScript. ``static/js/variant-picker.js`` makes the same resolution in the page from
``Picker.data()`` (``json_script``) and keeps ``?variant=<id>`` in the address bar.

Every value of every option is marked against the rest of the current choice: ``available``
(that combination is in stock), ``sold-out`` (offered, no stock) or ``not-offered`` (no variant
has that combination).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from apps.cart import selectors as cart_selectors
from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import OptionValue, Product, ProductImage, ProductOption, Variant
from apps.inventory import policies
from apps.inventory import selectors as inventory_selectors

AVAILABLE, SOLD_OUT, NOT_OFFERED = "available", "sold-out", "not-offered"
STATE_LABELS = {AVAILABLE: "", SOLD_OUT: "sold out", NOT_OFFERED: "not offered"}
COLOUR_OPTION_NAMES = frozenset({"color", "colour"})
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
LOW_STOCK_SHOWN_BELOW = 5

# CSS colour keywords a swatch can be painted with; other colour names get a text button.
SWATCH_COLOURS = frozenset(
    "black white grey gray silver red maroon crimson orange gold yellow olive green lime teal "
    "navy blue royalblue skyblue turquoise purple violet plum pink hotpink brown tan beige khaki "
    "ivory cream coral salmon indigo charcoal mint lavender sand forest heather stone "
    "burgundy".split()
)
SWATCH_FALLBACKS = {
    "charcoal": "#36454f", "cream": "#fffdd0", "mint": "#98ff98", "sand": "#c2b280",
    "forest": "#228b22", "heather": "#9e9ea8", "stone": "#8b8680", "burgundy": "#800020",
}  # fmt: skip


def stock_status(available: int) -> str:
    if available <= 0:
        return "Out of stock"
    if available <= LOW_STOCK_SHOWN_BELOW:
        return f"Only {available} left"
    return "In stock"


@dataclass
class VariantRow:
    variant: Variant
    available: int  # what the shopper may buy: free units, or more under a back-order policy
    value_ids: frozenset[int]
    note: str = ""  # "Back-order: ships in 14 days" when the free units ran out

    @property
    def status(self) -> str:
        return self.note or stock_status(self.available)

    @property
    def on_sale(self) -> bool:
        v = self.variant
        return bool(v.compare_at_price and v.compare_at_price > v.price)


@dataclass
class ValueChoice:
    id: int
    label: str
    checked: bool
    state: str
    swatch: str = ""

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class OptionChoice:
    id: int
    name: str
    param: str
    is_colour: bool
    values: list[ValueChoice] = field(default_factory=list)

    @property
    def chosen_label(self) -> str:
        return next((v.label for v in self.values if v.checked), "")


@dataclass
class Picker:
    """What the product page shows: the chosen variant, one control per option, the page data."""

    rows: list[VariantRow]
    selected: VariantRow | None
    options: list[OptionChoice]
    # The choice asked for (option params) matched no variant: the page says so.
    not_offered: bool = False

    def data(
        self,
        *,
        image_for: Mapping[int, str] | None = None,
        sale_prices: Mapping[int, Decimal | None] | None = None,
    ) -> dict:
        """What the script needs to resolve a choice in the page (``json_script``).
        ``sale_prices``: a variant's promotion price, shown with its own price struck out."""
        sale_prices = sale_prices or {}
        return {
            "options": [
                {"param": o.param, "values": [v.id for v in o.values]} for o in self.options
            ],
            "variants": [
                {
                    "id": r.variant.id,
                    "name": r.variant.name,
                    "values": sorted(r.value_ids),
                    "price": str(sale_prices.get(r.variant.id) or r.variant.price),
                    "compare_at": str(r.variant.price)
                    if sale_prices.get(r.variant.id)
                    else (str(r.variant.compare_at_price) if r.on_sale else ""),
                    "available": r.available,
                    "status": r.status,
                    "image": (image_for or {}).get(r.variant.id, ""),
                }
                for r in self.rows
            ],
        }


def option_param(option: ProductOption) -> str:
    return f"option-{slugify(option.name) or option.id}"


def _options_of(rows: list[VariantRow]) -> list[tuple[ProductOption, list[OptionValue]]]:
    """The product's options and their values, in position order, from the variants' prefetched
    values (no query): only values some active variant has are offered."""
    options: dict[int, ProductOption] = {}
    values: dict[int, dict[int, OptionValue]] = {}
    for row in rows:
        for value in row.variant.option_values.all():
            options.setdefault(value.option_id, value.option)
            values.setdefault(value.option_id, {})[value.id] = value
    ordered = sorted(options.values(), key=lambda o: (o.position, o.id))
    return [(o, sorted(values[o.id].values(), key=lambda v: (v.position, v.id))) for o in ordered]


def rows_for(variants: Iterable[Variant], available: Mapping[int, int]) -> list[VariantRow]:
    """``available``: free units per variant; a variant's policy may sell beyond them."""
    return [
        VariantRow(
            variant=v,
            available=policies.sellable_units(v, available.get(v.id, 0)),
            value_ids=frozenset(ov.id for ov in v.option_values.all()),
            note=policies.stock_note(v, available.get(v.id, 0)),
        )
        for v in variants
    ]


def _swatch(option: ProductOption, value: OptionValue) -> str:
    key = value.value.lower().replace(" ", "")
    if slugify(option.name) not in COLOUR_OPTION_NAMES or key not in SWATCH_COLOURS:
        return ""
    return SWATCH_FALLBACKS.get(key, key)


def _value_ids_from_params(
    params: Mapping[str, str], options: list[tuple[ProductOption, list[OptionValue]]]
) -> dict[int, int] | None:
    """``{option id: value id}`` from ``option-<name>`` params; None when none is given.

    A value the product does not have is left out (the choice is then partial)."""
    chosen: dict[int, int] = {}
    given = False
    for option, values in options:
        text = params.get(option_param(option))
        if text is None:
            continue
        given = True
        match = next((v for v in values if v.value == text), None)
        if match is not None:
            chosen[option.id] = match.id
    return chosen if given else None


def exact_row(rows: list[VariantRow], value_ids: Iterable[int]) -> VariantRow | None:
    wanted = frozenset(value_ids)
    return next((r for r in rows if r.value_ids == wanted), None)


def _closest_row(rows: list[VariantRow], value_ids: Iterable[int]) -> VariantRow | None:
    """The variant sharing most of the chosen values, in stock first, then in position order."""
    wanted = frozenset(value_ids)
    if not rows:
        return None
    return max(rows, key=lambda r: (len(r.value_ids & wanted), r.available > 0, -rows.index(r)))


def build_picker(
    rows: list[VariantRow], *, variant_param: str = "", option_params: Mapping[str, str]
) -> Picker:
    """The page's picker for a request: ``?variant=<id>`` or ``?option-…`` params, else the first
    variant in stock (else the first variant)."""
    options = _options_of(rows)
    selected: VariantRow | None = None
    not_offered = False
    chosen = _value_ids_from_params(option_params, options)
    if chosen is not None:
        selected = exact_row(rows, chosen.values()) if len(chosen) == len(options) else None
        if selected is None:
            not_offered = True
            selected = _closest_row(rows, chosen.values())
    elif variant_param:
        selected = next((r for r in rows if str(r.variant.id) == variant_param), None)
    if selected is None:
        selected = next((r for r in rows if r.available > 0), rows[0] if rows else None)
    return Picker(
        rows=rows,
        selected=selected,
        options=_option_choices(rows, options, selected),
        not_offered=not_offered,
    )


def _option_choices(
    rows: list[VariantRow],
    options: list[tuple[ProductOption, list[OptionValue]]],
    selected: VariantRow | None,
) -> list[OptionChoice]:
    current = selected.value_ids if selected else frozenset()
    choices = []
    for option, values in options:
        own = {v.id for v in values}
        others = current - own
        choice = OptionChoice(
            id=option.id,
            name=option.name,
            param=option_param(option),
            is_colour=slugify(option.name) in COLOUR_OPTION_NAMES,
        )
        for value in values:
            row = exact_row(rows, others | {value.id})
            state = NOT_OFFERED if row is None else AVAILABLE if row.available > 0 else SOLD_OUT
            choice.values.append(
                ValueChoice(
                    id=value.id,
                    label=value.value,
                    checked=value.id in current,
                    state=state,
                    swatch=_swatch(option, value),
                )
            )
        choices.append(choice)
    return choices


@dataclass(frozen=True)
class PostedChoice:
    """A variant as the product page's form posts it: the options' radios win over the hidden
    ``variant_id`` (the variant the page showed), which stands alone only in forms without
    options."""

    variant_id: int | None
    product: Product | None = None
    row: VariantRow | None = None
    not_offered: bool = False
    # The options chose a variant at another price than the one the page showed (no script
    # ran to update it): the shopper is shown that price before anything is added.
    price_unseen: bool = False

    def product_url(self) -> str:
        assert self.product is not None
        url = self.product.get_absolute_url()
        return f"{url}?variant={self.row.variant.id}" if self.row else url


def _posted_int(post: Mapping[str, str], name: str) -> int | None:
    text = post.get(name, "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def resolve_posted(
    rows: list[VariantRow], post: Mapping[str, str], *, product: Product | None = None
) -> PostedChoice:
    """Resolve a posted product form: ``option-*`` fields if any, else ``variant_id``."""
    shown = _posted_int(post, "variant_id")
    options = _options_of(rows)
    chosen = _value_ids_from_params(post, options)
    if chosen is None:
        return PostedChoice(variant_id=shown, product=product)
    row = exact_row(rows, chosen.values()) if len(chosen) == len(options) else None
    if row is None:
        closest = _closest_row(rows, chosen.values())
        return PostedChoice(variant_id=None, product=product, row=closest, not_offered=True)
    shown_row = next((r for r in rows if r.variant.id == shown), None)
    return PostedChoice(
        variant_id=row.variant.id,
        product=product,
        row=row,
        price_unseen=shown_row is not None and shown_row.variant.price != row.variant.price,
    )


def rows_of_product(product: Product) -> list[VariantRow]:
    """The product's active variants (prefetched) with their free units: one query."""
    variants = list(product.variants.all())
    if product.is_gift_card:  # holds no stock
        return rows_for(variants, {v.id: cart_selectors.GIFT_CARD_AVAILABLE for v in variants})
    return rows_for(variants, inventory_selectors.get_available_by_variant(v.id for v in variants))


def choice_from_post(post: Mapping[str, str]) -> PostedChoice:
    """The variant a posted form names: a product page's options (``product`` + ``option-*``),
    or a bare ``variant_id`` from forms that show one variant (wishlist, cart)."""
    slug = post.get("product", "")
    if not slug:
        return PostedChoice(variant_id=_posted_int(post, "variant_id"))
    if len(slug) > 255 or not SLUG.fullmatch(slug):  # not a product's; never a cache key
        return PostedChoice(variant_id=None)
    try:
        product = catalog_selectors.get_product_for_storefront(slug=slug)
    except Product.DoesNotExist:
        return PostedChoice(variant_id=None)
    return resolve_posted(rows_of_product(product), post, product=product)


def images_by_variant(picker: Picker, images: list[ProductImage]) -> dict[int, str]:
    """Each variant's image: the first photo whose alt text names one of its option values
    ("Granite T-shirt in Black" for every Black variant). Photos come per colour, not per size
    or SKU; a variant no photo names has none (the page keeps its first photo)."""
    labels = {v.id: v.label.lower() for o in picker.options for v in o.values}
    found: dict[int, str] = {}
    for row in picker.rows:
        words = [labels[i] for i in row.value_ids if i in labels]
        for image in images:
            alt = f" {image.alt_text.lower()} "
            if image.thumbnail_medium and any(f" {w} " in alt for w in words):
                found[row.variant.id] = image.thumbnail_medium.url
                break
    return found
