"""The Elasticsearch backend without a server: mapping, query bodies, response parsing.

Live tests at the bottom run only when ELASTICSEARCH_URL is set (marker ``elasticsearch``).
"""

import os
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.search import sql
from apps.search.backends.elasticsearch import (
    ElasticsearchBackend,
    build_search_body,
    index_body,
    index_name,
    parse_response,
    prepare_document,
)
from apps.search.query import SearchQuery
from tests.search.test_postgres_search import make_product


def test_each_store_gets_its_own_index_named_after_its_schema(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "mercato"

    assert index_name("demo") == "mercato-demo-products"
    assert index_name("paper-goods") == "mercato-paper-goods-products"


def test_mapping_types_every_field_and_defines_the_analysis_it_uses():
    body = index_body()

    properties = body["mappings"]["properties"]
    analysis = body["settings"]["analysis"]
    assert properties["name"]["analyzer"] == "mercato_product_text"
    assert properties["name"]["fields"]["raw"]["type"] == "keyword"
    assert properties["skus"] == {"type": "keyword", "normalizer": "mercato_sku"}
    assert properties["option_values"]["type"] == "keyword"
    assert properties["category_ids"]["type"] == "long"
    assert properties["min_price"] == {"type": "scaled_float", "scaling_factor": 100}
    assert properties["in_stock"]["type"] == "boolean"
    assert "mercato_product_text" in analysis["analyzer"]
    assert analysis["filter"]["mercato_joined_words"]["catenate_words"] is True
    assert analysis["normalizer"]["mercato_sku"]["filter"] == ["lowercase"]


def test_text_query_is_fuzzy_weighted_and_matches_exact_skus():
    body = build_search_body(SearchQuery(text="tshrit"))

    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    multi_match = should[0]["multi_match"]
    assert multi_match["fuzziness"] == "AUTO"
    assert multi_match["fields"][0] == "name^4"
    assert multi_match["fields"][-1] == "description"
    assert should[1] == {"term": {"skus": {"value": "tshrit", "boost": 100}}}
    assert body["sort"] == ["_score", {"_id": "desc"}]


def test_browsing_without_text_matches_all_in_the_category_newest_featured_first():
    body = build_search_body(SearchQuery(category_id=7))

    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert {"term": {"category_ids": 7}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"featured": "desc"}


def test_facet_filters_go_to_post_filter_and_each_facet_ignores_its_own_filter():
    query = SearchQuery(
        text="tee",
        min_price=Decimal("10"),
        bands=("25-50",),
        options=(("Color", ("Black",)), ("Size", ("M", "L"))),
        in_stock=True,
        sort="price_asc",
        page=3,
    )

    body = build_search_body(query)

    size = {"terms": {"option_values": ["Size:M", "Size:L"]}}
    color = {"terms": {"option_values": ["Color:Black"]}}
    stock = {"term": {"in_stock": True}}
    band = {"bool": {"should": [{"range": {"min_price": {"gte": 25.0, "lt": 50.0}}}],
                     "minimum_should_match": 1}}  # fmt: skip
    assert {"range": {"min_price": {"gte": 10.0}}} in body["query"]["bool"]["filter"]
    assert body["post_filter"]["bool"]["filter"] == [band, stock, color, size]
    aggs = body["aggs"]
    assert aggs["bands"]["filter"]["bool"]["filter"] == [stock, color, size]
    assert aggs["option_0"]["filter"]["bool"]["filter"] == [band, stock, size]
    assert aggs["option_0"]["aggs"]["values"]["terms"]["include"] == "Color:.*"
    assert aggs["option_1"]["filter"]["bool"]["filter"] == [band, stock, color]
    assert aggs["in_stock"]["filter"]["bool"]["filter"][0]["bool"]["filter"] == [
        band,
        color,
        size,
    ]
    assert body["sort"] == [{"min_price": "asc"}, {"_id": "asc"}]
    assert (body["from"], body["size"]) == (48, 24)


def test_response_becomes_ordered_ids_total_and_disjunctive_facets():
    query = SearchQuery(text="tee", options=(("Size", ("M",)),))
    response = {
        "hits": {"total": {"value": 2, "relation": "eq"}, "hits": [{"_id": "9"}, {"_id": "4"}]},
        "aggregations": {
            "categories": {"doc_count": 2, "ids": {"buckets": [{"key": 3, "doc_count": 2}]}},
            "bands": {
                "doc_count": 5,
                "ranges": {"buckets": {"-25": {"doc_count": 4}, "25-50": {"doc_count": 1}}},
            },  # fmt: skip
            "options": {
                "doc_count": 2,
                "values": {
                    "buckets": [
                        {"key": "Size:M", "doc_count": 2},
                        {"key": "Color:Red", "doc_count": 1},
                    ]
                },  # fmt: skip
            },
            "option_0": {
                "doc_count": 5,
                "values": {
                    "buckets": [
                        {"key": "Size:M", "doc_count": 2},
                        {"key": "Size:S", "doc_count": 3},
                    ]
                },  # fmt: skip
            },
            "in_stock": {"doc_count": 1},
        },
    }

    result = parse_response(query, response)

    assert result.product_ids == [9, 4]
    assert result.total == 2
    assert result.facets.categories == {3: 2}
    assert {b.key: b.count for b in result.facets.price_bands} == {"-25": 4, "25-50": 1}
    assert {v.key: (v.count, v.selected) for v in result.facets.options["Size"]} == {
        "S": (3, False),
        "M": (2, True),
    }
    assert {v.key: v.count for v in result.facets.options["Color"]} == {"Red": 1}
    assert result.facets.in_stock == 1


@pytest.mark.django_db
def test_document_source_holds_what_the_query_body_searches():
    product = make_product("Harbor Tee", price="12.50", options={"Size": ["S", "M"]})
    (row,) = sql.list_document_rows([product.id], now=timezone.now())

    source = prepare_document(row)

    assert source["name"] == "Harbor Tee"
    assert source["option_values"] == ["Size:M", "Size:S"]
    assert source["skus"] == ["HARBORTEE-M", "HARBORTEE-S"]
    assert source["min_price"] == 12.5
    assert set(source) >= set(index_body()["mappings"]["properties"])


live = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL (a live server)"
)


@live
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_live_elasticsearch_indexes_and_finds_with_typos():
    backend = ElasticsearchBackend(os.environ["ELASTICSEARCH_URL"])
    make_product("Organic T-shirt")
    make_product("Ceramic Mug")
    backend.reindex_all()

    result = backend.search(SearchQuery(text="tshrit"))

    assert result.total == 1
    backend.client.indices.delete(index=index_name(connection.schema_name))


class FakeIndices:
    """Stands in for the Elasticsearch server this machine cannot run (indices API only)."""

    def __init__(self):
        self.created = {}

    def exists(self, index):
        return index in self.created

    def create(self, index, settings, mappings):
        self.created[index] = {"settings": settings, "mappings": mappings}


class FakeClient:
    def __init__(self):
        self.indices = FakeIndices()


@pytest.mark.django_db
def test_indexing_sends_documents_to_the_stores_index_and_deletes_hidden_ones(monkeypatch):
    import elasticsearch.helpers

    sent = []
    monkeypatch.setattr(
        elasticsearch.helpers, "bulk", lambda client, actions, **kw: sent.extend(actions)
    )
    backend = ElasticsearchBackend("http://127.0.0.1:9")
    backend._client = FakeClient()
    shown = make_product("Shown Lamp", price="10.00")
    hidden = make_product("Hidden Lamp", status="draft")

    backend.index_products([shown.id, hidden.id])

    name = index_name(connection.schema_name)
    assert name in backend.client.indices.created
    assert [(a["_op_type"], a["_id"]) for a in sent] == [("index", shown.id), ("delete", hidden.id)]
    assert all(a["_index"] == name for a in sent)
    assert sent[0]["_source"]["name"] == "Shown Lamp"


@pytest.mark.django_db
def test_document_rows_carry_the_category_path_and_free_units_as_in_stock():
    from apps.inventory import services as inventory_services
    from tests.factories.catalog import CategoryFactory
    from tests.factories.inventory import WarehouseFactory, expire_reservations, stock

    root = CategoryFactory(name="Home")
    lamps = CategoryFactory(name="Lamps", parent=root)
    held = make_product("Held Lamp", category=lamps, options={"Size": ["S"]})
    freed = make_product("Freed Lamp", category=lamps, options={"Size": ["S"]})
    warehouse = WarehouseFactory()
    stock(held.variants.get(), warehouse, 1)
    stock(freed.variants.get(), warehouse, 1)
    inventory_services.reserve(reference="checkout:held", lines=[(held.variants.get().id, 1)])
    inventory_services.reserve(reference="checkout:gone", lines=[(freed.variants.get().id, 1)])
    expire_reservations("checkout:gone")

    rows = {row.id: row for row in sql.list_document_rows([held.id, freed.id], now=timezone.now())}
    sources = {pk: prepare_document(row) for pk, row in rows.items()}

    assert sources[held.id]["category_ids"] == [root.id, lamps.id]
    assert sources[held.id]["category_names"] == "Home Lamps"
    assert sources[held.id]["in_stock"] is False  # its only unit is held
    assert sources[freed.id]["in_stock"] is True  # the hold on it expired: free again


def test_a_collections_products_are_a_filter_of_the_query_not_of_the_facets():
    body = build_search_body(SearchQuery(text="tee", product_ids=(3, 1, 2)))

    assert {"ids": {"values": ["3", "1", "2"]}} in body["query"]["bool"]["filter"]
    assert "ids" not in str(body["post_filter"])
