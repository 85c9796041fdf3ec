import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from apps.tenants import services
from apps.tenants.models import Domain, Store

GOOD_PASSWORD = "Another-pass-2026"


def _create(slug: str, **overrides) -> Store:
    data = {
        "name": "Corner Shop",
        "slug": slug,
        "owner_email": f"owner@{slug}.test",
        "owner_password": GOOD_PASSWORD,
    }
    data.update(overrides)
    return services.create_store(**data)


@pytest.mark.django_db
def test_create_store_clones_schema_with_domain_and_owner(public_schema):
    store = _create("cornershop")

    assert schema_exists("cornershop")
    assert Domain.objects.get(tenant=store).domain == "cornershop.localhost"
    with schema_context("cornershop"):
        owner = get_user_model().objects.get()
        assert owner.email == "owner@cornershop.test"
        assert owner.is_staff and owner.is_superuser
        assert owner.check_password(GOOD_PASSWORD)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'catalog'")
            assert cursor.fetchone()[0] >= 1  # migration records came with the clone


@pytest.mark.django_db
def test_create_store_gives_each_store_its_own_sequences(public_schema, store):
    new_store = _create("seqshop")

    with schema_context(new_store.schema_name):
        new_owner_id = get_user_model().objects.get().id
    with schema_context(store.schema_name):
        test_owner_id = get_user_model().objects.order_by("id").first().id

    assert new_owner_id == test_owner_id == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("slug", {"slug": "Bad Slug!"}),
        ("slug", {"slug": "ab"}),
        ("slug", {"slug": "-leading"}),
        ("slug", {"slug": "trailing-"}),
        ("slug", {"slug": "public"}),
        ("slug", {"slug": "www"}),
        ("slug", {"slug": "admin"}),
        ("slug", {"slug": "api"}),
        ("slug", {"slug": "static"}),
        ("slug", {"slug": "teststore"}),
        ("owner_email", {"owner_email": "not-an-email"}),
        ("owner_password", {"owner_password": "short"}),
        ("owner_password", {"owner_password": "password123"}),
        ("owner_password", {"owner_password": "12345678901"}),
        ("name", {"name": "   "}),
    ],
)
def test_create_store_rejects_bad_input_and_creates_nothing(public_schema, field, overrides):
    stores_before = Store.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        _create(**{"slug": "fineslug", **overrides})

    assert field in excinfo.value.message_dict
    assert Store.objects.count() == stores_before
    assert not schema_exists("fineslug")


@pytest.mark.django_db
def test_create_store_rejects_taken_slug_in_any_case(public_schema):
    with pytest.raises(ValidationError) as excinfo:
        _create("TESTSTORE")

    assert "already taken" in excinfo.value.message_dict["slug"][0]


@pytest.mark.django_db
def test_create_store_leaves_nothing_when_a_late_step_fails(public_schema, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(get_user_model().objects, "create_superuser", fail)

    with pytest.raises(RuntimeError):
        _create("halfshop")

    assert not Store.objects.filter(schema_name="halfshop").exists()
    assert not Domain.objects.filter(domain="halfshop.localhost").exists()
    assert not schema_exists("halfshop")
