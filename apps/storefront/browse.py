"""Listing parameters: parse a shopper's query string into a SearchQuery and build links back.

Parsing never fails: anything unreadable (``min=abc``, ``page=-1``, a 10 KB query) falls back to
a sane default, so a listing answers 200 whatever the URL says.
"""

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.http import QueryDict

from apps.search.query import (
    MAX_PAGE,
    MAX_QUERY_LENGTH,
    SORT_RELEVANCE,
    SORTS,
    SearchQuery,
)

MAX_PRICE = Decimal("9999999999.99")
BAND_KEY = re.compile(r"\d{0,9}-\d{0,9}")
MAX_OPTION_FILTERS = 20


def _price(raw: str | None) -> Decimal | None:
    if not raw or len(raw) > 20:
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    return min(value, MAX_PRICE).quantize(Decimal("0.01"))


def _page(raw: str | None) -> int:
    if not raw or len(raw) > 6 or not raw.isdigit():
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def parse_query(params: QueryDict, *, category_id: int | None = None) -> SearchQuery:
    """Read a listing's parameters; on the search page (no category in the path) ``category``."""
    if category_id is None:
        raw = params.get("category", "")
        category_id = int(raw) if raw.isdigit() and len(raw) < 18 else None
    text = " ".join(params.get("q", "")[: MAX_QUERY_LENGTH * 2].split())[:MAX_QUERY_LENGTH]
    options: dict[str, list[str]] = {}
    for pair in params.getlist("option")[:MAX_OPTION_FILTERS]:
        name, sep, value = pair.partition(":")
        if sep and name and value and len(pair) <= 130 and value not in options.get(name, []):
            options.setdefault(name, []).append(value)
    sort = params.get("sort", SORT_RELEVANCE)
    return SearchQuery(
        text=text,
        category_id=category_id,
        min_price=_price(params.get("min")),
        max_price=_price(params.get("max")),
        # Shaped like band keys ("25-50"); ``in_currency`` keeps the shopper's currency's.
        bands=tuple(sorted({b for b in params.getlist("band")[:10] if BAND_KEY.fullmatch(b)})),
        options=tuple(sorted((name, tuple(values)) for name, values in options.items())),
        in_stock=params.get("in_stock") in {"1", "on", "true"},
        sort=sort if sort in SORTS else SORT_RELEVANCE,
        page=_page(params.get("page")),
    )


def to_querystring(
    query: SearchQuery, *, category_param: bool = False, extra: tuple[tuple[str, str], ...] = ()
) -> str:
    """The canonical query string of a listing (empty values and defaults left out).

    ``category_param``: the search and collection pages carry the category in the query
    string; a category page has it in its path. ``extra``: parameters the page adds (the
    search page's ``collection``).
    """
    params: list[tuple[str, str]] = list(extra)
    if query.text:
        params.append(("q", query.text))
    if category_param and query.category_id is not None:
        params.append(("category", str(query.category_id)))
    if query.min_price is not None:
        params.append(("min", str(query.min_price)))
    if query.max_price is not None:
        params.append(("max", str(query.max_price)))
    params.extend(("band", band) for band in query.bands)
    for name, values in query.options:
        params.extend(("option", f"{name}:{value}") for value in values)
    if query.in_stock:
        params.append(("in_stock", "1"))
    if query.sort != SORT_RELEVANCE:
        params.append(("sort", query.sort))
    if query.page > 1:
        params.append(("page", str(query.page)))
    return "?" + urlencode(params) if params else "?"


def with_page(query: SearchQuery, page: int) -> SearchQuery:
    return replace(query, page=page)


def toggle_option(query: SearchQuery, name: str, value: str) -> SearchQuery:
    options = {n: list(vs) for n, vs in query.options}
    values = options.setdefault(name, [])
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return replace(
        query,
        options=tuple(sorted((n, tuple(vs)) for n, vs in options.items() if vs)),
        page=1,
    )


def toggle_band(query: SearchQuery, band: str) -> SearchQuery:
    bands = set(query.bands) ^ {band}
    return replace(query, bands=tuple(sorted(bands)), page=1)


def toggle_in_stock(query: SearchQuery) -> SearchQuery:
    return replace(query, in_stock=not query.in_stock, page=1)


def with_sort(query: SearchQuery, sort: str) -> SearchQuery:
    return replace(query, sort=sort, page=1)


def with_category(query: SearchQuery, category_id: int | None) -> SearchQuery:
    return replace(query, category_id=category_id, page=1)


def without_filters(query: SearchQuery) -> SearchQuery:
    return SearchQuery(
        text=query.text,
        category_id=query.category_id,
        sort=query.sort,
        product_ids=query.product_ids,
    )


def within_products(query: SearchQuery, product_ids: tuple[int, ...]) -> SearchQuery:
    """The query limited to these products (a collection's)."""
    return replace(query, product_ids=product_ids)


def in_currency(query: SearchQuery, rate: Decimal) -> SearchQuery:
    """The query with prices in a shopper's currency (``rate`` units for one of the store's):
    its min/max and bands are read in it; band keys that currency has not are dropped."""
    query = replace(query, price_rate=rate)
    return replace(query, bands=tuple(b for b in query.bands if query.band_bounds(b)))
