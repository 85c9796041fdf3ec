"""Bad input is a clear 400, never a 500: NUL, overlong text and unicode controls in any query
string or form field of the storefront's main pages and the API's list filters."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.api import services as api_services
from apps.api.models import SCOPES
from tests.factories.catalog import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
BAD_VALUES = [
    NUL,
    "\x00",
    "x" * 10_000,
    "\u202e\u200b\u0007\u001b[31m\u2028\ufeff",  # bidi override, zero width, BEL, ESC, LS, BOM
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),  # undecodable bytes as text
    "%ff%fe",
    "x",  # a bare word, where a URL or a number is expected
]
QUERY_KEYS = ["q", "sort", "page", "category", "option", "min", "max", "band", "in_stock", "next"]
API_LISTS = ["/api/v1/products", "/api/v1/categories", "/api/v1/inventory", "/api/v1/orders"]
API_FILTERS = ["search", "category", "status", "featured", "page", "page_size", "ordering", "sku"]


@pytest.fixture
def api(store) -> APIClient:
    """An API client holding a key with every scope; throttle counters are emptied after."""
    _, raw_key = api_services.create_api_key(name="fuzz", scopes=list(SCOPES))
    client = APIClient(HTTP_HOST=store.primary_host)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    yield client
    cache.delete_pattern("throttle_*")


@pytest.fixture
def product():
    item = ProductFactory(slug="fuzz-product")
    VariantFactory(product=item, sku="FUZZ-1")
    return item


def _storefront_get_paths(product) -> list[str]:
    return [
        "/",
        "/search/",
        f"/categories/{product.category.slug}/",
        f"/products/{product.slug}/",
        "/cart/",
        "/cart/add/",
        "/checkout/",
        "/orders/lookup/",
        "/account/login/",
        "/account/signup/",
    ]


def _post_forms(product) -> dict[str, list[str]]:
    variant_id = str(product.variants.first().id)
    return {
        "/cart/add/": ["variant_id", "quantity", "next"],
        "/orders/lookup/": ["number", "email"],
        "/account/login/": ["username", "password", "next"],
        "/account/signup/": ["email", "password1", "password2"],
        "/checkout/": ["next"],
        "/search/": ["q"],
    } | {"_variant": [variant_id]}


def test_storefront_query_strings_never_answer_a_server_error(store_client, product):
    answers = []
    for path in _storefront_get_paths(product):
        for key in QUERY_KEYS:
            for value in BAD_VALUES:
                response = store_client.get(path, {key: value})
                answers.append((path, key, value[:20], response.status_code))
    errors = [a for a in answers if a[3] >= 500]
    assert errors == []


def test_storefront_forms_never_answer_a_server_error(store_client, product):
    forms = _post_forms(product)
    variant_id = forms.pop("_variant")[0]
    answers = []
    for path, fields in forms.items():
        for field in fields:
            for value in BAD_VALUES:
                data = {"variant_id": variant_id, "quantity": "1", field: value}
                response = store_client.post(path, data)
                answers.append((path, field, value[:20], response.status_code))
    errors = [a for a in answers if a[3] >= 500]
    assert errors == []


def test_api_list_filters_never_answer_a_server_error(api, product):
    answers = []
    for path in API_LISTS:
        for key in API_FILTERS:
            for value in BAD_VALUES:
                response = api.get(path, {key: value})
                answers.append((path, key, value[:20], response.status_code))
    errors = [a for a in answers if a[3] >= 500]
    assert errors == []


def test_nul_in_a_query_string_is_a_friendly_400_page(store_client):
    response = store_client.get("/search/", {"q": NUL})

    assert response.status_code == 400
    assert b"We could not read that request" in response.content


def test_nul_in_a_form_field_is_a_400(store_client, product):
    response = store_client.post("/orders/lookup/", {"number": "1", "email": NUL})

    assert response.status_code == 400


def test_nul_in_the_path_is_a_400(store_client):
    assert store_client.get("/products/a%00b/").status_code == 400


def test_nul_under_the_api_answers_the_api_error_shape(api):
    response = api.get("/api/v1/products", {"search": NUL})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "NUL" in response.json()["error"]["message"]


# --- JSON bodies, cookies and headers ----------------------------------------------------------
JSON_NUL_BODIES = [
    '{"name": "a\\u0000b", "slug": "x", "sku": "S", "price": "1.00"}',
    '{"a\\u0000": 1}',
    '{"items": [{"sku": "\\u0000", "quantity": 1}], "email": "x@y.z"}',
    '{"email": "a\x00b@example.test"}',  # a raw NUL byte in the body
]
API_WRITES = [
    ("post", "/api/v1/products"),
    ("post", "/api/v1/carts"),
    ("post", "/api/v1/orders"),
    ("patch", "/api/v1/products/{product_id}"),
]
STORE_COOKIES = ["cart", "mvid", "mrv", "sessionid", "csrftoken"]
# As a client sends them: bytes, which WSGI hands over decoded as latin-1.
CONTROLS = "\u202e\u200b\u0007".encode().decode("latin-1")
COOKIE_VALUES = [NUL, "x" * 4000, CONTROLS, "%00", "x"]
WRONG_LOGIN = {"username": "no@x.test", "password": "wrong"}
HEADERS = ["HTTP_USER_AGENT", "HTTP_REFERER", "HTTP_ACCEPT_LANGUAGE", "HTTP_X_FORWARDED_FOR",
           "HTTP_IDEMPOTENCY_KEY", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH"]  # fmt: skip


def test_api_json_bodies_with_nul_are_a_400_in_the_error_shape(api, product):
    answers = []
    for method, path in API_WRITES:
        for body in JSON_NUL_BODIES:
            url = path.format(product_id=product.id)
            response = getattr(api, method)(url, body, content_type="application/json")
            answers.append((method, url, body[:30], response.status_code,
                            response.json()["error"]["code"]))  # fmt: skip

    assert {a[3] for a in answers} == {400}
    assert {a[4] for a in answers} == {"bad_request"}


def test_a_json_text_that_merely_spells_backslash_u0000_is_not_refused(api):
    response = api.post("/api/v1/products", '{"name": "C:\\\\u0000 path"}',
                        content_type="application/json")  # fmt: skip

    assert response.status_code != 400 or response.json()["error"]["code"] != "bad_request"


def test_storefront_cookies_never_answer_a_server_error(store_client, product):
    answers = []
    for path in ["/", "/cart/", f"/products/{product.slug}/", "/checkout/", "/account/login/"]:
        for name in STORE_COOKIES:
            for value in COOKIE_VALUES:
                store_client.cookies.clear()
                store_client.cookies[name] = value
                response = store_client.get(path)
                answers.append((path, name, value[:10], response.status_code))
    store_client.cookies.clear()

    assert [a for a in answers if a[3] >= 500] == []
    assert {a[3] for a in answers if a[2] == NUL} == {400}


def test_headers_with_nul_or_junk_never_answer_a_server_error(store_client, product):
    answers = []
    for header in HEADERS:
        for value in [NUL, f"Bearer {NUL}", "x" * 8000, CONTROLS]:
            extra = {header: value}
            login = store_client.post("/account/login/", WRONG_LOGIN, **extra)
            lookup = store_client.post("/orders/lookup/", {"number": "1", "email": "a@b.c"},
                                       **extra)  # fmt: skip
            # A plain client: an API client's own credentials would replace the header.
            listing = store_client.get("/api/v1/products", **extra)
            cart = store_client.post("/api/v1/carts", "{}", content_type="application/json",
                                     **extra)  # fmt: skip
            answers += [(header, value[:10], r.status_code) for r in (login, lookup, listing, cart)]

    assert [a for a in answers if a[2] >= 500] == []
    assert [a for a in answers if NUL in a[1] and a[2] != 400] == []
