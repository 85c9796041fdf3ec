"""Read exchange-rate files in the European Central Bank's formats (no network needed).

- XML, as ``eurofxref-daily.xml``: ``<Cube time="…"><Cube currency="USD" rate="1.0876"/>…``
- CSV, as ``eurofxref.csv``: a header ``Date, USD, JPY, …`` and one row of values.

Both give units of each currency for one euro; ``rates_per_base`` turns them into units for
one unit of the store's currency.
"""

import csv
import io
import xml.etree.ElementTree as ET  # noqa: S405 (DOCTYPEs refused below; expat limits expansion)
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from apps.markets.exceptions import RateFileInvalid

MAX_BYTES = 1_000_000
EURO = "EUR"


def read_rates(content: bytes, *, filename: str = "") -> tuple[dict[str, Decimal], date | None]:
    """The file's rates per euro and its date. Raises RateFileInvalid."""
    if len(content) > MAX_BYTES:
        raise RateFileInvalid("The rate file is larger than 1 MB.")
    text = content.strip()
    if not text:
        raise RateFileInvalid("The file is empty: it holds no exchange rates.")
    if filename.lower().endswith(".xml") or text.startswith(b"<"):
        rates, day = _read_xml(content)
    else:
        rates, day = _read_csv(content)
    if not rates:
        raise RateFileInvalid("The file holds no exchange rates.")
    return rates, day


def _rate(currency: str, value: str) -> tuple[str, Decimal]:
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise RateFileInvalid(f"“{currency}” is not a currency code.")
    try:
        rate = Decimal((value or "").strip())
    except InvalidOperation as exc:
        raise RateFileInvalid(f"The rate for {code}, “{value}”, is not a number.") from exc
    if not rate.is_finite() or rate <= 0:
        raise RateFileInvalid(f"The rate for {code} must be a positive number.")
    return code, rate


def _read_xml(content: bytes) -> tuple[dict[str, Decimal], date | None]:
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
        raise RateFileInvalid("Rate files with a DOCTYPE or entities are not accepted.")
    try:
        root = ET.fromstring(content)  # noqa: S314 (see the import)
    except ET.ParseError as exc:
        raise RateFileInvalid(f"The XML file cannot be read: {exc}.") from exc
    rates, day = {}, None
    for element in root.iter():
        if not element.tag.endswith("Cube"):
            continue
        if "time" in element.attrib:
            day = _day(element.attrib["time"])
        if "currency" in element.attrib:
            code, rate = _rate(element.attrib["currency"], element.attrib.get("rate", ""))
            rates[code] = rate
    return rates, day


def _read_csv(content: bytes) -> tuple[dict[str, Decimal], date | None]:
    try:
        rows = [row for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) if row]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RateFileInvalid(f"The CSV file cannot be read: {exc}.") from exc
    if len(rows) < 2 or rows[0][0].strip().lower() != "date":
        raise RateFileInvalid("The CSV file needs a header “Date, USD, …” and a row of rates.")
    header, values = rows[0], rows[1]
    rates = dict(
        _rate(code, value)
        for code, value in zip(header[1:], values[1:], strict=False)
        if code.strip()  # the ECB's file ends each line with a comma
    )
    return rates, _day(values[0])


def _day(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


def rates_per_base(rates_per_euro: dict[str, Decimal], base: str) -> dict[str, Decimal]:
    """Units of each currency for one unit of ``base``. Raises RateFileInvalid when the file
    lacks the base currency."""
    per_euro = {**rates_per_euro, EURO: Decimal("1")}
    base = base.upper()
    if base not in per_euro:
        raise RateFileInvalid(f"The file has no rate for the store's currency, {base}.")
    base_rate = per_euro[base]
    return {
        code: (rate / base_rate).quantize(Decimal("0.00000001")) for code, rate in per_euro.items()
    }
