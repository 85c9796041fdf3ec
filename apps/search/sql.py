"""The search app's raw SQL: the only module of ``apps.search`` that runs ``cursor.execute``.

It holds the statements of the PostgreSQL backend (``backends/postgres.py`` calls them) and
the reads of catalog and inventory tables that search needs: search sits below catalog and
inventory and never imports them, so it reads their tables by name here. Each statement says
what the ORM could not do: full-text and trigram operators, set-returning functions, INSERT …
SELECT … ON CONFLICT over the catalog tables, and one-statement facet counting are beyond the
ORM; the searches are built as text because their shape (disjunctive facets, per-sort index
use) is what makes them fast.

PostgreSQL full-text search over ``search_productdocument`` (the default backend):

- A weighted ``tsvector`` (name A > category path, brand, SKUs B > option values C >
  description D) stored per product with a GIN index, queried with ``websearch_to_tsquery`` and
  ranked with ``ts_rank``.
- Typo tolerance with pg_trgm: each query word that is not in the catalog's vocabulary
  (``search_searchterm``) is replaced by its nearest vocabulary word (trigram KNN on a GiST index)
  when they are similar enough, so "tshrit" searches for "t-shirt".
- An exact SKU (case-insensitive) matches and ranks first.
- Facets (category, price band, option values, in stock) in one statement over the matches.
  Option, band and stock facets are disjunctive: each is counted with every filter applied but
  its own, so a count is what the shopper gets by ticking that box.

Every statement runs in the current store's schema (the connection's search_path); pg_trgm's
operators live in public, which is on every store's search_path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from apps.search.query import (
    SORT_NEWEST,
    SORT_PRICE_ASC,
    SORT_PRICE_DESC,
    SORT_RATING,
    Facets,
    SearchQuery,
    SearchResult,
    assemble_facets,
    band_key,
)

TS_CONFIG = "english"
# Trigram similarity a vocabulary word needs to replace an unknown query word.
# "tshrit" vs "tshirt" is 0.27; 0.25 keeps such transpositions and refuses most unrelated words.
CORRECTION_MIN_SIMILARITY = 0.25
INDEX_BATCH_SIZE = 2000
BULK_THRESHOLD = 5000  # indexing this many products at once refreshes stats and GIN lists
DESCRIPTION_CHARS = 4000

# The product's category path (itself and its ancestors) for the whole (small) category table.
_CATEGORY_TREE_CTE = """
tree AS (
    SELECT c.id, ARRAY[c.id] AS ids, c.name::text AS names
    FROM catalog_category c WHERE c.parent_id IS NULL
    UNION ALL
    SELECT c.id, t.ids || c.id, t.names || ' ' || c.name
    FROM catalog_category c JOIN tree t ON c.parent_id = t.id
)"""

# Whether a product has a sellable unit now: an active variant with free units, as the
# inventory defines them once (``inventory_free_stock``, a SQL function called by name: on hand
# − reserved in active warehouses, expired holds counted as free), summed over its warehouses.
# ``{product}``: the product id column of the outer query; ``{now}``: the time expression.
# A correlated EXISTS: one index probe per product, never a hash of the whole stock table.
IN_STOCK_SQL = """
EXISTS (
    SELECT 1 FROM catalog_variant sv
    JOIN inventory_free_stock({now}) f ON f.variant_id = sv.id
    WHERE sv.product_id = {product} AND sv.active
    GROUP BY sv.id HAVING sum(f.units) > 0
)"""

_UPSERT_SQL = f"""
WITH RECURSIVE {_CATEGORY_TREE_CTE},
upserted AS (
    INSERT INTO search_productdocument (
        product_id, document, name, category_ids, category_key, option_values, option_key, skus,
        min_price, max_price, featured, rating_avg, rating_count, in_stock, product_created_at,
        indexed_at
    )
    SELECT
        p.id,
        setweight(to_tsvector('{TS_CONFIG}', p.name), 'A')
        || setweight(to_tsvector('{TS_CONFIG}',
               coalesce(tree.names, '') || ' ' || p.brand || ' ' || v.sku_text), 'B')
        || setweight(to_tsvector('{TS_CONFIG}', coalesce(ov.values_text, '')), 'C')
        || setweight(to_tsvector('{TS_CONFIG}', left(p.description, {DESCRIPTION_CHARS})), 'D'),
        p.name,
        coalesce(tree.ids, '{{}}'),
        tree.id,
        coalesce(ov.pairs, '{{}}'),
        hashtextextended(coalesce(ov.pairs, '{{}}')::text, 0),
        v.skus,
        v.min_price,
        v.max_price,
        p.featured,
        p.rating_avg,
        p.rating_count,
        {IN_STOCK_SQL.format(product="p.id", now="now()")},
        p.created_at,
        now()
    FROM catalog_product p
    JOIN LATERAL (
        SELECT min(cv.price) AS min_price, max(cv.price) AS max_price,
               array_agg(upper(cv.sku) ORDER BY cv.sku) AS skus,
               string_agg(cv.sku, ' ') AS sku_text
        FROM catalog_variant cv WHERE cv.product_id = p.id AND cv.active
    ) v ON v.skus IS NOT NULL
    LEFT JOIN tree ON tree.id = p.category_id
    LEFT JOIN LATERAL (
        SELECT array_agg(DISTINCT po.name || ':' || val.value) AS pairs,
               string_agg(DISTINCT val.value, ' ') AS values_text
        FROM catalog_variant ov_v
        JOIN catalog_variant_option_values vo ON vo.variant_id = ov_v.id
        JOIN catalog_optionvalue val ON val.id = vo.optionvalue_id
        JOIN catalog_productoption po ON po.id = val.option_id
        WHERE ov_v.product_id = p.id AND ov_v.active
    ) ov ON TRUE
    WHERE p.id = ANY(%(ids)s) AND p.status = 'active'
    ON CONFLICT (product_id) DO UPDATE SET
        document = EXCLUDED.document, name = EXCLUDED.name,
        category_ids = EXCLUDED.category_ids, category_key = EXCLUDED.category_key,
        option_values = EXCLUDED.option_values, option_key = EXCLUDED.option_key,
        skus = EXCLUDED.skus, min_price = EXCLUDED.min_price, max_price = EXCLUDED.max_price,
        featured = EXCLUDED.featured, rating_avg = EXCLUDED.rating_avg,
        rating_count = EXCLUDED.rating_count, in_stock = EXCLUDED.in_stock,
        product_created_at = EXCLUDED.product_created_at, indexed_at = EXCLUDED.indexed_at
    RETURNING product_id
)
DELETE FROM search_productdocument d
WHERE d.product_id = ANY(%(ids)s)
  AND NOT EXISTS (SELECT 1 FROM upserted u WHERE u.product_id = d.product_id)
"""

# Words of names, brands, descriptions, category names and option values become the
# vocabulary typo correction chooses from. Words are only ever added; a full reindex rebuilds.
_VOCABULARY_SQL = """
INSERT INTO search_searchterm (term, surface)
SELECT DISTINCT ON (k.term) k.term, surface
FROM (
    SELECT DISTINCT w AS surface FROM (
        SELECT regexp_split_to_table(
            lower(p.name || ' ' || p.brand || ' ' || left(p.description, %(chars)s)),
            '[^[:alnum:]''-]+') AS w
        FROM catalog_product p WHERE p.id = ANY(%(ids)s) AND p.status = 'active'
        UNION ALL
        SELECT regexp_split_to_table(lower(c.name), '[^[:alnum:]''-]+')
        FROM catalog_category c
        WHERE c.id IN (SELECT category_id FROM catalog_product WHERE id = ANY(%(ids)s))
        UNION ALL
        SELECT regexp_split_to_table(lower(val.value), '[^[:alnum:]''-]+')
        FROM catalog_optionvalue val
        JOIN catalog_productoption po ON po.id = val.option_id
        WHERE po.product_id = ANY(%(ids)s)
    ) words
    WHERE length(w) BETWEEN 3 AND 60
) surfaces
CROSS JOIN LATERAL regexp_replace(surface, '[^[:alnum:]]', '', 'g') AS k(term)
WHERE length(k.term) >= 3 AND k.term !~ '^[0-9]+$'
  AND NOT EXISTS (SELECT 1 FROM search_searchterm t WHERE t.term = k.term)
ORDER BY k.term, length(surface), surface
ON CONFLICT (term) DO NOTHING
"""

_REFRESH_STOCK_SQL = f"""
UPDATE search_productdocument d SET in_stock = s.in_stock
FROM (
    SELECT d2.product_id, {IN_STOCK_SQL.format(product="d2.product_id", now="now()")} AS in_stock
    FROM search_productdocument d2 {{where}}
) s
WHERE d.product_id = s.product_id AND d.in_stock IS DISTINCT FROM s.in_stock
"""

_ORDER_BY = {
    SORT_NEWEST: "d.product_created_at DESC, d.product_id DESC",
    SORT_PRICE_ASC: "d.min_price ASC, d.product_id ASC",
    SORT_PRICE_DESC: "d.min_price DESC, d.product_id DESC",
    SORT_RATING: "d.rating_avg DESC, d.rating_count DESC, d.product_id DESC",
}
# The columns of each sort order beyond those every search reads (see _combined_sql).
_SORT_COLUMNS = {
    SORT_NEWEST: ["d.product_created_at"],
    SORT_PRICE_ASC: [],
    SORT_PRICE_DESC: [],
    SORT_RATING: ["d.rating_avg", "d.rating_count"],
}
_ORDER_BY_RELEVANCE_BROWSE = "d.featured DESC, d.product_created_at DESC, d.product_id DESC"
# Whether a match is the product whose SKU is the query: a hashed subplan run once (usually an
# empty set, from the SKU index), not an array containment test on every match's SKUs.
_SKU_HIT_SQL = (
    "d.product_id IN (SELECT s.product_id FROM search_productdocument s "
    "WHERE s.skus @> ARRAY[%(sku)s]::varchar[])"
)

_WORD_RE = re.compile(r"^([\"(\-]*)(.*?)([\")!?.,;:]*)$")


def _word_parts(word: str) -> tuple[str, str, str]:
    """(leading punctuation, the word, trailing punctuation): every group may be empty, so the
    pattern matches any text."""
    match = _WORD_RE.match(word)
    assert match is not None
    return match.group(1), match.group(2), match.group(3)


GIN_INDEXES = [
    "search_doc_document_gin",
    "search_doc_categories_gin",
    "search_doc_options_gin",
    "search_doc_skus_gin",
]


def analyze_tables(tables: list[str]) -> None:
    """Refresh planner statistics after bulk writes (autovacuum may take minutes to do it)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(f'"{t}"' for t in tables))


def flush_gin_pending_lists() -> None:
    """Merge the GIN indexes' pending lists after bulk indexing.

    Until (auto)vacuum does it, every search scans the unsorted pending list: after a 100k
    reindex that costs ~10 ms per query.
    """
    with connection.cursor() as cursor:
        for name in GIN_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


# --- indexing --------------------------------------------------------------------------------
def write_documents(product_ids: list[int]) -> None:
    """Write (or delete) the documents of these products from the catalog tables now.

    One INSERT … SELECT … ON CONFLICT per batch from the catalog tables (tsvector building,
    recursive category paths, aggregated arrays): the ORM would read every product into Python
    and write it back row by row.
    """
    with connection.cursor() as cursor:
        for start in range(0, len(product_ids), INDEX_BATCH_SIZE):
            batch = product_ids[start : start + INDEX_BATCH_SIZE]
            cursor.execute(_UPSERT_SQL, {"ids": batch})
            cursor.execute(_VOCABULARY_SQL, {"ids": batch, "chars": DESCRIPTION_CHARS})


def delete_documents(product_ids: list[int]) -> None:
    """Drop these products' documents (one DELETE; the ORM would do the same through
    ``ProductDocument.objects.filter(...).delete()`` with a SELECT first for its collector)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM search_productdocument WHERE product_id = ANY(%s)", [product_ids]
        )


def refresh_stock_flags(product_ids: list[int] | None) -> int:
    """Recompute the in-stock flag (all documents when None); return how many flipped.

    One UPDATE … FROM with a correlated EXISTS over the inventory tables (read by name) that
    writes only the flags that flip."""
    with connection.cursor() as cursor:
        if product_ids is None:
            cursor.execute(_REFRESH_STOCK_SQL.format(where=""))
        else:
            cursor.execute(
                _REFRESH_STOCK_SQL.format(where="WHERE d2.product_id = ANY(%s)"), [product_ids]
            )
        return cursor.rowcount


def clear_index() -> None:
    """Empty the store's documents and vocabulary (TRUNCATE: no ORM equivalent)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE search_productdocument, search_searchterm")


def list_active_product_ids() -> list[int]:
    """Every active product of the store, by id (catalog_product read by name)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM catalog_product WHERE status = 'active' ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def list_product_ids_of_variants(variant_ids: list[int]) -> list[int]:
    """The products of these variants (catalog_variant read by name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT product_id FROM catalog_variant WHERE id = ANY(%s)", [variant_ids]
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class DocumentRow:
    """What an Elasticsearch document is built from (``backends.elasticsearch``)."""

    id: int
    name: str
    description: str
    brand: str
    category_ids: list[int]  # the category path, root first
    category_names: list[str]
    option_pairs: list[str]  # "Size:M", of active variants
    skus: list[str]  # of active variants
    min_price: Decimal
    max_price: Decimal
    featured: bool
    rating_avg: Decimal
    rating_count: int
    in_stock: bool
    created_at: datetime


# The active products among the ids that have an active variant, with what their document
# shows, in one statement over the catalog tables and, for "in stock", the inventory's one
# definition of free units (``inventory_free_stock``, called by name): a variant is in stock
# when its free units summed over active warehouses are above zero. The ORM version read
# products, variants and option values with their options in four queries plus the stock.
_DOCUMENT_ROWS_SQL = f"""
WITH RECURSIVE path AS (
    SELECT c.id, ARRAY[c.id] AS ids, ARRAY[c.name::text] AS names
    FROM catalog_category c WHERE c.parent_id IS NULL
    UNION ALL
    SELECT c.id, t.ids || c.id, t.names || c.name::text
    FROM catalog_category c JOIN path t ON c.parent_id = t.id
)
SELECT p.id, p.name, p.description, p.brand, coalesce(path.ids, '{{}}'),
       coalesce(path.names, '{{}}'), coalesce(ov.pairs, '{{}}'), v.skus, v.min_price, v.max_price,
       p.featured, p.rating_avg, p.rating_count,
       {IN_STOCK_SQL.format(product="p.id", now="%(now)s")},
       p.created_at
FROM catalog_product p
JOIN LATERAL (
    SELECT min(cv.price) AS min_price, max(cv.price) AS max_price, array_agg(cv.sku) AS skus
    FROM catalog_variant cv WHERE cv.product_id = p.id AND cv.active
) v ON v.skus IS NOT NULL
LEFT JOIN path ON path.id = p.category_id
LEFT JOIN LATERAL (
    SELECT array_agg(po.name || ':' || val.value) AS pairs
    FROM catalog_variant ov_v
    JOIN catalog_variant_option_values vo ON vo.variant_id = ov_v.id
    JOIN catalog_optionvalue val ON val.id = vo.optionvalue_id
    JOIN catalog_productoption po ON po.id = val.option_id
    WHERE ov_v.product_id = p.id AND ov_v.active
) ov ON TRUE
WHERE p.id = ANY(%(ids)s) AND p.status = 'active'
ORDER BY p.id
"""


def list_document_rows(product_ids: list[int], *, now: datetime) -> list[DocumentRow]:
    """The document rows of the indexable products among ``product_ids``, by id."""
    with connection.cursor() as cursor:
        cursor.execute(_DOCUMENT_ROWS_SQL, {"ids": list(product_ids), "now": now})
        return [DocumentRow(*row) for row in cursor.fetchall()]


def search(query: SearchQuery, *, with_facets: bool = True) -> SearchResult:
    """One page of matches, the total and (``with_facets``) the facet counts."""
    text, corrected = correct_text(query.text) if query.text else ("", None)
    if with_facets:
        sql, params = _combined_sql(query, text)
        rows = _run(query, sql, params)
        return _read_combined(query, rows, corrected)
    sql, params = _results_sql(query, text)
    rows = _run(query, sql, params)
    if rows and query.text:
        total = rows[0][1]
    else:
        # Browsing: the page comes from an index in sort order, the count separately.
        count_sql, count_params = _count_sql(query, text)
        total = _run(query, count_sql, count_params)[0][0]
    return SearchResult(
        product_ids=[row[0] for row in rows],
        total=total,
        facets=Facets(),
        corrected_text=corrected,
    )


def _run(query: SearchQuery, sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        if not query.text:
            cursor.execute(sql, params)
            return cursor.fetchall()
        # The planner underestimates what evaluating @@ on every row costs and picks a
        # sequential scan for common words; the GIN bitmap is 5-10x faster there. SET LOCAL
        # and the query go in one round trip (Django's psycopg cursor binds client-side, so
        # several statements are allowed); outside a transaction the pair is one implicit
        # transaction, so the setting ends with the query.
        cursor.execute("SET LOCAL enable_seqscan = off; " + sql, params)
        cursor.nextset()
        return cursor.fetchall()


def _read_combined(query: SearchQuery, rows, corrected: str | None) -> SearchResult:
    page: list[tuple[int, int]] = []
    total = 0
    categories: dict[int, int] = {}
    bands: dict[str, int] = {}
    pairs: dict[str, int] = {}
    in_stock = 0
    for kind, key, count in rows:
        if kind == "r":
            page.append((count, int(key)))
        elif kind == "t":
            total = count
        elif kind == "c":
            categories[int(key)] = count
        elif kind == "b":
            bands[key] = count
        elif kind == "o":
            pairs[key] = count
        else:
            in_stock = count
    return SearchResult(
        product_ids=[product_id for _, product_id in sorted(page)],
        total=total,
        facets=assemble_facets(
            query, categories=categories, bands=bands, option_pairs=pairs, in_stock=in_stock
        ),
        corrected_text=corrected,
    )


# --- search statements --------------------------------------------------------------------------
def correct_text(text: str) -> tuple[str, str | None]:
    """Replace query words unknown to the catalog by their nearest known word.

    Returns the text to search and, if it differs, the same text to show the shopper.
    """
    words = text.split()
    parts = [_word_parts(word) for word in words]
    keys = [re.sub(r"[\W_]", "", core.lower()) for _, core, _ in parts]
    candidates = sorted({k for k in keys if 3 <= len(k) <= 60 and not k.isdigit() and k != "or"})
    if not candidates:
        return text, None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.tok, s.term, s.surface, similarity(s.term, t.tok)
            FROM unnest(%s::text[]) AS t(tok)
            LEFT JOIN LATERAL (
                SELECT term, surface FROM search_searchterm ORDER BY term <-> t.tok LIMIT 1
            ) s ON TRUE
            """,
            [candidates],
        )
        best = {
            tok: surface
            for tok, term, surface, similarity in cursor.fetchall()
            if term is not None
            and term != tok
            and similarity is not None
            and similarity >= CORRECTION_MIN_SIMILARITY
        }
    if not best:
        return text, None
    corrected_words = [
        f"{lead}{best[key]}{trail}" if key in best else word
        for word, (lead, _, trail), key in zip(words, parts, keys, strict=True)
    ]
    corrected = " ".join(corrected_words)
    return corrected, corrected


def _filters(query: SearchQuery, text: str) -> tuple[list[str], dict]:
    """Conditions every facet shares: text, category, price range."""
    conditions = ["TRUE"]
    params: dict = {"cfg": TS_CONFIG}
    if query.text:
        params["text"] = text
        params["sku"] = query.text.strip().upper()[:64]
        conditions.append("(d.document @@ tsq OR d.skus @> ARRAY[%(sku)s]::varchar[])")
    if query.category_id is not None:
        params["category"] = query.category_id
        conditions.append("d.category_ids @> ARRAY[%(category)s]::bigint[]")
    # Bounds in the shopper's currency, compared in the store's (what documents hold).
    if query.min_price is not None:
        params["min_price"] = query.to_base(query.min_price)
        conditions.append("d.min_price >= %(min_price)s")
    if query.max_price is not None:
        params["max_price"] = query.to_base(query.max_price)
        conditions.append("d.min_price <= %(max_price)s")
    return conditions, params


def _band_condition(query: SearchQuery, params: dict) -> str:
    parts = []
    selected = [query.band_bounds(key) for key in sorted(set(query.bands))]
    for i, (low, high) in enumerate(b for b in selected if b is not None):
        bounds = []
        if low is not None:
            params[f"band{i}_low"] = low
            bounds.append(f"d.min_price >= %(band{i}_low)s")
        if high is not None:
            params[f"band{i}_high"] = high
            bounds.append(f"d.min_price < %(band{i}_high)s")
        parts.append("(" + " AND ".join(bounds) + ")")
    return "(" + " OR ".join(parts) + ")" if parts else "TRUE"


def _option_conditions(query: SearchQuery, params: dict) -> list[tuple[str, str]]:
    conditions = []
    for i, (name, values) in enumerate(query.options):
        params[f"opt{i}"] = [f"{name}:{value}" for value in values]
        params[f"opt{i}_name"] = name
        conditions.append((name, f"d.option_values && %(opt{i})s::varchar[]"))
    return conditions


def _from(query: SearchQuery, params: dict) -> str:
    tables = "search_productdocument d"
    if query.product_ids is not None:
        # A collection's products: joined (hashed) with their positions, which the relevance
        # sort follows when browsing; `= ANY(array)` would cost a scan of the array per row.
        params["within"] = list(query.product_ids)
        tables += (
            " JOIN unnest(%(within)s::bigint[]) WITH ORDINALITY AS m(product_id, pos)"
            " ON m.product_id = d.product_id"
        )
    if query.text:
        tables += " CROSS JOIN websearch_to_tsquery(%(cfg)s::regconfig, %(text)s) AS tsq"
    return tables


def _browse_relevance(query: SearchQuery, *, source: str) -> tuple[str, list[str]]:
    """ORDER BY of the relevance sort without text, and the columns it needs from ``source``
    (``m`` in a statement over the tables, ``d`` over the materialized hits)."""
    if query.product_ids is not None:
        return f"{source}.pos, d.product_id", ["m.pos"]
    return _ORDER_BY_RELEVANCE_BROWSE, ["d.featured", "d.product_created_at"]


def _all_conditions(query: SearchQuery, text: str) -> tuple[str, dict]:
    conditions, params = _filters(query, text)
    conditions.append(_band_condition(query, params))
    conditions.extend(sql for _, sql in _option_conditions(query, params))
    if query.in_stock:
        conditions.append("d.in_stock")
    return " AND ".join(conditions), params


def _results_sql(query: SearchQuery, text: str) -> tuple[str, dict]:
    where, params = _all_conditions(query, text)
    params["limit"] = query.per_page
    params["offset"] = query.offset
    if not query.text:
        # Browsing: the page comes straight from an index in sort order (count separate).
        order_by = _ORDER_BY.get(query.sort) or _browse_relevance(query, source="m")[0]
        sql = (
            f"SELECT d.product_id, 0 AS total FROM {_from(query, params)} WHERE {where} "
            f"ORDER BY {order_by} LIMIT %(limit)s OFFSET %(offset)s"
        )
        return sql, params
    # Searching: every match is needed for the total anyway, so collect them from the GIN
    # index first. Left to itself the planner walks a sort index (newest, price, rating)
    # and tests @@ on every row of the store: 100 ms instead of a few.
    if query.sort in _ORDER_BY:
        order_by, columns = _ORDER_BY[query.sort], _SORT_COLUMNS[query.sort]
    else:
        order_by = "d.sku_hit DESC, d.rank DESC, d.product_id DESC"
        columns = [
            "ts_rank(d.document, tsq) AS rank",
            f"{_SKU_HIT_SQL} AS sku_hit",
        ]
    sql = f"""
        WITH hits AS MATERIALIZED (
            SELECT {", ".join(["d.product_id", "d.min_price", *columns])}
            FROM {_from(query, params)} WHERE {where}
        )
        SELECT d.product_id, count(*) OVER () AS total FROM hits d
        ORDER BY {order_by} LIMIT %(limit)s OFFSET %(offset)s
    """
    return sql, params


def _count_sql(query: SearchQuery, text: str) -> tuple[str, dict]:
    where, params = _all_conditions(query, text)
    return f"SELECT count(*) FROM {_from(query, params)} WHERE {where}", params


def _combined_sql(query: SearchQuery, text: str) -> tuple[str, dict]:
    """One statement, one scan of the matches: the page of ids, the total and the facets.

    The matches are materialized once with only the columns the facets and the chosen sort
    need (the rank only for relevance). Total, in-stock and price-band counts come from one
    aggregate pass (FILTER clauses). Categories and option values are counted per group
    first (products of one category share its path, most products share one of a few
    option combinations), and only those few groups are unnested, not the 20,000 elements
    of 8,000 matches' arrays. The groups are formed on numbers (category_key, option_key),
    a fraction of the cost of hashing the arrays, and each group's array is read from one
    of its products (a primary-key probe per group).
    A filter the query does not use is a literal TRUE, so it costs nothing per row. Arrays are
    unnested in the select list (ProjectSet), cheaper than a lateral function scan per row.
    """
    conditions, params = _filters(query, text)
    band_sql = _band_condition(query, params)
    options = _option_conditions(query, params)
    columns = ["d.product_id", "d.category_key", "d.option_key", "d.min_price", "d.in_stock"]
    band_ok = "TRUE"
    if band_sql != "TRUE":
        columns.append(f"{band_sql} AS band_ok")
        band_ok = "band_ok"
    stock_ok = "in_stock" if query.in_stock else "TRUE"
    columns += [f"({sql}) AS o{i}" for i, (_, sql) in enumerate(options)]

    def options_except(skip: int) -> str:
        return " AND ".join(f"o{i}" for i in range(len(options)) if i != skip) or "TRUE"

    def all_of(*parts: str) -> str:
        return " AND ".join(p for p in parts if p != "TRUE") or "TRUE"

    all_options = options_except(-1)
    all_ok = all_of(band_ok, stock_ok, all_options)
    if query.sort in _ORDER_BY:
        order_by = _ORDER_BY[query.sort]
        columns += _SORT_COLUMNS[query.sort]
    elif query.text:
        order_by = "d.sku_hit DESC, d.rank DESC, d.product_id DESC"
        columns += [
            "ts_rank(d.document, tsq) AS rank",
            f"{_SKU_HIT_SQL} AS sku_hit",
        ]
    else:
        order_by, relevance_columns = _browse_relevance(query, source="d")
        columns += relevance_columns
    # A value of option N is counted with every option filter but N's own.
    option_case = "TRUE"
    if options:
        option_case = "CASE split_part(ov, ':', 1) "
        option_case += "".join(
            f"WHEN %(opt{i}_name)s THEN {options_except(i)} " for i in range(len(options))
        )
        option_case += f"ELSE {all_options} END"
    option_flags = "".join(f", o{i}" for i in range(len(options)))
    # Bands are counted without the band filter, in stock without the stock filter.
    band_base = all_of(stock_ok, all_options)
    bands = query.price_bands()  # in the shopper's currency; counted on the store's prices
    base_bounds = [(query.to_base(low), query.to_base(high)) for low, high in bands]
    band_counts = "".join(
        f", count(*) FILTER (WHERE {all_of(band_base, _band_bounds_sql(low, high))}) AS b{i}"
        for i, (low, high) in enumerate(base_bounds)
    )
    band_rows = "".join(
        f", ('b', '{band_key(low, high)}', a.b{i})" for i, (low, high) in enumerate(bands)
    )
    params["limit"] = query.per_page
    params["offset"] = query.offset
    sql = f"""
        WITH hits AS MATERIALIZED (
            SELECT {", ".join(columns)}
            FROM {_from(query, params)}
            WHERE {" AND ".join(conditions)}
        )
        SELECT 'r', page.product_id::text, row_number() OVER () FROM (
            SELECT d.product_id FROM hits d WHERE {all_ok} ORDER BY {order_by}
            LIMIT %(limit)s OFFSET %(offset)s
        ) page
        UNION ALL
        SELECT v.* FROM (
            SELECT count(*) FILTER (WHERE {all_ok}) AS t,
                   count(*) FILTER (WHERE {all_of("in_stock", band_ok, all_options)}) AS s
                   {band_counts}
            FROM hits
        ) a CROSS JOIN LATERAL (VALUES ('t', '', a.t), ('s', 'in_stock', a.s){band_rows}) v
        UNION ALL
        SELECT 'c', cid::text, sum(n)::bigint FROM (
            SELECT unnest(r.category_ids) AS cid, n FROM (
                SELECT category_key, min(product_id) AS pid, count(*) AS n FROM hits
                WHERE {all_ok} GROUP BY category_key
            ) g JOIN search_productdocument r ON r.product_id = g.pid
        ) c GROUP BY cid
        UNION ALL
        SELECT 'o', ov, sum(n)::bigint FROM (
            SELECT unnest(r.option_values) AS ov{option_flags}, n FROM (
                SELECT option_key{option_flags}, min(product_id) AS pid, count(*) AS n
                FROM hits WHERE {all_of(band_ok, stock_ok)} GROUP BY option_key{option_flags}
            ) g JOIN search_productdocument r ON r.product_id = g.pid
        ) o WHERE {option_case} GROUP BY ov
    """
    return sql, params


def _band_bounds_sql(low, high) -> str:
    # Literal bounds: Decimals from our own PRICE_BANDS constant and a market's rate (numbers,
    # never user input).
    bounds = []
    if low is not None:
        bounds.append(f"min_price >= {low}")
    if high is not None:
        bounds.append(f"min_price < {high}")
    return " AND ".join(bounds) or "TRUE"
