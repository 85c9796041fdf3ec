import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from apps.tenants.models import Store


@pytest.mark.django_db
def test_create_store_command_opens_a_store(public_schema, settings):
    settings.PUBLIC_PORT = "8000"
    out = io.StringIO()

    call_command(
        "create_store",
        "--name=Paper Goods",
        "--slug=paper-goods",
        "--owner-email=ink@paper.test",
        "--owner-password=Quill-and-ink-77",
        stdout=out,
    )

    assert Store.objects.filter(schema_name="paper-goods").exists()
    assert schema_exists("paper-goods")
    assert "http://paper-goods.localhost:8000/admin/" in out.getvalue()


@pytest.mark.django_db
def test_create_store_command_reports_every_bad_field(public_schema):
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "create_store",
            "--name=Bad",
            "--slug=www",
            "--owner-email=nope",
            "--owner-password=123",
        )

    message = str(excinfo.value)
    assert "slug: “www” is reserved" in message
    assert "owner_email:" in message
    assert "owner_password:" in message
    assert not Store.objects.filter(name="Bad").exists()
