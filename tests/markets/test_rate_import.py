"""Exchange rates from an ECB-format file: the command and the admin upload."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.markets.models import Market

pytestmark = pytest.mark.django_db

ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
  xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube><Cube time="2026-12-04">
    <Cube currency="USD" rate="1.0876"/>
    <Cube currency="JPY" rate="163.52"/>
    <Cube currency="GBP" rate="0.8571"/>
  </Cube></Cube>
</gesmes:Envelope>"""
ECB_CSV = b"Date, USD, JPY, GBP, \n04 December 2026, 1.0876, 163.52, 0.8571, \n"


def test_command_sets_rates_per_unit_of_the_store_currency(markets, tmp_path, store):
    path = tmp_path / "eurofxref-daily.xml"
    path.write_bytes(ECB_XML)

    call_command("import_exchange_rates", str(path), store=store.schema_name)

    eur, jpy, kwd = (Market.objects.get(currency=c) for c in ("EUR", "JPY", "KWD"))
    assert eur.exchange_rate == Decimal("0.91945568")  # 1 / 1.0876
    assert jpy.exchange_rate == Decimal("150.34939316")  # 163.52 / 1.0876
    assert eur.rate_source == "ECB file 2026-12-04" and eur.rate_updated_at is not None
    assert kwd.exchange_rate == Decimal("0.3071")  # not in the file: unchanged


def test_command_reads_the_ecb_csv_too(markets, tmp_path, store):
    path = tmp_path / "eurofxref.csv"
    path.write_bytes(ECB_CSV)

    call_command("import_exchange_rates", str(path), store=store.schema_name)

    assert Market.objects.get(currency="JPY").exchange_rate == Decimal("150.34939316")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Cube><Cube currency='JPY' rate='abc'/>", "cannot be read"),
        (b"<Cube><Cube currency='JPY' rate='abc'/></Cube>", "not a number"),
        (b"<Cube><Cube currency='JPY' rate='-1'/></Cube>", "positive"),
        (b"<Cube><Cube currency='JPY' rate='163.5'/></Cube>", "store's currency, USD"),
        (b"Date, USD\n", "header"),
        (b"", "no exchange rates"),
    ],
)
def test_a_bad_file_is_a_clear_error_and_changes_nothing(
    markets, tmp_path, store, content, message
):
    path = tmp_path / ("rates.xml" if content.startswith(b"<") else "rates.csv")
    path.write_bytes(content)
    before = list(Market.objects.values_list("currency", "exchange_rate", "rate_updated_at"))

    with pytest.raises(CommandError, match=message):
        call_command("import_exchange_rates", str(path), store=store.schema_name)

    after = list(Market.objects.values_list("currency", "exchange_rate", "rate_updated_at"))
    assert after == before


def test_admin_upload_imports_rates_and_reports_a_bad_file(markets, store_client, store):
    from django.contrib.auth import get_user_model

    from tests.conftest import STORE_SPEC

    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))
    url = "/admin/markets/market/import-rates/"

    bad = store_client.post(url, {"file": SimpleUploadedFile("r.xml", b"<Cube>")})
    good = store_client.post(url, {"file": SimpleUploadedFile("r.xml", ECB_XML)})

    assert bad.status_code == 200 and "Nothing was changed" in bad.content.decode()
    assert good.status_code == 302
    assert Market.objects.get(currency="EUR").exchange_rate == Decimal("0.91945568")
    listing = store_client.get("/admin/markets/market/")
    assert "Import exchange rates" in listing.content.decode()
