"""Gateway settings move out of the store's preferences into one row per gateway.

Until now the Stripe keys were three columns of ``preferences.StoreSettings``, so every new
gateway meant new columns there. They are copied here (``stripe`` row: the publishable key as a
value, the secret key and webhook secret as secrets); ``preferences`` 0003 then drops the
columns, and ``run_before`` keeps that order without the platform app depending on payments.
"""

from django.db import migrations, models

# StoreSettings column → (GatewaySettings field, key)
STRIPE_COLUMNS = {
    "stripe_publishable_key": ("values", "publishable_key"),
    "stripe_secret_key": ("secrets", "secret_key"),
    "stripe_webhook_secret": ("secrets", "webhook_secret"),
}


def copy_stripe_keys(apps, schema_editor):
    StoreSettings = apps.get_model("preferences", "StoreSettings")
    GatewaySettings = apps.get_model("payments", "GatewaySettings")
    for row in StoreSettings.objects.all():  # one row per store schema
        stored = {"values": {}, "secrets": {}}
        for column, (kind, key) in STRIPE_COLUMNS.items():
            if getattr(row, column):
                stored[kind][key] = getattr(row, column)
        if stored["values"] or stored["secrets"]:
            GatewaySettings.objects.update_or_create(gateway="stripe", defaults=stored)


def copy_stripe_keys_back(apps, schema_editor):
    StoreSettings = apps.get_model("preferences", "StoreSettings")
    GatewaySettings = apps.get_model("payments", "GatewaySettings")
    stripe = GatewaySettings.objects.filter(gateway="stripe").first()
    if stripe is None:
        return
    StoreSettings.objects.update(
        **{
            column: getattr(stripe, kind).get(key, "")
            for column, (kind, key) in STRIPE_COLUMNS.items()
        }
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("preferences", "0002_storesettings_abandoned_cart_hours"),
    ]
    run_before = [("preferences", "0003_gateway_settings_moved_to_payments")]

    operations = [
        migrations.CreateModel(
            name="GatewaySettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("gateway", models.CharField(max_length=16, unique=True)),
                ("values", models.JSONField(blank=True, default=dict)),
                ("secrets", models.JSONField(blank=True, default=dict)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "gateway settings",
                "verbose_name_plural": "gateway settings",
            },
        ),
        migrations.RunPython(copy_stripe_keys, copy_stripe_keys_back),
    ]
