from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.accounts import roles
from apps.accounts import services as account_services
from apps.payments.selectors import get_gateway_config
from apps.preferences.selectors import get_store_settings
from apps.tenants.models import Store
from tests.dashboard.conftest import STAFF_PASSWORD
from tests.factories.accounts import UserFactory


def _settings_form(**overrides) -> dict:
    data = {
        "name": "Renamed Store", "currency": "EUR", "country": "DE", "timezone": "Europe/Berlin",
        "prices_include_tax": "on", "reservation_minutes": "20", "low_stock_threshold": "3",
        "abandoned_cart_hours": "6",
        "moderate_reviews": "on", "email_sender": "shop@example.test", "payment_gateway": "test",
        "stripe_publishable_key": "pk_test_visible", "stripe_secret_key": "",
        "stripe_webhook_secret": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def _stripe_secrets() -> SimpleNamespace:
    """The stored Stripe secrets (they live in the payments app's gateway settings)."""
    secrets = get_gateway_config("stripe").secrets
    return SimpleNamespace(
        secret_key=secrets.get("secret_key", ""), webhook_secret=secrets.get("webhook_secret", "")
    )


# --- roles ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_new_stores_have_owner_and_staff_groups_from_the_template():
    staff = Group.objects.get(name=roles.STAFF_GROUP)
    owner = Group.objects.get(name=roles.OWNER_GROUP)
    staff_labels = set(staff.permissions.values_list("content_type__app_label", flat=True))

    assert staff_labels == {"orders", "catalog", "inventory", "reviews", "dashboard"}
    assert not staff.permissions.filter(codename__in=["manage_settings", "manage_staff"]).exists()
    assert owner.permissions.filter(codename="manage_settings").exists()


@pytest.mark.django_db
def test_staff_gets_403_on_settings_and_staff_management(staff_client):
    settings_page = staff_client.get("/admin/store-settings/")
    settings_post = staff_client.post("/admin/store-settings/", _settings_form())
    staff_page = staff_client.get("/admin/staff/")
    invite = staff_client.post("/admin/staff/", {"email": "x@y.test", "role": "owner",
                                                "password": "Another-pass-2026"})  # fmt: skip

    assert settings_page.status_code == settings_post.status_code == 403
    assert staff_page.status_code == invite.status_code == 403
    assert Store.objects.get(schema_name="teststore").name == "Test Store"
    assert not get_user_model().objects.filter(email="x@y.test").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/auth/group/",
     "/admin/checkout/taxrate/", "/admin/checkout/shippingzone/"],
)  # fmt: skip
def test_staff_cannot_manage_users_groups_or_tax_and_shipping(staff_client, url):
    assert staff_client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/orders/order/", "/admin/catalog/product/", "/admin/inventory/stocklevel/",
     "/admin/reviews/review/", "/admin/reports/sales/"],
)  # fmt: skip
def test_staff_works_with_orders_products_inventory_reviews_and_reports(staff_client, url):
    assert staff_client.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_dashboard_hides_settings_and_staff_links(staff_client):
    html = staff_client.get("/admin/").content.decode()

    assert "/admin/store-settings/" not in html
    assert "/admin/staff/" not in html


@pytest.mark.django_db
def test_customers_are_sent_to_the_admin_sign_in(store_client):
    store_client.force_login(UserFactory())

    response = store_client.get("/admin/store-settings/")

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_owner_invites_staff_who_can_sign_in_with_the_staff_role(owner_client, store_client):
    response = owner_client.post(
        "/admin/staff/",
        {"email": "New.Clerk@Example.test", "role": "staff", "password": STAFF_PASSWORD},
    )
    owner_client.logout()
    signed_in = store_client.login(username="new.clerk@example.test", password=STAFF_PASSWORD)

    user = get_user_model().objects.get(email="new.clerk@example.test")
    assert response.status_code == 302
    assert signed_in and user.is_staff and not user.is_superuser
    assert roles.role_of(user) == "staff"
    assert store_client.get("/admin/store-settings/").status_code == 403


@pytest.mark.django_db
def test_an_existing_customer_can_be_made_owner_and_access_can_be_revoked(owner, owner_client):
    customer = UserFactory()

    account_services.invite_staff(email=customer.email, role="owner")
    promoted = get_user_model().objects.get(pk=customer.pk)
    owner_client.post(f"/admin/staff/{customer.pk}/revoke/")
    revoked = get_user_model().objects.get(pk=customer.pk)

    assert promoted.is_superuser and roles.role_of(promoted) == "owner"
    assert not revoked.is_staff and not revoked.is_superuser
    assert not revoked.groups.exists()


@pytest.mark.django_db
def test_the_last_owner_cannot_be_removed(owner):
    other_admin = account_services.invite_staff(email="boss2@example.test", role="staff",
                                        password=STAFF_PASSWORD)  # fmt: skip

    with pytest.raises(Exception, match="at least one owner"):
        account_services.revoke_staff(user_id=owner.pk, actor_id=other_admin.pk)
    with pytest.raises(Exception, match="your own access"):
        account_services.revoke_staff(user_id=owner.pk, actor_id=owner.pk)


# --- settings -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_owner_saves_store_profile_and_preferences(owner_client):
    response = owner_client.post("/admin/store-settings/", _settings_form())

    store = Store.objects.get(schema_name="teststore")
    prefs = get_store_settings()
    assert response.status_code == 302
    assert (store.name, store.currency, store.country, store.timezone) == (
        "Renamed Store", "EUR", "DE", "Europe/Berlin")  # fmt: skip
    assert store.prices_include_tax is True
    assert (prefs.reservation_minutes, prefs.low_stock_threshold) == (20, 3)
    assert prefs.moderate_reviews is True and prefs.email_sender == "shop@example.test"


@pytest.mark.django_db
def test_secrets_are_write_only_and_blank_keeps_them(owner_client):
    owner_client.post("/admin/store-settings/", _settings_form(
        stripe_secret_key="sk_test_TOPSECRET", stripe_webhook_secret="whsec_HUSH"))  # fmt: skip

    page = owner_client.get("/admin/store-settings/").content.decode()
    owner_client.post("/admin/store-settings/", _settings_form())  # secrets left blank
    kept = _stripe_secrets()
    owner_client.post("/admin/store-settings/", _settings_form(clear_stripe_webhook_secret="on"))
    cleared = _stripe_secrets()

    assert "sk_test_TOPSECRET" not in page and "whsec_HUSH" not in page
    assert "pk_test_visible" in page
    assert "currently set" in page
    assert (kept.secret_key, kept.webhook_secret) == ("sk_test_TOPSECRET",
                                                      "whsec_HUSH")  # fmt: skip
    assert (cleared.secret_key, cleared.webhook_secret) == ("sk_test_TOPSECRET", "")


@pytest.mark.django_db
def test_the_generic_store_settings_admin_is_gone(owner_client):
    assert owner_client.get("/admin/preferences/storesettings/").status_code == 404


@pytest.mark.django_db
def test_bad_settings_are_reported_and_nothing_changes(owner_client):
    response = owner_client.post(
        "/admin/store-settings/",
        _settings_form(timezone="Mars/Olympus", payment_gateway="stripe",
                       stripe_publishable_key=""),
    )  # fmt: skip

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Store.objects.get(schema_name="teststore").name == "Test Store"
