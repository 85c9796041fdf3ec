"""Postal addresses as stored on checkouts and orders (a plain dict, snapshotted on the order)."""

import re

from django.core.exceptions import ValidationError
from django_countries import countries

FIELDS = ("full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
REQUIRED = ("full_name", "line1", "city", "postal_code", "country")
MAX_LENGTH = {"country": 2, "postal_code": 16, "phone": 32}
POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,14}$")


def clean_address(data: dict) -> dict:
    """Return a normalised address or raise ValidationError with one message per bad field."""
    address = {field: str(data.get(field) or "").strip() for field in FIELDS}
    address["country"] = address["country"].upper()
    errors: dict[str, str] = {}
    for field in REQUIRED:
        if not address[field]:
            errors[field] = "This field is required."
    for field, value in address.items():
        if len(value) > MAX_LENGTH.get(field, 120):
            errors[field] = f"At most {MAX_LENGTH.get(field, 120)} characters."
    if address["country"] and address["country"] not in dict(countries):
        errors["country"] = "Choose a country from the list."
    if address["postal_code"] and "postal_code" not in errors:
        if not POSTAL_CODE.match(address["postal_code"]):
            errors["postal_code"] = "Enter a valid postal code."
    if errors:
        raise ValidationError(errors)
    return address


def format_address(address: dict) -> list[str]:
    country = dict(countries).get(address.get("country", ""), address.get("country", ""))
    city_line = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
    lines = [
        address.get("full_name"),
        address.get("line1"),
        address.get("line2"),
        ", ".join(p for p in (city_line, address.get("region")) if p),
        country,
    ]
    return [line for line in lines if line]
