import pytest
from django.template.loader import render_to_string

from apps.recommendations import selectors, services
from apps.recommendations.models import RecommendationSettings, WidgetRule
from apps.storefront.visitors import RECENT_COOKIE, VISITOR_COOKIE
from tests.factories.accounts import UserFactory
from tests.factories.catalog import CategoryFactory
from tests.recommendations.baskets import paid_order, stocked_product


def _ids(view) -> list[int]:
    return [item.product.id for item in view.items] if view else []


@pytest.fixture
def shop():
    """An anchor product bought with five others; one of them sold out, one a draft."""
    category = CategoryFactory()
    anchor = stocked_product(name="Anchor", category=category)
    friends = [stocked_product(name=f"Friend {i}", category=category) for i in range(3)]
    sold_out = stocked_product(name="Sold out", stock=0, category=category)
    draft = stocked_product(name="Draft", status="draft", category=category)
    for count, friend in zip((3, 2, 1), friends, strict=True):
        for _ in range(count):
            paid_order([anchor, friend, sold_out, draft])
    services.recompute_recommendations()
    return anchor, friends, sold_out, draft


@pytest.mark.django_db
def test_product_widgets_show_active_in_stock_neighbours_best_first(shop):
    anchor, friends, sold_out, draft = shop

    recs = selectors.get_product_page_recommendations(product=anchor)

    shown = _ids(recs.bought_together)
    assert shown[:3] == [f.id for f in friends]
    assert sold_out.id not in shown and draft.id not in shown and anchor.id not in shown


@pytest.mark.django_db
def test_thin_data_falls_back_to_the_category_then_popular_products():
    category = CategoryFactory()
    lonely = stocked_product(category=category)
    sibling = stocked_product(category=category)
    elsewhere = stocked_product()
    paid_order([elsewhere])
    services.recompute_recommendations()

    recs = selectors.get_product_page_recommendations(product=lonely)

    assert _ids(recs.bought_together) == [sibling.id, elsewhere.id]
    assert not recs.viewed_together  # a product appears in one widget only


@pytest.mark.django_db
def test_merchant_pins_excludes_and_switches_apply(shop):
    anchor, friends, *_ = shop
    pinned = stocked_product(name="Pinned")
    WidgetRule.objects.create(widget="bought_together", action="pin", product=pinned)
    WidgetRule.objects.create(
        widget="bought_together", action="exclude", product=friends[0], anchor=anchor
    )
    RecommendationSettings.objects.update_or_create(
        pk=1, defaults={"show_viewed_together": False, "items_per_widget": 2}
    )
    services.forget_cached_configuration()

    recs = selectors.get_product_page_recommendations(product=anchor)

    assert _ids(recs.bought_together) == [pinned.id, friends[1].id]
    assert recs.viewed_together is None


@pytest.mark.django_db
def test_product_page_queries_are_bounded_and_one_when_cached(
    shop, django_assert_max_num_queries, django_assert_num_queries
):
    anchor, friends, *_ = shop
    more = [stocked_product() for _ in range(10)]
    recent = [p.id for p in more]
    selectors.get_recommendation_settings()

    with django_assert_max_num_queries(8):
        cold = selectors.get_product_page_recommendations(product=anchor)
    with django_assert_max_num_queries(2):  # the visitor's products (cached after), their stock
        selectors.get_recently_viewed(recent_ids=recent, current_product_id=anchor.id)
    with django_assert_num_queries(1):  # stock, read live; the products come from the cache
        warm = selectors.get_product_page_recommendations(product=anchor)
    with django_assert_num_queries(1):  # the visitor's strip: its stock, read live
        recently_viewed = selectors.get_recently_viewed(
            recent_ids=recent, current_product_id=anchor.id
        )

    assert _ids(warm.bought_together) == _ids(cold.bought_together)
    assert len(recently_viewed) == 10
    html = render_to_string(
        "recommendations/includes/_bought_together.html",
        {"recs_bought_together": warm.bought_together},
    )
    assert f"/recommendations/click/bought_together/{friends[0].id}/" in html


@pytest.mark.django_db
def test_product_page_records_the_view_and_sets_cookies(shop, store_client):
    anchor, friends, *_ = shop
    store_client.cookies[RECENT_COOKIE] = f"{friends[0].id}.{anchor.id}.junk"

    response = store_client.get(anchor.get_absolute_url())

    # The visitor's own strip (filled in by the page cache on anonymous pages): the other
    # product viewed, never the one on the page.
    strip = response.content.decode().split('data-widget="recently_viewed"', 1)[1]
    strip = strip.split("</section>", 1)[0]
    assert "Friend 0" in strip and "Anchor" not in strip
    assert response.cookies[RECENT_COOKIE].value == f"{anchor.id}.{friends[0].id}"
    visitor_id = response.cookies[VISITOR_COOKIE].value
    services.flush_signals()
    assert selectors.list_viewed_product_ids(visitor_key=f"v:{visitor_id}") == [anchor.id]


@pytest.mark.django_db
def test_for_you_blends_neighbours_of_purchases_minus_what_was_bought(
    shop, django_assert_max_num_queries, django_assert_num_queries
):
    anchor, friends, *_ = shop
    customer = UserFactory()
    paid_order([friends[0]], user=customer)
    services.recompute_recommendations(force=True)
    selectors.get_recommendation_settings()

    with django_assert_max_num_queries(11):
        home = selectors.get_home_recommendations(user_id=customer.id)
    with django_assert_num_queries(1):  # cached candidates and products: availability only
        again = selectors.get_home_recommendations(user_id=customer.id)

    assert home.for_you.widget == "for_you"
    assert _ids(home.for_you)[0] == anchor.id
    assert friends[0].id not in _ids(home.for_you)
    assert _ids(again.for_you) == _ids(home.for_you)


@pytest.mark.django_db
def test_anonymous_and_new_customers_get_trending(shop, store_client):
    anchor, friends, *_ = shop
    newcomer = UserFactory()

    anonymous = selectors.get_home_recommendations(user_id=None)
    new = selectors.get_home_recommendations(user_id=newcomer.id)

    assert anonymous.for_you.widget == new.for_you.widget == "trending"
    assert _ids(anonymous.for_you)[:2] == [anchor.id, friends[0].id]
    context = {"recs_for_you": store_client.get("/").context["recs_for_you"]}
    assert "Trending now" in render_to_string("recommendations/includes/_for_you.html", context)
