import pytest
from django.core.management import call_command

from apps.catalog.models import Category, OptionValue, Product
from apps.search.models import ProductDocument


@pytest.mark.django_db
def test_generate_catalog_command_adds_searchable_products(store, capsys):
    call_command("generate_catalog", "--store", store.schema_name, "--products", "40")

    assert Product.objects.count() == 40
    assert Category.objects.filter(parent__isnull=True).count() == 6
    assert OptionValue.objects.exists()
    active = Product.objects.filter(status="active").count()
    assert ProductDocument.objects.count() == active
    assert "40 products generated" in capsys.readouterr().out
