"""The storefront's header and page order (issue 18): what the browser tests see at 390 px
rests on these."""

import pytest

from tests.factories.catalog import CategoryFactory, ProductFactory, VariantFactory
from tests.factories.checkout import ShippingMethodFactory
from tests.shopping import stocked_variant


@pytest.mark.django_db
def test_nav_links_home_once_even_with_a_category_called_home(store_client):
    CategoryFactory(name="Home", slug="home")

    body = store_client.get("/").content.decode()

    header = body[body.index("<header") : body.index("</header>")]
    assert header.count(">Home</a>") == 1  # the category; the brand links to the home page
    assert '<a class="brand" href="/">' in header


@pytest.mark.django_db
def test_recommendations_render_in_the_page_body_not_above_the_header(store_client):
    VariantFactory(product=ProductFactory(name="Trending Thing"))

    body = store_client.get("/").content.decode()

    head = body[: body.index("</head>")]
    assert "<section" not in head and "recommendations" not in head
    assert body.count('data-widget="') <= 2  # "for you" and "recently viewed", once each


@pytest.mark.django_db
def test_filters_fold_into_a_details_element_and_the_checkout_summary_comes_first(store_client):
    CategoryFactory(name="Tees", slug="tees")
    variant = stocked_variant()
    ShippingMethodFactory()
    store_client.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})

    listing = store_client.get("/categories/tees/").content.decode()
    checkout = store_client.get(store_client.post("/checkout/")["Location"]).content.decode()

    assert '<details class="filters"><summary>Filters' in listing
    assert listing.index('<details class="filters">') < listing.index('class="facets"')
    # Phones show the page in source order: the summary before the form and its pay button.
    assert checkout.index('class="card summary"') < checkout.index('value="pay"')
