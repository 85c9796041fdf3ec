"""Stock per location travels with the product CSV: export, import, round trip, ledger rows."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from apps.catalog import product_export, product_import
from apps.catalog.models import Product, Variant
from apps.core.exceptions import DomainError
from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel, StockMovement, Warehouse
from tests.factories.inventory import WarehouseFactory

HEADER = "handle,name,status,option1_name,option1_value,sku,price"
ROWS = (
    "sun-tee,Sun Tee,active,Size,S,SUN-S,20.00",
    "sun-tee,,,Size,M,SUN-M,20.00",
    "moon-mug,Moon Mug,active,,,MOON,9.50",
)


def _csv(extra_header: str, cells: list[str]) -> str:
    lines = [f"{HEADER},{extra_header}"]
    lines += [f"{row},{cell}" for row, cell in zip(ROWS, cells, strict=True)]
    return "\n".join(lines) + "\n"


def _import(text: str, **kwargs):
    return product_import.import_products(io.StringIO(text), **kwargs)


def _on_hand() -> dict[tuple[str, str], int]:
    return {
        (sku, name): on_hand
        for sku, name, on_hand in StockLevel.objects.values_list(
            "variant__sku", "warehouse__name", "on_hand"
        )
    }


def _ledger_is_whole() -> bool:
    for level in StockLevel.objects.all():
        moved = StockMovement.objects.filter(
            variant_id=level.variant_id, warehouse_id=level.warehouse_id
        ).aggregate(total=Sum("delta"))["total"]
        if (moved or 0) != level.on_hand:
            return False
    return True


@pytest.fixture
def locations(db):
    return (
        WarehouseFactory(name="Main warehouse", priority=10),
        WarehouseFactory(name="Overflow", priority=20),
    )


@pytest.mark.django_db
def test_import_sets_stock_per_location_as_import_ledger_rows(locations):
    text = _csv("stock:Main warehouse,stock:Overflow", ["5,2", "0,", ",7"])

    report = _import(text)

    assert _on_hand() == {
        ("SUN-S", "Main warehouse"): 5,
        ("SUN-S", "Overflow"): 2,
        ("MOON", "Overflow"): 7,
    }
    assert set(StockMovement.objects.values_list("reason", "note")) == {
        ("import", "Product CSV import")
    }
    assert StockMovement.objects.count() == 3
    assert report.notes == ["stock: 3 level(s) changed at Main warehouse, Overflow"]
    assert _ledger_is_whole()


@pytest.mark.django_db
def test_plain_stock_column_goes_to_the_default_location(locations):
    _import(_csv("stock", ["4", "", "1"]))

    assert _on_hand() == {("SUN-S", "Main warehouse"): 4, ("MOON", "Main warehouse"): 1}


@pytest.mark.django_db
def test_a_count_is_absolute_reimporting_it_writes_nothing_and_a_new_count_writes_the_difference(
    locations,
):
    _import(_csv("stock:Main warehouse", ["5", "3", "1"]))
    _import(_csv("stock:Main warehouse", ["5", "3", "1"]))
    assert StockMovement.objects.count() == 3

    _import(_csv("stock:Main warehouse", ["2", "", "9"]))

    assert _on_hand()[("SUN-S", "Main warehouse")] == 2
    assert _on_hand()[("SUN-M", "Main warehouse")] == 3  # blank: left alone
    assert sorted(StockMovement.objects.values_list("delta", flat=True)) == [-3, 1, 3, 5, 8]
    assert _ledger_is_whole()


@pytest.mark.django_db
def test_export_carries_one_column_per_location_and_round_trips_into_an_empty_catalogue(
    locations,
):
    main, overflow = locations
    _import(_csv("stock:Main warehouse,stock:Overflow", ["5,2", "0,", ",7"]))
    out = io.StringIO()

    product_export.export_products(out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    StockMovement.objects.all().delete()
    StockLevel.objects.all().delete()
    Variant.objects.all().delete()
    Product.objects.all().delete()
    Warehouse.objects.filter(pk=overflow.pk).delete()  # the file brings it back
    _import(out.getvalue())

    assert [(r["sku"], r["stock:Main warehouse"], r["stock:Overflow"]) for r in exported] == [
        ("SUN-S", "5", "2"),
        ("SUN-M", "", ""),  # a count of 0 where there was no stock makes no stock row
        ("MOON", "", "7"),
    ]
    assert _on_hand() == {
        ("SUN-S", "Main warehouse"): 5,
        ("SUN-S", "Overflow"): 2,
        ("MOON", "Overflow"): 7,
    }
    assert Warehouse.objects.filter(name="Overflow").count() == 1
    assert _ledger_is_whole()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("-1", "stock:Main warehouse must be a whole number of units"),
        ("2.5", "stock:Main warehouse must be a whole number of units"),
        ("lots", "stock:Main warehouse must be a whole number of units"),
        ("99999999999", "stock:Main warehouse must be a whole number of units"),
    ],
)
def test_a_bad_stock_cell_is_a_row_error_and_nothing_is_imported(locations, cell, reason):
    with pytest.raises(product_import.ImportFailed) as failure:
        _import(_csv("stock:Main warehouse", ["1", cell, "1"]))

    assert failure.value.errors[0][0] == 3 and reason in failure.value.errors[0][1]
    assert not Product.objects.exists() and not StockLevel.objects.exists()


@pytest.mark.django_db
def test_header_problems_are_reported_before_any_row(locations):
    with pytest.raises(product_import.ImportFailed) as failure:
        _import(_csv("stock,stock:main warehouse", ["1,1", ",", ","]))

    assert failure.value.errors[0][0] == 1
    assert "both set the default location" in failure.value.errors[0][1]


@pytest.mark.django_db
def test_a_count_below_what_checkouts_hold_is_refused_with_its_line(locations):
    main, _ = locations
    _import(_csv("stock:Main warehouse", ["5", "5", "5"]))
    variant = Variant.objects.get(sku="SUN-M")
    inventory_services.reserve(reference="checkout:abc", lines=[(variant.id, 4)])

    with pytest.raises(product_import.ImportFailed) as failure:
        _import(_csv("stock:Main warehouse", ["1", "3", "1"]))

    assert failure.value.errors == [
        (3, "stock:Main warehouse 3 is below the 4 units checkouts hold there")
    ]
    assert _on_hand()[("SUN-S", "Main warehouse")] == 5  # nothing changed


@pytest.mark.django_db
def test_a_store_without_locations_gets_its_default_one_from_the_plain_column(store):
    _import(_csv("stock", ["3", "", ""]))

    assert _on_hand() == {("SUN-S", "Main warehouse"): 3}


@pytest.mark.django_db
def test_commands_carry_stock_both_ways(tmp_path, store, locations, capsys):
    source = tmp_path / "in.csv"
    source.write_text(_csv("stock:Overflow", ["6", "", ""]), encoding="utf-8")
    target = tmp_path / "out.csv"

    call_command("import_products", str(source), "--store", store.schema_name)
    call_command("export_products", "--store", store.schema_name, "-o", str(target))

    assert "stock: 1 level(s) changed at Overflow" in capsys.readouterr().out
    header = target.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",stock:Main warehouse,stock:Overflow")


@pytest.mark.django_db
def test_dashboard_import_and_export_carry_stock(store_client, locations):
    from io import BytesIO

    from django.contrib.auth import get_user_model

    store_client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    upload = BytesIO(_csv("stock:Overflow", ["2", "", "4"]).encode())
    upload.name = "products.csv"

    imported = store_client.post("/admin/catalog/product/import/", {"file": upload}, follow=True)
    exported = store_client.post(
        "/admin/catalog/product/",
        {
            "action": "export_csv",
            "_selected_action": list(Product.objects.values_list("pk", flat=True)),
        },
    )

    assert "Stock: 2 level(s) changed at Overflow." in imported.content.decode()
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert {r["sku"]: r["stock:Overflow"] for r in rows} == {"SUN-S": "2", "SUN-M": "", "MOON": "4"}


@pytest.mark.django_db
def test_set_stock_levels_refuses_unknown_items_and_bad_counts_and_changes_nothing(locations):
    main, _ = locations
    _import(_csv("stock:Main warehouse", ["5", "", ""]))
    variant = Variant.objects.get(sku="SUN-S")

    for levels in ([(variant.id, main.id, -1)], [(variant.id, 999_999, 1)], [(0, main.id, 1)]):
        with pytest.raises(DomainError) as failure:
            inventory_services.set_stock_levels(levels=levels)
        assert failure.value.code in {"invalid_quantity", "unknown_stock_item"}

    assert _on_hand() == {("SUN-S", "Main warehouse"): 5}
