"""Create the Owner and Staff groups in every store schema (and in the store template).

Permissions are normally created after all migrations (post_migrate); this migration creates
them first for every installed app, so the groups can be given theirs.
"""

from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from apps.accounts.roles import ensure_roles

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    ensure_roles(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("catalog", "0001_initial"),
        ("inventory", "0001_initial"),
        ("orders", "0001_initial"),
        ("reviews", "0001_initial"),
        ("checkout", "0002_initial"),
        ("cart", "0001_initial"),
        ("preferences", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
