"""A new store is ready to sell: a stock location, shipping and tax for its country, test-mode
payments — created once, by ``create_store`` (and so by the signup page)."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.catalog import services as catalog_services
from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.inventory.models import Warehouse
from apps.preferences.models import StoreSettings
from apps.tenants import services, store_defaults
from apps.tenants.models import Store

PASSWORD = "Another-pass-2026"
ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}


def _create(slug: str, **extra) -> Store:
    return services.create_store(
        name="Fresh Shop",
        slug=slug,
        owner_email=f"owner@{slug}.test",
        owner_password=PASSWORD,
        **extra,
    )


def _defaults_of(store: Store) -> dict:
    with schema_context(store.schema_name):
        return {
            "warehouses": list(Warehouse.objects.values_list("name", "active", "country")),
            "zones": list(ShippingZone.objects.values_list("name", "countries")),
            "methods": list(ShippingMethod.objects.values_list("name", "kind", "price", "active")),
            "taxes": list(TaxRate.objects.values_list("country", "name", "rate")),
            "gateway": list(StoreSettings.objects.values_list("payment_gateway", flat=True)),
        }


@pytest.mark.django_db
def test_a_new_store_has_a_location_a_domestic_rate_its_tax_and_test_payments(public_schema):
    store = _create("freshde", country="DE", currency="EUR")

    assert _defaults_of(store) == {
        "warehouses": [("Main warehouse", True, "DE")],
        "zones": [("Germany", ["DE"])],
        "methods": [("Standard shipping", "flat", Decimal("5.00"), True)],
        "taxes": [("DE", "VAT", Decimal("0.1900"))],
        "gateway": ["test"],
    }


@pytest.mark.django_db
def test_a_store_in_a_country_without_one_national_rate_gets_an_explicit_no_tax_rate(
    public_schema,
):
    store = _create("freshus", country="US")

    defaults = _defaults_of(store)

    assert defaults["taxes"] == [("US", "No tax", Decimal("0.0000"))]
    assert defaults["zones"] == [("United States of America", ["US"])]


@pytest.mark.django_db
def test_store_defaults_applied_again_create_nothing_more(public_schema):
    store = _create("freshtwice", country="FR")
    before = _defaults_of(store)

    store_defaults.apply_store_defaults(store)
    store_defaults.apply_store_defaults(store)

    assert _defaults_of(store) == before
    assert len(before["warehouses"]) == len(before["zones"]) == len(before["taxes"]) == 1


@pytest.mark.django_db
def test_store_defaults_leave_what_the_merchant_already_set_up(public_schema):
    store = _create("freshedited", country="GB", with_defaults=False)
    with schema_context(store.schema_name):
        inventory_services.create_warehouse(name="Shed", country="GB")
        zone = ShippingZone.objects.create(name="UK and Ireland", countries=["GB", "IE"])
        ShippingMethod.objects.create(zone=zone, name="Royal Mail", price=Decimal("3.10"))
        TaxRate.objects.create(country="GB", name="VAT", rate=Decimal("0.0500"))

    store_defaults.apply_store_defaults(store)

    defaults = _defaults_of(store)
    assert [name for name, *_ in defaults["warehouses"]] == ["Shed"]
    assert defaults["zones"] == [("UK and Ireland", ["GB", "IE"])]
    assert defaults["taxes"] == [("GB", "VAT", Decimal("0.0500"))]


@pytest.mark.django_db
def test_every_domain_default_is_registered_by_its_app():
    assert store_defaults.registered() == [
        "inventory.warehouse",
        "checkout.shipping_and_tax",
        "payments.test_mode",
    ]


@pytest.mark.django_db
def test_signup_opens_a_store_whose_shopper_is_offered_domestic_delivery(public_schema):
    platform = Client(HTTP_HOST="localhost")
    response = platform.post(
        "/signup/",
        {
            "name": "Signup Shop",
            "slug": "signupshop",
            "owner_email": "owner@signupshop.test",
            "owner_password": PASSWORD,
            "owner_password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    store = Store.objects.get(schema_name="signupshop")
    assert _defaults_of(store)["warehouses"] == [("Main warehouse", True, "US")]
    # The merchant adds a product and stock (no location chosen: the default one).
    with schema_context(store.schema_name):
        product = catalog_services.create_product_with_variants(
            name="Linen apron", category=None, price=Decimal("30.00"), sku_prefix="APR"
        )
        variant = product.variants.get()
        inventory_services.receive_stock(
            variant_id=variant.id,
            warehouse_id=inventory_selectors.get_default_warehouse().id,
            quantity=3,
        )
    shopper = Client(HTTP_HOST=store.primary_host)

    shopper.post("/cart/add/", {"variant_id": variant.id, "quantity": 1})
    checkout_url = shopper.post("/checkout/")["Location"]
    token = re.search(r"/checkout/([0-9a-f-]{36})/", checkout_url)[1]
    page = shopper.post(
        f"/checkout/{token}/",
        {"email": "ada@example.test", **ADDRESS, "country": "US", "action": "update"},
        follow=True,
    ).content.decode()

    assert "Standard shipping" in page
    assert "We do not ship" not in page
