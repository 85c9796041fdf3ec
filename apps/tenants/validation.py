"""Rules for store slugs: they become a schema name and a host name, so both must accept them."""

import re

from django.core.exceptions import ValidationError

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "public", "www", "admin", "api", "static", "media", "mail", "email", "smtp", "ftp",
        "app", "apps", "platform", "dashboard", "help", "support", "status", "docs", "blog",
        "store", "stores", "shop", "signup", "login", "account", "accounts", "billing",
        "cdn", "assets", "root", "test", "template", "store-template", "information-schema",
        "localhost", "mercato",
    }
)  # fmt: skip


def validate_store_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            "Use 3–30 lowercase letters, digits or hyphens, starting with a letter and not "
            "ending with a hyphen.",
            code="invalid_slug",
        )
    if "--" in slug:
        raise ValidationError("Hyphens cannot be doubled.", code="invalid_slug")
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        raise ValidationError(f"“{slug}” is reserved; please choose another.", code="reserved_slug")
