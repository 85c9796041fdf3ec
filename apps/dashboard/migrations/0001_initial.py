from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="StoreAdminAccess",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("manage_settings", "Can change the store's settings"),
                    ("manage_staff", "Can invite staff and change their roles"),
                    ("view_reports", "Can view reports and export them"),
                ],
            },
        ),
    ]
