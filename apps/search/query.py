"""What every search backend takes and returns (architecture §4).

The storefront builds a ``SearchQuery``, a backend answers with a ``SearchResult``: ordered
product ids for one page, the total, facet counts and, when a typo was corrected, the text that
was really searched. Neither side knows which backend answered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import overload

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_PRICE_ASC = "price_asc"
SORT_PRICE_DESC = "price_desc"
SORT_RATING = "rating"
SORTS = {
    SORT_RELEVANCE: "Relevance",
    SORT_NEWEST: "Newest",
    SORT_PRICE_ASC: "Price: low to high",
    SORT_PRICE_DESC: "Price: high to low",
    SORT_RATING: "Customer rating",
}

# Price bands for the price facet: [low, high) in the store currency; None is open-ended.
PRICE_BANDS: list[tuple[Decimal | None, Decimal | None]] = [
    (None, Decimal("25")),
    (Decimal("25"), Decimal("50")),
    (Decimal("50"), Decimal("100")),
    (Decimal("100"), Decimal("200")),
    (Decimal("200"), None),
]

MAX_QUERY_LENGTH = 200
MAX_PAGE = 1000  # deep pages cost a sort of every match; nobody reads past this
PER_PAGE = 24


def band_key(low: Decimal | None, high: Decimal | None) -> str:
    return f"{'' if low is None else int(low)}-{'' if high is None else int(high)}"


def band_label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return f"Under {int(high)}"
    if high is None:
        return f"{int(low)} and above"
    return f"{int(low)} to {int(high)}"


BAND_KEYS = {band_key(low, high): (low, high) for low, high in PRICE_BANDS}
ONE = Decimal("1")


def _nice(amount: Decimal) -> Decimal:
    """``amount`` to two significant digits (3784 → 3800, 23 → 23): a band edge people read."""
    step = Decimal(1).scaleb(amount.adjusted() - 1)
    return ((amount / step).to_integral_value(rounding=ROUND_HALF_UP) * step).normalize() + 0


def price_bands(rate: Decimal = ONE) -> list[tuple[Decimal | None, Decimal | None]]:
    """The price facet's bands in a presentment currency (``rate`` units of it for one unit of
    the store's): the store's bands converted, their edges rounded to read well."""
    if rate == ONE:
        return PRICE_BANDS
    return [
        (None if low is None else _nice(low * rate), None if high is None else _nice(high * rate))
        for low, high in PRICE_BANDS
    ]


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category_id: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    # Price bands (keys of BAND_KEYS); several are OR-ed.
    bands: tuple[str, ...] = ()
    # ((option name, (value, ...)), ...): values of one option are OR-ed, options AND-ed.
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    in_stock: bool = False
    sort: str = SORT_RELEVANCE
    page: int = 1
    per_page: int = PER_PAGE
    # Only these products (a collection's, in its order), or None for the whole catalog. When
    # browsing (no text) with the relevance sort, results keep this order.
    product_ids: tuple[int, ...] | None = None
    # The shopper's currency (issue 20): min/max prices and bands are in it; documents hold
    # the store's prices, so backends compare with the bounds divided by this rate.
    price_rate: Decimal = ONE

    def price_bands(self) -> list[tuple[Decimal | None, Decimal | None]]:
        """The bands of the facet, in the shopper's currency."""
        return price_bands(self.price_rate)

    def band_bounds(self, key: str) -> tuple[Decimal | None, Decimal | None] | None:
        """A selected band's [low, high) in the store's currency (None: no such band)."""
        for low, high in self.price_bands():
            if band_key(low, high) == key:
                return self.to_base(low), self.to_base(high)
        return None

    @overload
    def to_base(self, amount: Decimal) -> Decimal: ...

    @overload
    def to_base(self, amount: None) -> None: ...

    def to_base(self, amount: Decimal | None) -> Decimal | None:
        """A bound in the shopper's currency as the store's (what documents hold)."""
        if amount is None or self.price_rate == ONE:
            return amount
        return (amount / self.price_rate).quantize(Decimal("0.0001"))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def facet_cache_key(self) -> str:
        """A key naming the result set (page and sort do not change facet counts)."""
        return self._digest(with_page=False)

    def page_cache_key(self) -> str:
        return self._digest(with_page=True)

    def _digest(self, *, with_page: bool) -> str:
        payload = json.dumps(
            [
                self.text,
                self.category_id,
                str(self.min_price),
                str(self.max_price),
                sorted(self.bands),
                sorted([name, sorted(values)] for name, values in self.options),
                self.in_stock,
                [self.sort, self.page, self.per_page] if with_page else None,
                None if self.product_ids is None else list(self.product_ids),
                str(self.price_rate),
            ]
        )
        return hashlib.sha1(payload.encode()).hexdigest()  # noqa: S324 - a cache key, not a secret


@dataclass
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facets:
    # (category id, number of matching products in it or below it)
    categories: dict[int, int] = field(default_factory=dict)
    price_bands: list[FacetValue] = field(default_factory=list)
    # option name → values with counts
    options: dict[str, list[FacetValue]] = field(default_factory=dict)
    in_stock: int = 0


@dataclass
class SearchResult:
    product_ids: list[int]
    total: int
    facets: Facets | None
    corrected_text: str | None = None


MAX_FACET_OPTIONS = 8  # option names shown
# Clothing sizes sort in size order, everything else numerically, then alphabetically.
SIZE_ORDER = {s: i for i, s in enumerate(
    ["XXXS", "XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "2XL", "3XL", "4XL"]
)}  # fmt: skip


def value_sort_key(label: str) -> tuple:
    upper = label.upper()
    if upper in SIZE_ORDER:
        return (0, SIZE_ORDER[upper], "")
    try:
        return (1, float(label), "")
    except ValueError:
        return (2, 0, label.lower())


MAX_FACET_VALUES = 30  # values shown per option


def assemble_facets(
    query: SearchQuery,
    *,
    categories: dict[int, int],
    bands: dict[str, int],
    option_pairs: dict[str, int],
    in_stock: int,
) -> Facets:
    """Turn raw backend counts into ordered facets, marking what the query selected."""
    price_bands = [
        FacetValue(
            key=band_key(low, high),
            label=band_label(low, high),
            count=bands.get(band_key(low, high), 0),
            selected=band_key(low, high) in query.bands,
        )
        for low, high in query.price_bands()
    ]
    selected = {name: set(values) for name, values in query.options}
    by_option: dict[str, list[FacetValue]] = {}
    for pair, count in option_pairs.items():
        name, _, value = pair.partition(":")
        by_option.setdefault(name, []).append(
            FacetValue(
                key=value, label=value, count=count, selected=value in selected.get(name, ())
            )
        )
    # Selected options first, then the options most products have.
    ranked = sorted(
        by_option.items(),
        key=lambda item: (item[0] not in selected, -sum(v.count for v in item[1]), item[0]),
    )
    options = {}
    for name, values in ranked[:MAX_FACET_OPTIONS]:
        # Keep the selected and most common values, shown in their natural order.
        kept = sorted(values, key=lambda v: (not v.selected, -v.count))[:MAX_FACET_VALUES]
        options[name] = sorted(kept, key=lambda v: value_sort_key(v.label))
    return Facets(
        categories=categories,
        price_bands=[b for b in price_bands if b.count or b.selected],
        options=options,
        in_stock=in_stock,
    )
