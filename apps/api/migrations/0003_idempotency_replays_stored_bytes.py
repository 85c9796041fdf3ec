"""Idempotency replays answer the first response's bytes: store them instead of a JSON value.

Keys still within their 24 hours keep replaying: their stored value is rendered once here
(compact JSON, DRF's separators); only keys completed from now on replay byte for byte.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models


def render_stored_bodies(apps, schema_editor):
    IdempotencyKey = apps.get_model("api", "IdempotencyKey")
    for row in IdempotencyKey.objects.exclude(response_body=None).iterator():
        body = json.dumps(row.response_body, cls=DjangoJSONEncoder, separators=(",", ":"))
        row.response_content = body.encode()
        row.response_content_type = "application/json"
        row.save(update_fields=["response_content", "response_content_type"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_gift_card_scopes"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="response_content",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="idempotencykey",
            name="response_content_type",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(render_stored_bodies, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="idempotencykey",
            name="response_body",
        ),
    ]
