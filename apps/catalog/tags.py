"""Product tags: free-form merchandising labels ("summer", "gift idea").

Stored lower-cased on ``Product.tags`` (an array with a GIN index), so "Summer" and "summer"
are one tag and a tag rule of an automated collection is one index lookup.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

MAX_TAG_LENGTH = 60
MAX_TAGS = 50


def normalize_tags(raw: str | Iterable[str] | None) -> list[str]:
    """Tags from a comma-separated string or a list: trimmed, inner spaces collapsed,
    lower-cased, without blanks or duplicates, in the order given.

    Raises ``ValidationError`` for a tag longer than 60 characters or more than 50 tags.
    """
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError("Tags must be text.", code="invalid_tag")
        tag = " ".join(item.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                f"A tag can be at most {MAX_TAG_LENGTH} characters: “{tag[:20]}…”.",
                code="tag_too_long",
            )
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"A product can have at most {MAX_TAGS} tags.", code="too_many_tags")
    return tags


def format_tags(tags: Iterable[str]) -> str:
    """The comma-separated form (admin input, CSV column)."""
    return ", ".join(tags)
