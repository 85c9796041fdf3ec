"""Elasticsearch backend (django-elasticsearch-dsl), used when ELASTICSEARCH_URL is set.

- One index per store, named after its schema: ``<prefix>-<schema>-products``.
- The mapping comes from ``ProductDocument`` (a django-elasticsearch-dsl Document). Its
  automatic signal sync is not used (our conventions: no signals for domain flow, and the index
  name depends on the store): catalog services call ``apps.search.services``, which queues
  ``index_products_task`` after commit; the task runs in the store's schema
  (tenant-schemas-celery), so ``connection.schema_name`` names the index.
- Queries: ``multi_match`` over name^4, category/brand/SKU^2, options, description with
  ``fuzziness: AUTO`` (typos) on an analyzer that also emits joined words ("t-shirt" →
  "tshirt"); an exact SKU ranks first; filters in ``filter``/``post_filter`` and disjunctive
  facet aggregations, mirroring the PostgreSQL backend.

``build_search_body`` and ``parse_response`` are pure functions, unit-tested without a server.
Documents are built from rows of the catalog and inventory tables that ``apps.search.sql``
reads by name (``list_document_rows``): search sits below catalog and inventory and imports
neither. The mapping is a plain ``elasticsearch.dsl`` Document, bound to no Django model (the
model binding of django-elasticsearch-dsl only served its signal sync, which we never used).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.utils import timezone
from elasticsearch.dsl import Document, analyzer, field, normalizer, token_filter

from apps.search import sql
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

BULK_CHUNK = 1000

joined_words = token_filter(
    "mercato_joined_words",
    type="word_delimiter_graph",
    preserve_original=True,
    catenate_words=True,
    catenate_numbers=True,
)
english_stem = token_filter("mercato_english_stem", type="stemmer", language="english")
product_text = analyzer(
    "mercato_product_text",
    tokenizer="whitespace",
    filter=[joined_words, "lowercase", "asciifolding", english_stem],
)
sku_normalizer = normalizer("mercato_sku", filter=["lowercase"])


class ProductDocument(Document):
    name = field.Text(analyzer=product_text, fields={"raw": field.Keyword()})
    description = field.Text(analyzer=product_text)
    brand = field.Text(analyzer=product_text, fields={"raw": field.Keyword()})
    category_names = field.Text(analyzer=product_text)
    category_ids = field.Long()
    option_values = field.Keyword()  # "Size:M"
    option_text = field.Text(analyzer=product_text)
    skus = field.Keyword(normalizer=sku_normalizer)
    min_price = field.ScaledFloat(scaling_factor=100)
    max_price = field.ScaledFloat(scaling_factor=100)
    featured = field.Boolean()
    rating_avg = field.Float()
    rating_count = field.Integer()
    in_stock = field.Boolean()
    created_at = field.Date()

    class Index:
        name = "mercato-products-template"  # the real name is per store: index_name()
        settings = {"number_of_shards": 1, "number_of_replicas": 0}


def index_name(schema_name: str | None = None) -> str:
    schema = schema_name or connection.schema_name
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{schema}-products".lower()


def index_body() -> dict:
    """Settings and mappings of a store's index (what ``indices.create`` receives)."""
    return ProductDocument._index.clone(name="unused").to_dict()


def prepare_document(row: sql.DocumentRow) -> dict:
    """The JSON source of one product from its ``sql.list_document_rows`` row."""
    pairs = sorted(set(row.option_pairs))
    return {
        "name": row.name,
        "description": row.description[:4000],
        "brand": row.brand,
        "category_names": " ".join(row.category_names),
        "category_ids": list(row.category_ids),
        "option_values": pairs,
        "option_text": " ".join(sorted({p.partition(":")[2] for p in pairs})),
        "skus": sorted(sku.upper() for sku in row.skus),
        "min_price": float(row.min_price),
        "max_price": float(row.max_price),
        "featured": row.featured,
        "rating_avg": float(row.rating_avg),
        "rating_count": row.rating_count,
        "in_stock": row.in_stock,
        "created_at": row.created_at.isoformat(),
    }


# --- query bodies ----------------------------------------------------------------------------
def _band_filter(query: SearchQuery) -> dict | None:
    ranges = []
    selected = [query.band_bounds(key) for key in sorted(set(query.bands))]
    for low, high in (b for b in selected if b is not None):
        bounds = {}
        if low is not None:
            bounds["gte"] = float(low)
        if high is not None:
            bounds["lt"] = float(high)
        ranges.append({"range": {"min_price": bounds}})
    return {"bool": {"should": ranges, "minimum_should_match": 1}} if ranges else None


def _option_filters(query: SearchQuery) -> list[tuple[str, dict]]:
    return [
        (name, {"terms": {"option_values": [f"{name}:{v}" for v in values]}})
        for name, values in query.options
    ]


def build_search_body(query: SearchQuery) -> dict:
    """The ``_search`` request body for a query: hits, total and disjunctive facet aggs."""
    must: list[dict] = []
    should: list[dict] = []
    filters: list[dict] = []
    if query.text:
        must.append(
            {
                "bool": {
                    "should": [
                        {
                            "multi_match": {
                                "query": query.text,
                                "fields": [
                                    "name^4",
                                    "category_names^2",
                                    "brand^2",
                                    "option_text^1.5",
                                    "description",
                                ],
                                "type": "best_fields",
                                "operator": "and",
                                "fuzziness": "AUTO",
                                "prefix_length": 1,
                            }
                        },
                        {"term": {"skus": {"value": query.text.strip(), "boost": 100}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
        should.append({"match_phrase": {"name": {"query": query.text, "boost": 2}}})
    if query.category_id is not None:
        filters.append({"term": {"category_ids": query.category_id}})
    if query.product_ids is not None:
        # A collection's products (document ids are product ids). Its hand-made order is not
        # followed here: browsing sorts as everywhere else (featured, then newest).
        filters.append({"ids": {"values": [str(i) for i in query.product_ids]}})
    price = {}
    # Bounds in the shopper's currency; documents hold the store's prices.
    if query.min_price is not None:
        price["gte"] = float(query.to_base(query.min_price))
    if query.max_price is not None:
        price["lte"] = float(query.to_base(query.max_price))
    if price:
        filters.append({"range": {"min_price": price}})

    band = _band_filter(query)
    options = _option_filters(query)
    stock = {"term": {"in_stock": True}} if query.in_stock else None
    facet_filters = {"band": band, "stock": stock, **{f"option:{n}": f for n, f in options}}

    def all_but(skip: str | None) -> dict:
        kept = [f for key, f in facet_filters.items() if f is not None and key != skip]
        return {"bool": {"filter": kept}}

    aggs: dict = {
        "categories": {
            "filter": all_but(None),
            "aggs": {"ids": {"terms": {"field": "category_ids", "size": 500}}},
        },
        "bands": {
            "filter": all_but("band"),
            "aggs": {
                "ranges": {
                    "range": {
                        "field": "min_price",
                        "keyed": True,
                        "ranges": [
                            {
                                "key": band_key(low, high),
                                **({"from": float(query.to_base(low))} if low is not None else {}),
                                **({"to": float(query.to_base(high))} if high is not None else {}),
                            }
                            for low, high in query.price_bands()
                        ],
                    }
                }
            },
        },
        "options": {
            "filter": all_but(None),
            "aggs": {"values": {"terms": {"field": "option_values", "size": 1000}}},
        },
        "in_stock": {
            "filter": {"bool": {"filter": [all_but("stock"), {"term": {"in_stock": True}}]}}
        },
    }
    for i, (name, _) in enumerate(options):
        # Values of a selected option are counted without that option's own filter.
        aggs[f"option_{i}"] = {
            "filter": all_but(f"option:{name}"),
            "aggs": {
                "values": {
                    "terms": {
                        "field": "option_values",
                        "size": 1000,
                        "include": _escape_regex(name) + ":.*",
                    }
                }
            },
        }
    post_filter = all_but(None)
    body = {
        "query": {
            "bool": {
                "must": must or [{"match_all": {}}],
                "should": should,
                "filter": filters,
            }
        },
        "post_filter": post_filter,
        "aggs": aggs,
        "sort": _sort(query),
        "from": query.offset,
        "size": query.per_page,
        "track_total_hits": True,
        "_source": False,
    }
    return body


def _escape_regex(text: str) -> str:
    return "".join("\\" + ch if ch in r".?+*|{}[]()\"\\#@&<>~" else ch for ch in text)


def _sort(query: SearchQuery) -> list:
    tiebreak = {"_id": "desc"}
    if query.sort == SORT_NEWEST:
        return [{"created_at": "desc"}, tiebreak]
    if query.sort == SORT_PRICE_ASC:
        return [{"min_price": "asc"}, {"_id": "asc"}]
    if query.sort == SORT_PRICE_DESC:
        return [{"min_price": "desc"}, tiebreak]
    if query.sort == SORT_RATING:
        return [{"rating_avg": "desc"}, {"rating_count": "desc"}, tiebreak]
    if query.text:
        return ["_score", tiebreak]
    return [{"featured": "desc"}, {"created_at": "desc"}, tiebreak]


def parse_response(query: SearchQuery, response: dict) -> SearchResult:
    """Turn a ``_search`` response into the backend-neutral result."""
    hits = response["hits"]
    aggs = response.get("aggregations", {})
    pairs: dict[str, int] = {
        b["key"]: b["doc_count"]
        for b in aggs.get("options", {}).get("values", {}).get("buckets", [])
    }
    for i, (name, _) in enumerate(query.options):
        # Selected options: replace their counts by the disjunctive ones.
        pairs = {k: v for k, v in pairs.items() if not k.startswith(f"{name}:")}
        for b in aggs.get(f"option_{i}", {}).get("values", {}).get("buckets", []):
            pairs[b["key"]] = b["doc_count"]
    band_buckets = aggs.get("bands", {}).get("ranges", {}).get("buckets", {})
    facets = assemble_facets(
        query,
        categories={
            int(b["key"]): b["doc_count"]
            for b in aggs.get("categories", {}).get("ids", {}).get("buckets", [])
        },
        bands={key: b["doc_count"] for key, b in band_buckets.items()},
        option_pairs=pairs,
        in_stock=aggs.get("in_stock", {}).get("doc_count", 0),
    )
    total = hits["total"]["value"] if isinstance(hits["total"], dict) else hits["total"]
    return SearchResult(
        product_ids=[int(hit["_id"]) for hit in hits["hits"]],
        total=total,
        facets=facets,
    )


class ElasticsearchBackend:
    name = "elasticsearch"
    # Index writes go over the network: never inside a database transaction (conventions);
    # services queue a Celery task after commit instead.
    indexes_in_transaction = False

    def __init__(self, url: str):
        self.url = url
        self._client = None

    @property
    def client(self):
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(self.url, request_timeout=10)
        return self._client

    def ensure_index(self) -> str:
        name = index_name()
        if not self.client.indices.exists(index=name):
            body = index_body()
            self.client.indices.create(
                index=name, settings=body.get("settings"), mappings=body.get("mappings")
            )
        return name

    def search(self, query: SearchQuery, *, with_facets: bool = True) -> SearchResult:
        body = build_search_body(query)
        if not with_facets:
            body.pop("aggs")
        response = self.client.search(index=index_name(), body=body)
        result = parse_response(query, dict(response))
        if not with_facets:
            result.facets = Facets()
        return result

    def index_products(self, product_ids: Iterable[int]) -> None:
        from elasticsearch.helpers import bulk

        ids = sorted(set(product_ids))
        name = self.ensure_index()
        rows = sql.list_document_rows(ids, now=timezone.now())
        actions = [
            {
                "_op_type": "index",
                "_index": name,
                "_id": row.id,
                "_source": prepare_document(row),
            }
            for row in rows
        ]
        indexed = {row.id for row in rows}
        actions += [
            {"_op_type": "delete", "_index": name, "_id": i} for i in ids if i not in indexed
        ]
        bulk(self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False)

    def remove_products(self, product_ids: Iterable[int]) -> None:
        from elasticsearch.helpers import bulk

        actions = [
            {"_op_type": "delete", "_index": index_name(), "_id": i} for i in set(product_ids)
        ]
        bulk(self.client, actions, raise_on_error=False)

    def refresh_stock(self, product_ids: Iterable[int] | None = None) -> int:
        ids = list(product_ids) if product_ids is not None else sql.list_active_product_ids()
        self.index_products(ids)
        return len(ids)

    def reindex_all(self) -> int:
        name = index_name()
        self.client.indices.delete(index=name, ignore_unavailable=True)
        self.ensure_index()
        ids = sql.list_active_product_ids()
        for start in range(0, len(ids), BULK_CHUNK):
            self.index_products(ids[start : start + BULK_CHUNK])
        self.client.indices.refresh(index=name)
        return len(ids)
