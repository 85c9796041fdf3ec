from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model

from apps.catalog import services
from apps.catalog.models import Category, Collection, Product

CSV = (
    "handle,name,sku,price,option1_name,option1_value\n"
    "desk-lamp,Desk Lamp,LAMP-1,30.00,Color,Black\n"
    "desk-lamp,,LAMP-2,30.00,Color,White\n"
)


@pytest.fixture
def admin_client(store_client):
    owner = get_user_model().objects.filter(is_superuser=True).first()
    store_client.force_login(owner)
    return store_client


def upload(text: str, name="products.csv"):
    file = BytesIO(text.encode())
    file.name = name
    return file


@pytest.mark.django_db
def test_product_changelist_and_forms_render(admin_client):
    services.create_product_with_variants(
        name="Lamp", category=None, price=Decimal("9.00"), sku_prefix="L", options={"C": ["A"]}
    )
    product = Product.objects.get()

    assert admin_client.get("/admin/catalog/product/").status_code == 200
    assert admin_client.get("/admin/catalog/product/?q=L-A").status_code == 200
    assert admin_client.get(f"/admin/catalog/product/{product.id}/change/").status_code == 200
    assert admin_client.get("/admin/catalog/product/add/").status_code == 200


@pytest.mark.django_db
def test_import_upload_from_the_dashboard_creates_products(admin_client):
    response = admin_client.post("/admin/catalog/product/import/", {"file": upload(CSV)})

    assert response.status_code == 302
    assert Product.objects.get(slug="desk-lamp").variants.count() == 2


@pytest.mark.django_db
def test_import_upload_lists_bad_lines_and_imports_nothing(admin_client):
    bad = CSV + "x,,X-1,1.00,,\n"

    response = admin_client.post("/admin/catalog/product/import/", {"file": upload(bad)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<td>4</td><td>name is required on the first row of a product</td>" in body
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_publish_and_archive_actions(admin_client):
    product = services.create_product_with_variants(
        name="Lamp", category=None, price=Decimal("9.00"), sku_prefix="L", status="draft"
    )

    admin_client.post(
        "/admin/catalog/product/",
        {"action": "publish", "_selected_action": [product.id]},
    )
    published = Product.objects.get().status
    admin_client.post(
        "/admin/catalog/product/",
        {"action": "archive", "_selected_action": [product.id]},
    )

    assert published == "active"
    assert Product.objects.get().status == "archived"


@pytest.mark.django_db
def test_generate_variants_action_fills_missing_combinations(admin_client):
    product = services.create_product_with_variants(
        name="Mug", category=None, price=Decimal("9.00"), sku_prefix="M", options={"C": ["A"]}
    )
    services.set_option_values(option=product.options.get(), values=["A", "B"])

    admin_client.post(
        "/admin/catalog/product/",
        {"action": "generate_variants_action", "_selected_action": [product.id]},
    )

    assert sorted(product.variants.values_list("name", flat=True)) == ["A", "B"]


@pytest.mark.django_db
def test_saving_a_product_with_option_values_can_generate_its_variants(admin_client):
    data = {
        "name": "Cap", "slug": "cap", "status": "active", "brand": "", "description": "",
        "tags": "Summer, gift idea, summer",
        "attributes": "{}", "seo_title": "", "seo_description": "", "category": "",
        "generate_variants": "on", "generated_variant_price": "15.00",
        "options-TOTAL_FORMS": "1", "options-INITIAL_FORMS": "0",
        "options-0-name": "Size", "options-0-values_text": "S, M", "options-0-position": "0",
        "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
    }  # fmt: skip

    response = admin_client.post("/admin/catalog/product/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(slug="cap")
    assert sorted(product.variants.values_list("name", "price")) == [
        ("M", Decimal("15.00")),
        ("S", Decimal("15.00")),
    ]
    assert product.search_document.option_values == ["Size:M", "Size:S"]
    assert product.tags == ["summer", "gift idea"]


@pytest.mark.django_db
def test_category_tree_lists_children_under_parents_and_refuses_cycles(admin_client):
    top = Category.objects.create(name="Zeta", slug="zeta", position=0)
    child = Category.objects.create(name="Alpha", slug="alpha", parent=top)

    listing = admin_client.get("/admin/catalog/category/").content.decode()
    response = admin_client.post(
        f"/admin/catalog/category/{top.id}/change/",
        {"name": "Zeta", "slug": "zeta", "parent": child.id, "position": 0, "description": ""},
    )

    assert listing.index("Zeta") < listing.index("↳ Alpha")
    assert response.status_code == 200
    assert Category.objects.get(id=top.id).parent is None


COLLECTION_FORM = {
    "name": "Summer", "slug": "summer", "kind": "automated", "match": "all", "published": "on",
    "position": "0", "description": "", "seo_title": "", "seo_description": "",
    "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0",
    "rules-0-field": "tag", "rules-0-value": "Summer", "rules-0-position": "0",
    "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0",
}  # fmt: skip


@pytest.mark.django_db
def test_merchant_builds_an_automated_collection_and_sees_its_products(admin_client):
    services.create_product_with_variants(
        name="Sun Hat", category=None, price=Decimal("9.00"), sku_prefix="H", tags=["summer"]
    )

    response = admin_client.post("/admin/catalog/collection/add/", COLLECTION_FORM)

    assert response.status_code == 302, response.content.decode()[:3000]
    collection = Collection.objects.get(slug="summer")
    assert collection.rules.get().value == "summer"
    page = admin_client.get(f"/admin/catalog/collection/{collection.id}/change/").content.decode()
    assert "<li>Sun Hat</li>" in page
    listing = admin_client.get("/admin/catalog/collection/").content.decode()
    assert 'href="/collections/summer/"' in listing
    assert 'href="/admin/catalog/collection/"' in listing  # the sidebar, under Products


@pytest.mark.django_db
def test_a_rule_without_its_value_is_a_form_error(admin_client):
    data = {**COLLECTION_FORM, "rules-0-field": "price", "rules-0-value": ""}

    response = admin_client.post("/admin/catalog/collection/add/", data)

    assert response.status_code == 200
    assert "Enter a lowest or a highest price." in response.content.decode()
    assert not Collection.objects.exists()
