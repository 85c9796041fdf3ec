from decimal import Decimal

from django.http import QueryDict

from apps.search.query import SearchQuery, assemble_facets
from apps.storefront import browse


def test_option_values_are_listed_in_size_then_numeric_then_alphabetical_order():
    facets = assemble_facets(
        SearchQuery(),
        categories={},
        bands={},
        option_pairs={"Size:XL": 9, "Size:S": 1, "Size:M": 5, "Shoe:44": 2, "Shoe:9": 3},
        in_stock=0,
    )

    assert [v.key for v in facets.options["Size"]] == ["S", "M", "XL"]
    assert [v.key for v in facets.options["Shoe"]] == ["9", "44"]


def test_query_string_parsing_keeps_what_it_understands_and_drops_the_rest():
    params = QueryDict(
        "q=++red++mug++&min=5&max=abc&band=25-50&band=zzz&option=Size:M&option=bad"
        "&option=Size:M&in_stock=1&sort=price_desc&page=3"
    )

    query = browse.parse_query(params)

    assert query == SearchQuery(
        text="red mug",
        min_price=Decimal("5.00"),
        bands=("25-50",),
        options=(("Size", ("M",)),),
        in_stock=True,
        sort="price_desc",
        page=3,
    )


def test_links_round_trip_through_the_query_string():
    query = SearchQuery(text="mug", options=(("Color", ("Red", "Blue")),), in_stock=True, page=2)

    again = browse.parse_query(QueryDict(browse.to_querystring(query)[1:]))

    assert again == query
