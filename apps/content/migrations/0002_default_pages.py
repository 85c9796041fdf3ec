"""Give every store (and the store template, so stores cloned from it) its theme row with the
default colours and the default pages."""

from django.db import migrations


def create_default_pages(apps, schema_editor):
    from apps.content.services import create_default_pages as create

    apps.get_model("content", "StoreTheme").objects.get_or_create(pk=1)
    create(page_model=apps.get_model("content", "Page"))


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]

    operations = [migrations.RunPython(create_default_pages, migrations.RunPython.noop)]
