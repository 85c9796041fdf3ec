"""The product page's variant picker without JavaScript: the server resolves the options."""

import re
from decimal import Decimal

import pytest

from apps.cart import selectors as cart_selectors
from apps.cart.models import Cart
from apps.catalog import services as catalog_services
from apps.catalog.models import Variant
from apps.inventory import services as inventory_services
from tests.factories.accounts import UserFactory
from tests.factories.inventory import WarehouseFactory


@pytest.fixture
def tee():
    """Size × Color, stocked except M / White (sold out); L / White is not offered."""
    product = catalog_services.create_product_with_variants(
        name="Granite Tee", category=None, price=Decimal("20.00"), sku_prefix="GT",
        options={"Size": ["S", "M", "L"], "Color": ["Black", "White"]},
    )  # fmt: skip
    warehouse = WarehouseFactory()
    for variant in product.variants.all():
        if variant.name != "M / White":
            inventory_services.receive_stock(
                variant_id=variant.id, warehouse_id=warehouse.id, quantity=5
            )
    product.variants.filter(name="L / White").update(active=False)
    return product


def variant(product, name: str) -> Variant:
    return product.variants.get(name=name)


def cart_lines(client) -> list[str]:
    cart = Cart.objects.get(token=client.cookies["cart"].value)
    return [line.variant.name for line in cart.lines.select_related("variant")]


@pytest.mark.django_db
def test_options_in_the_address_resolve_to_the_variant(store_client, tee):
    response = store_client.get(
        "/products/granite-tee/", {"option-size": "M", "option-color": "Black"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/products/granite-tee/?variant={variant(tee, 'M / Black').id}"


def state_of(body: str, param: str, value: str) -> str:
    """The class of an option value's button: available, sold-out or not-offered."""
    pattern = (
        rf'<label class="choice ([\w-]+)">\s*<input type="radio" name="{param}" value="{value}"'
    )
    return re.search(pattern, body)[1]


@pytest.mark.django_db
def test_the_page_marks_sold_out_and_not_offered_combinations(store_client, tee):
    m_black = variant(tee, "M / Black").id
    s_white = variant(tee, "S / White").id

    from_m_black = store_client.get("/products/granite-tee/", {"variant": m_black})
    from_s_white = store_client.get("/products/granite-tee/", {"variant": s_white})

    body = from_m_black.content.decode()
    assert body.count("<fieldset") >= 2 and "<legend>Size: <span data-chosen>M</span>" in body
    # From M / Black: White means M / White (sold out), L means L / Black (in stock)…
    assert state_of(body, "option-color", "White") == "sold-out"
    assert state_of(body, "option-size", "L") == "available"
    # …and from S / White, L means L / White, which is not offered.
    assert state_of(from_s_white.content.decode(), "option-size", "L") == "not-offered"


@pytest.mark.django_db
def test_add_to_cart_adds_the_checked_options_not_the_variant_the_page_showed(store_client, tee):
    shown = variant(tee, "S / Black")

    response = store_client.post(
        "/cart/add/",
        {"product": "granite-tee", "variant_id": shown.id, "option-size": "M",
         "option-color": "Black", "quantity": "2"},
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert cart_lines(store_client) == ["M / Black"]


@pytest.mark.django_db
def test_a_choice_at_a_price_the_page_did_not_show_is_shown_before_it_is_added(store_client, tee):
    large = variant(tee, "L / Black")
    large.price = Decimal("24.00")
    large.save()

    response = store_client.post(
        "/cart/add/",
        {"product": "granite-tee", "variant_id": variant(tee, "S / Black").id,
         "option-size": "L", "option-color": "Black", "quantity": "1"},
    )  # fmt: skip

    assert response["Location"] == f"/products/granite-tee/?variant={large.id}"
    page = store_client.get(response["Location"]).content.decode()
    assert "L / Black costs 24.00" in page and "<span data-price>24.00" in page
    assert "cart" not in store_client.cookies or not cart_lines(store_client)


@pytest.mark.django_db
def test_a_sold_out_combination_cannot_be_added(store_client, tee):
    sold_out = variant(tee, "M / White")

    response = store_client.post(
        "/cart/add/",
        {"product": "granite-tee", "variant_id": sold_out.id, "option-size": "M",
         "option-color": "White", "quantity": "1"},
        follow=True,
    )  # fmt: skip

    assert response.redirect_chain[-1][0] == f"/products/granite-tee/?variant={sold_out.id}"
    assert "Email me when it is back" in response.content.decode()
    assert not Cart.objects.filter(lines__variant=sold_out).exists()


@pytest.mark.django_db
def test_a_combination_that_is_not_offered_is_refused_with_a_message(store_client, tee):
    response = store_client.post(
        "/cart/add/",
        {"product": "granite-tee", "option-size": "L", "option-color": "White", "quantity": "1"},
        follow=True,
    )

    assert "That combination is not offered" in response.content.decode()
    assert not Cart.objects.filter(lines__isnull=False).exists()


@pytest.mark.django_db
def test_show_button_turns_the_checked_options_into_the_variants_page(store_client, tee):
    response = store_client.post(
        "/products/granite-tee/choose/",
        {"product": "granite-tee", "option-size": "L", "option-color": "Black"},
        follow=True,
    )

    assert (
        response.redirect_chain[-1][0]
        == f"/products/granite-tee/?variant={variant(tee, 'L / Black').id}"
    )


@pytest.mark.django_db
def test_save_to_wishlist_saves_the_checked_options(store_client, tee):
    user = UserFactory()
    store_client.force_login(user)

    store_client.post(
        "/account/wishlist/add/",
        {"product": "granite-tee", "variant_id": variant(tee, "S / Black").id,
         "option-size": "M", "option-color": "White"},
    )  # fmt: skip

    saved = [item.variant.name for item in cart_selectors.list_wishlist(user_id=user.id)]
    assert saved == ["M / White"]


@pytest.mark.django_db
@pytest.mark.parametrize("product", ["no-such-product", "a b\n", "x" * 300])
def test_a_posted_product_that_is_not_one_is_a_message_not_an_error(store_client, tee, product):
    response = store_client.post(
        "/cart/add/", {"product": product, "option-size": "M", "quantity": "1"}, follow=True
    )

    assert response.status_code == 200
    assert "Choose an item" in response.content.decode()
