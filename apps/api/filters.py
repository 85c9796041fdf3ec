"""Filter fields that turn what PostgreSQL would choke on into a 400 instead of a 500, and
refuse what they cannot read instead of ignoring it (the schema documents the same ranges)."""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        if value == "":
            raise forms.ValidationError("Enter a valid ISO 8601 date/time.")
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)  # exotic offsets (e.g. -20:22) become plain UTC
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Enter a valid ISO 8601 date/time.") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# The largest id a bigint column holds: a larger one is a 400, never a database error.
MAX_ID = 2**63 - 1


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (as JSON writes them); anything else is an error, not "unset"."""

    def to_python(self, value):
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Use true or false.")


class StrictIdField(forms.IntegerField):
    """A positive whole id (1 … 2^63-1); an empty value given is an error, not "unset"."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_python(self, value):
        if value == "":
            raise forms.ValidationError("Enter a whole number.")
        return super().to_python(value)


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = StrictIdField
