from decimal import Decimal

import pytest
from django.db import connection

from apps.catalog import services as catalog_services
from apps.catalog.models import Product
from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel
from apps.search import selectors as search_selectors
from apps.search import services as search_services
from apps.search.backends.postgres import PostgresSearchBackend
from apps.search.models import ProductDocument
from apps.search.query import SearchQuery
from apps.tenants import services as tenant_services
from tests.conftest import TEST_PASSWORD
from tests.factories.catalog import CategoryFactory
from tests.factories.inventory import WarehouseFactory


def make_product(name, *, category=None, price="20.00", options=None, **kwargs) -> Product:
    return catalog_services.create_product_with_variants(
        name=name,
        category=category,
        price=Decimal(price),
        sku_prefix=kwargs.pop("sku_prefix", name.upper().replace(" ", "")[:12]),
        options=options,
        **kwargs,
    )


def search(**kwargs):
    return search_selectors.search_products(query=SearchQuery(**kwargs))


def names(result) -> list[str]:
    by_id = dict(Product.objects.filter(id__in=result.product_ids).values_list("id", "name"))
    return [by_id[i] for i in result.product_ids]


@pytest.mark.django_db
def test_search_ranks_name_matches_above_description_matches():
    make_product("Walnut Desk", description="A sturdy desk for any lantern lover.")
    make_product("Copper Lantern", description="Lights up the evening.")

    result = search(text="lantern")

    assert names(result) == ["Copper Lantern", "Walnut Desk"]


@pytest.mark.django_db
def test_search_finds_t_shirt_when_the_shopper_types_tshrit():
    make_product("Organic T-shirt", description="Soft cotton.")
    make_product("Ceramic Mug", description="Holds coffee.")

    result = search(text="tshrit")

    assert names(result) == ["Organic T-shirt"]
    assert result.corrected_text == "t-shirt"


@pytest.mark.django_db
def test_search_corrects_a_typo_in_one_word_of_a_phrase():
    make_product("Alpine Hoodie")
    make_product("Alpine Mug")

    result = search(text="alpine hoodei")

    assert names(result) == ["Alpine Hoodie"]


@pytest.mark.django_db
def test_search_leaves_known_words_alone():
    make_product("Alpine Hoodie")

    result = search(text="hoodie")

    assert result.corrected_text is None
    assert result.total == 1


@pytest.mark.django_db
def test_exact_sku_match_comes_first_whatever_the_case():
    make_product("Plain Notebook", sku_prefix="NB-100", description="Pairs with the ZX-9 pen.")
    make_product("ZX Pen", sku_prefix="ZX-9")

    result = search(text="nb-100")

    assert names(result)[0] == "Plain Notebook"


@pytest.mark.django_db
def test_draft_and_archived_products_never_appear():
    make_product("Visible Lamp")
    make_product("Draft Lamp", status=Product.Status.DRAFT)
    archived = make_product("Old Lamp")
    catalog_services.set_products_status(product_ids=[archived.id], status="archived")

    result = search(text="lamp")

    assert names(result) == ["Visible Lamp"]
    assert result.total == 1


@pytest.mark.django_db
def test_publishing_a_draft_makes_it_searchable():
    draft = make_product("Draft Lamp", status=Product.Status.DRAFT)

    catalog_services.set_products_status(product_ids=[draft.id], status="active")

    assert names(search(text="lamp")) == ["Draft Lamp"]


@pytest.mark.django_db
def test_facets_count_categories_price_bands_options_and_stock():
    apparel = CategoryFactory(name="Apparel")
    tees = CategoryFactory(name="Tees", parent=apparel)
    mugs = CategoryFactory(name="Mugs")
    tee = make_product("Sun Tee", category=tees, price="18.00", options={"Size": ["S", "M"]})
    make_product("Moon Tee", category=tees, price="30.00", options={"Size": ["M", "L"]})
    make_product("Sun Mug", category=mugs, price="12.00", options={"Color": ["Black"]})
    warehouse = WarehouseFactory()
    inventory_services.receive_stock(
        variant_id=tee.variants.first().id, warehouse_id=warehouse.id, quantity=4
    )
    search_services.refresh_stock_flags()

    facets = search(text="sun tee moon mug OR sun OR tee").facets

    assert facets.categories == {apparel.id: 2, tees.id: 2, mugs.id: 1}
    assert {b.key: b.count for b in facets.price_bands} == {"-25": 2, "25-50": 1}
    assert {v.key: v.count for v in facets.options["Size"]} == {"M": 2, "S": 1, "L": 1}
    assert {v.key: v.count for v in facets.options["Color"]} == {"Black": 1}
    assert facets.in_stock == 1


@pytest.mark.django_db
def test_facets_count_every_product_of_a_shared_category_and_option_combination():
    # Facets group matches by category_key and option_key and read each group's arrays from one
    # of its products: the counts must still cover every product of the group.
    home = CategoryFactory(name="Home")
    lamps = CategoryFactory(name="Lamps", parent=home)
    for i in range(3):
        make_product(f"Desk Lamp {i}", category=lamps, options={"Color": ["Black", "White"]})
    make_product("Floor Lamp", category=lamps, options={"Color": ["White"]})
    make_product("Loose Lamp")

    facets = search(text="lamp").facets

    assert facets.categories == {home.id: 4, lamps.id: 4}
    assert {v.key: v.count for v in facets.options["Color"]} == {"Black": 3, "White": 4}


@pytest.mark.django_db
def test_documents_key_their_own_category_and_option_combination():
    rugs = CategoryFactory(name="Rugs", parent=CategoryFactory(name="Decor"))
    first = make_product("Wool Rug", category=rugs, options={"Size": ["S", "M"]})
    same = make_product("Jute Rug", category=rugs, options={"Size": ["M", "S"]})
    other = make_product("Cork Rug", options={"Size": ["S"]})

    documents = {d.product_id: d for d in ProductDocument.objects.all()}

    assert documents[first.id].category_key == rugs.id == documents[first.id].category_ids[-1]
    assert documents[other.id].category_key is None
    assert documents[first.id].option_values == documents[same.id].option_values
    assert documents[first.id].option_key == documents[same.id].option_key
    assert documents[first.id].option_key != documents[other.id].option_key


@pytest.mark.django_db
def test_filters_combine_category_price_option_and_stock():
    shoes = CategoryFactory(name="Shoes")
    hats = CategoryFactory(name="Hats")
    wanted = make_product("Trail Runner", category=shoes, price="80.00", options={"Size": ["42"]})
    make_product("Road Runner", category=shoes, price="80.00", options={"Size": ["44"]})
    make_product("Cheap Runner", category=shoes, price="20.00", options={"Size": ["42"]})
    make_product("Runner Cap", category=hats, price="80.00", options={"Size": ["42"]})
    out_of_stock = make_product(
        "Night Runner", category=shoes, price="80.00", options={"Size": ["42"]}
    )
    warehouse = WarehouseFactory()
    for product in (wanted, out_of_stock):
        inventory_services.receive_stock(
            variant_id=product.variants.first().id, warehouse_id=warehouse.id, quantity=2
        )
    inventory_services.receive_stock(
        variant_id=out_of_stock.variants.first().id, warehouse_id=warehouse.id, quantity=1
    )
    StockLevel.objects.filter(variant__product=out_of_stock).update(reserved=3)
    search_services.refresh_stock_flags()

    result = search(
        text="runner",
        category_id=shoes.id,
        min_price=Decimal("50"),
        max_price=Decimal("100"),
        options=(("Size", ("42",)),),
        in_stock=True,
    )

    assert names(result) == ["Trail Runner"]


@pytest.mark.django_db
def test_option_facet_counts_ignore_their_own_selection():
    for size in ("S", "M", "L"):
        make_product(f"Tee {size}", options={"Size": [size]}, sku_prefix=f"TEE{size}")

    result = search(text="tee", options=(("Size", ("M",)),))

    assert result.total == 1
    assert {v.key: (v.count, v.selected) for v in result.facets.options["Size"]} == {
        "M": (1, True),
        "S": (1, False),
        "L": (1, False),
    }


@pytest.mark.django_db
def test_price_bands_filter_and_are_counted_without_their_own_filter():
    make_product("Low Vase", price="10.00")
    make_product("Mid Vase", price="60.00")

    result = search(text="vase", bands=("50-100",))

    assert names(result) == ["Mid Vase"]
    assert {b.key: b.count for b in result.facets.price_bands} == {"-25": 1, "50-100": 1}


@pytest.mark.django_db
def test_sorts_by_price_newest_and_rating():
    cheap = make_product("Cheap Bowl", price="5.00")
    dear = make_product("Dear Bowl", price="50.00")
    Product.objects.filter(id=dear.id).update(rating_avg=Decimal("4.5"), rating_count=3)
    catalog_services.product_changed(product_id=dear.id)

    assert names(search(text="bowl", sort="price_asc")) == ["Cheap Bowl", "Dear Bowl"]
    assert names(search(text="bowl", sort="price_desc")) == ["Dear Bowl", "Cheap Bowl"]
    assert names(search(text="bowl", sort="newest")) == ["Dear Bowl", "Cheap Bowl"]
    assert names(search(text="bowl", sort="rating"))[0] == "Dear Bowl"
    assert cheap.id in search(text="bowl").product_ids


@pytest.mark.django_db
def test_pages_split_results_and_total_counts_all():
    for i in range(5):
        make_product(f"Paged Candle {i}", sku_prefix=f"CANDLE{i}")

    first = search(text="candle", per_page=2, page=1)
    last = search(text="candle", per_page=2, page=3)

    assert first.total == 5 and len(first.product_ids) == 2
    assert len(last.product_ids) == 1
    assert not set(first.product_ids) & set(last.product_ids)


@pytest.mark.django_db
def test_category_listing_includes_subcategories_without_text():
    home = CategoryFactory(name="Home")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    make_product("Skillet", category=kitchen)
    make_product("Tent")

    result = search(category_id=home.id)

    assert names(result) == ["Skillet"]


@pytest.mark.django_db
def test_renaming_a_category_makes_its_products_findable_by_the_new_name():
    category = CategoryFactory(name="Misc")
    make_product("Blue Thing", category=category)

    category.name = "Glassware"
    catalog_services.save_category(category=category, changed_fields=["name"])

    assert names(search(text="glassware")) == ["Blue Thing"]


@pytest.mark.django_db
def test_stock_change_refreshes_in_stock_after_commit(django_capture_on_commit_callbacks):
    product = make_product("Restocked Kettle")
    variant = product.variants.get()
    warehouse = WarehouseFactory()
    inventory_services.receive_stock(variant_id=variant.id, warehouse_id=warehouse.id, quantity=5)
    assert search(text="kettle", in_stock=True).total == 0

    with django_capture_on_commit_callbacks(execute=True):
        search_services.mark_stock_changed(variant_ids=[variant.id])

    assert search(text="kettle", in_stock=True).total == 1


@pytest.mark.django_db
def test_facet_counts_are_refreshed_when_the_catalog_changes():
    make_product("Cached Kite")
    assert search(text="kite").facets.in_stock == 0
    warehouse = WarehouseFactory()
    product = Product.objects.get(name="Cached Kite")
    inventory_services.receive_stock(
        variant_id=product.variants.get().id, warehouse_id=warehouse.id, quantity=1
    )

    search_services.refresh_stock_flags()

    assert search(text="kite").facets.in_stock == 1


@pytest.mark.django_db
def test_store_search_never_returns_another_stores_products(store, other_store):
    make_product("Our Lamp")
    connection.set_tenant(other_store)
    make_product("Their Lamp")
    theirs = names(search(text="lamp"))
    connection.set_tenant(store)

    result = search(text="lamp")

    assert names(result) == ["Our Lamp"]
    assert theirs == ["Their Lamp"]


def test_a_store_opened_after_the_migrations_searches_with_typos(committed_store):
    """The template schema clone carries the search tables, GIN and trigram indexes."""
    make_product("Organic T-shirt")
    make_product("Walnut Desk", description="Goes well with a t-shirt.")

    result = search(text="tshrit")

    assert names(result) == ["Organic T-shirt", "Walnut Desk"]


def test_a_cloned_store_reads_the_per_match_columns_first(committed_store):
    """Migration 0003 put the columns a search reads for every match ahead of the first
    variable-width one; a store cloned from the template keeps that order, the constraints
    and every index. (A later AddField lands at the end: see 0003 before adding one that
    searches read per match.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attlen FROM pg_attribute WHERE attrelid = "
            "'search_productdocument'::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum"
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'search_productdocument'::regclass"
        )
        constraints = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'search_productdocument'"
        )
        indexes = {row[0] for row in cursor.fetchall()}
    names_in_order = [name for name, _ in columns]
    first_variable_width = next(i for i, (_, length) in enumerate(columns) if length < 0)
    assert names_in_order[first_variable_width] == "min_price"
    assert {"product_id", "option_key", "category_key", "in_stock", "featured", "rating_count",
            "product_created_at"} <= set(names_in_order[:first_variable_width])  # fmt: skip
    assert {f.column for f in ProductDocument._meta.concrete_fields} == set(names_in_order)
    assert {
        "search_productdocument_pkey",
        "search_productdocument_rating_count_check",
        "search_productdocume_product_id_c169fc65_fk_catalog_p",
    } <= constraints
    assert {index.name for index in ProductDocument._meta.indexes} | {
        "search_productdocument_pkey"
    } == indexes
    make_product("Linen Shirt")
    assert names(search(text="linen")) == ["Linen Shirt"]


def test_reindex_rebuilds_documents_and_vocabulary(committed_store):
    make_product("Granite Mortar")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE search_productdocument, search_searchterm")
    assert search(text="granite").total == 0

    count = search_services.reindex_store()

    assert count == 1
    assert names(search(text="granit")) == ["Granite Mortar"]


@pytest.mark.django_db
def test_new_store_signup_does_not_share_search_vocabulary(public_schema):
    other = tenant_services.create_store(
        name="Fresh", slug="freshsearch", owner_email="o@fresh.test", owner_password=TEST_PASSWORD
    )
    connection.set_tenant(other)

    result = search(text="tshirt")

    assert result.total == 0 and result.corrected_text is None


@pytest.mark.django_db
def test_a_repeated_search_is_answered_from_the_cache(django_assert_num_queries):
    make_product("Cached Lamp")
    first = search(text="lamp", sort="newest")

    with django_assert_num_queries(0):
        again = search(text="lamp", sort="newest")

    assert again.product_ids == first.product_ids and again.facets == first.facets


@pytest.mark.django_db
def test_cached_searches_are_dropped_when_the_index_changes():
    make_product("First Lamp")
    assert search(text="lamp").total == 1

    make_product("Second Lamp")

    assert search(text="lamp").total == 2


@pytest.mark.django_db
def test_results_without_facets_match_the_combined_statement_for_every_sort():
    backend = PostgresSearchBackend()
    for i, price in enumerate(["5.00", "50.00", "12.00", "30.00", "8.00"]):
        make_product(f"Sorted Jug {i}", price=price, description="jug jug" * i)
    Product.objects.filter(name="Sorted Jug 3").update(rating_avg=Decimal("4.5"), rating_count=2)
    catalog_services.product_changed(product_id=Product.objects.get(name="Sorted Jug 3").id)

    for sort in ["relevance", "newest", "price_asc", "price_desc", "rating"]:
        query = SearchQuery(text="jug", sort=sort, per_page=2, page=2)
        combined = backend.search(query)
        results_only = backend.search(query, with_facets=False)

        assert results_only.product_ids == combined.product_ids, sort
        assert results_only.total == combined.total == 5, sort


@pytest.mark.django_db
def test_in_stock_flag_counts_units_of_expired_holds_as_free():
    from tests.factories.inventory import expire_reservations

    product = make_product("Held Kettle")
    variant = product.variants.get()
    warehouse = WarehouseFactory()
    inventory_services.receive_stock(variant_id=variant.id, warehouse_id=warehouse.id, quantity=1)
    inventory_services.reserve(reference="checkout:kettle", lines=[(variant.id, 1)])
    search_services.refresh_stock_flags(product_ids=[product.id])
    held = search(text="kettle", in_stock=True).total

    expire_reservations("checkout:kettle")
    search_services.refresh_stock_flags(product_ids=[product.id])

    assert held == 0
    assert search(text="kettle", in_stock=True).total == 1


@pytest.mark.django_db
def test_product_ids_restrict_results_and_facets_and_keep_their_order_when_browsing():
    backend = PostgresSearchBackend()
    cup, jug, mug = (
        make_product(n, price=p) for n, p in [("Cup", "5"), ("Jug", "9"), ("Mug", "7")]
    )
    make_product("Bowl", price="6")
    within = (mug.id, cup.id, jug.id)

    for with_facets in (True, False):
        browse = backend.search(SearchQuery(product_ids=within), with_facets=with_facets)
        by_price = backend.search(
            SearchQuery(product_ids=within, sort="price_asc"), with_facets=with_facets
        )
        assert browse.product_ids == [mug.id, cup.id, jug.id]
        assert browse.total == 3
        assert by_price.product_ids == [cup.id, mug.id, jug.id]
    text = backend.search(SearchQuery(text="mug", product_ids=(cup.id, jug.id)))
    paged = backend.search(SearchQuery(product_ids=within, per_page=2, page=2))
    empty = backend.search(SearchQuery(product_ids=()))

    assert text.product_ids == [] and text.total == 0
    assert paged.product_ids == [jug.id] and paged.total == 3
    assert (
        sum(b.count for b in backend.search(SearchQuery(product_ids=within)).facets.price_bands)
        == 3
    )
    assert empty.product_ids == [] and empty.total == 0


@pytest.mark.django_db
def test_searches_restricted_to_other_products_are_cached_apart():
    cup, jug = make_product("Cup"), make_product("Jug")

    first = search(product_ids=(cup.id,))
    second = search(product_ids=(jug.id,))

    assert (first.product_ids, second.product_ids) == ([cup.id], [jug.id])
