"""Filter fields that turn what PostgreSQL would choke on into a 400 instead of a 500."""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)  # exotic offsets (e.g. -20:22) become plain UTC
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Enter a valid ISO 8601 date/time.") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
