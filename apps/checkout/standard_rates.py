"""What a new store's checkout starts with (``services.create_default_checkout_rules``).

Standard VAT/GST rates of countries with one national rate, as in force in 2025. A store in
one of them starts with that rate for its own country; a store elsewhere — including the United
States and Canada, whose sales taxes depend on the state or province — starts with an explicit
"No tax" rate of 0 %, which the merchant replaces in the store admin (Checkout → Tax rates).
Rates change: a store's rate is its own row, never read from this table again.
"""

from decimal import Decimal

STANDARD_TAX_RATES: dict[str, tuple[str, Decimal]] = {
    # European Union
    "AT": ("VAT", Decimal("0.2000")), "BE": ("VAT", Decimal("0.2100")),
    "BG": ("VAT", Decimal("0.2000")), "HR": ("VAT", Decimal("0.2500")),
    "CY": ("VAT", Decimal("0.1900")), "CZ": ("VAT", Decimal("0.2100")),
    "DK": ("VAT", Decimal("0.2500")), "EE": ("VAT", Decimal("0.2400")),
    "FI": ("VAT", Decimal("0.2550")), "FR": ("VAT", Decimal("0.2000")),
    "DE": ("VAT", Decimal("0.1900")), "GR": ("VAT", Decimal("0.2400")),
    "HU": ("VAT", Decimal("0.2700")), "IE": ("VAT", Decimal("0.2300")),
    "IT": ("VAT", Decimal("0.2200")), "LV": ("VAT", Decimal("0.2100")),
    "LT": ("VAT", Decimal("0.2100")), "LU": ("VAT", Decimal("0.1700")),
    "MT": ("VAT", Decimal("0.1800")), "NL": ("VAT", Decimal("0.2100")),
    "PL": ("VAT", Decimal("0.2300")), "PT": ("VAT", Decimal("0.2300")),
    "RO": ("VAT", Decimal("0.2100")), "SK": ("VAT", Decimal("0.2300")),
    "SI": ("VAT", Decimal("0.2200")), "ES": ("VAT", Decimal("0.2100")),
    "SE": ("VAT", Decimal("0.2500")),
    # Elsewhere in Europe
    "GB": ("VAT", Decimal("0.2000")), "NO": ("VAT", Decimal("0.2500")),
    "CH": ("VAT", Decimal("0.0810")), "IS": ("VAT", Decimal("0.2400")),
    # Asia-Pacific and Africa
    "AU": ("GST", Decimal("0.1000")), "NZ": ("GST", Decimal("0.1500")),
    "JP": ("Consumption tax", Decimal("0.1000")), "SG": ("GST", Decimal("0.0900")),
    "ZA": ("VAT", Decimal("0.1500")),
}  # fmt: skip

NO_TAX_NAME = "No tax"

# The one flat rate of a new store's domestic zone, in the store's currency.
DEFAULT_SHIPPING_METHOD = "Standard shipping"
DEFAULT_SHIPPING_PRICE = Decimal("5.00")
