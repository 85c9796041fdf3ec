import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.catalog import product_export, product_import
from apps.catalog.models import Category, OptionValue, Product, Variant
from apps.search import selectors as search_selectors
from apps.search.query import SearchQuery

HEADER = (
    "handle,name,description,status,category,brand,option1_name,option1_value,"
    "option2_name,option2_value,sku,price,compare_at_price,weight_grams,active\n"
)
GOOD = (
    "sun-tee,Sun Tee,Soft cotton,active,Apparel > Tees,Northwind,Size,S,Color,Red,"
    "SUN-S-RED,20.00,25.00,200,true\n"
    "sun-tee,,,,,,Size,M,Color,Red,SUN-M-RED,21.00,,200,true\n"
    "moon-mug,Moon Mug,,draft,Home,,,,,,MOON-MUG,9.50,,,\n"
)


def run_import(text: str, **kwargs):
    return product_import.import_products(io.StringIO(text), **kwargs)


@pytest.mark.django_db
def test_import_creates_products_variants_options_and_category_path():
    report = run_import(HEADER + GOOD)

    tee = Product.objects.get(slug="sun-tee")
    assert (report.products_created, report.variants_created) == (2, 3)
    assert tee.category.name == "Tees" and tee.category.parent.name == "Apparel"
    assert list(tee.options.values_list("name", flat=True)) == ["Size", "Color"]
    m = Variant.objects.get(sku="SUN-M-RED")
    assert m.price == Decimal("21.00") and m.name == "M / Red"
    assert sorted(v.value for v in m.option_values.all()) == ["M", "Red"]
    assert Product.objects.get(slug="moon-mug").status == "draft"


@pytest.mark.django_db
def test_imported_active_products_are_searchable_at_once():
    run_import(HEADER + GOOD)

    result = search_selectors.search_products(query=SearchQuery(text="tee"))

    assert result.total == 1
    assert result.facets.options["Size"][0].count == 1


@pytest.mark.django_db
def test_a_file_with_three_bad_rows_reports_their_lines_and_imports_nothing():
    text = (
        HEADER
        + GOOD
        + "bad handle!,X,,,,,,,,,X-1,1.00,,,\n"  # line 5
        + "ok-one,Ok One,,,,,,,,,OK-1,1.00,,,\n"
        + "ok-two,Ok Two,,,,,,,,,OK-2,abc,,,\n"  # line 7
        + "ok-three,Ok Three,,,,,,,,,SUN-S-RED,3.00,,,\n"  # line 8: duplicate SKU
    )

    with pytest.raises(product_import.ImportFailed) as failure:
        run_import(text)

    assert [line for line, _ in failure.value.errors] == [5, 7, 8]
    assert "price “abc” is not a number" in failure.value.errors[1][1]
    assert "already on line 2" in failure.value.errors[2][1]
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_skip_invalid_imports_the_good_rows_and_reports_the_bad():
    text = HEADER + GOOD + "ok-two,Ok Two,,,,,,,,,OK-2,-3,,,\n"

    report = run_import(text, skip_invalid=True)

    assert report.errors == [(5, "price must be zero or more")]
    assert report.imported_rows == 3
    assert Product.objects.count() == 2


@pytest.mark.django_db
def test_reimport_updates_existing_products_and_variants():
    run_import(HEADER + GOOD)

    report = run_import(
        HEADER + "sun-tee,Sun Tee II,,active,Apparel > Tees,,Size,S,Color,Red,SUN-S-RED,18.00,,,\n"
    )

    assert (report.products_updated, report.variants_updated) == (1, 1)
    assert Product.objects.get(slug="sun-tee").name == "Sun Tee II"
    assert Variant.objects.get(sku="SUN-S-RED").price == Decimal("18.00")
    assert Variant.objects.filter(product__slug="sun-tee").count() == 2
    assert Category.objects.filter(name="Tees").count() == 1
    assert OptionValue.objects.filter(option__product__slug="sun-tee", value="Red").count() == 1


@pytest.mark.django_db
def test_a_sku_of_another_product_is_refused():
    run_import(HEADER + GOOD)

    with pytest.raises(product_import.ImportFailed) as failure:
        run_import(HEADER + "other,Other,,,,,,,,,MOON-MUG,1.00,,,\n")

    assert failure.value.errors == [(2, "sku MOON-MUG belongs to product “moon-mug”")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x,,,,,,,,,,X,1,,,", "name is required on the first row of a product"),
        ("x,X,,gone,,,,,,,X,1,,,", "status “gone” must be draft, active or archived"),
        ("x,X,,,,,Size,,,,X,1,,,", "option1_name and option1_value go together"),
        ("x,X,,,,,,,,,X,1.001,,,", "price must have at most 2 decimals and 10 digits before them"),
        ("x,X,,,,,,,,,X,1,,heavy,", "weight_grams must be a whole number of grams"),
        ("x,X,,,,,,,,,X,1,,,perhaps", "active must be true or false, not “perhaps”"),
        ("x,X,,,,,,,,,,1,,,", "sku is required"),
        ("x,X,,,,,,,,,X,1,,,,extra", "more fields than the header has columns"),
    ],
)
def test_each_bad_row_says_why(row, reason):
    with pytest.raises(product_import.ImportFailed) as failure:
        run_import(HEADER + row + "\n")

    assert failure.value.errors == [(2, reason)]


@pytest.mark.django_db
def test_rows_of_one_product_must_agree():
    text = HEADER + GOOD + "sun-tee,Other Name,,,,,Size,L,Color,Red,SUN-L,1.00,,,\n"

    with pytest.raises(product_import.ImportFailed) as failure:
        run_import(text)

    assert failure.value.errors == [(5, "name differs from line 2")]


def test_a_header_without_required_columns_is_refused_before_reading_rows():
    with pytest.raises(product_import.ImportFailed) as failure:
        run_import("handle,name,colour\nx,X,red\n")

    assert failure.value.errors[0][0] == 1
    assert "missing column(s) price, sku" in failure.value.errors[0][1]
    assert "unknown column(s) colour" in failure.value.errors[0][1]


@pytest.mark.django_db
def test_export_writes_the_import_format_and_round_trips():
    run_import(HEADER + GOOD)
    out = io.StringIO()

    rows = product_export.export_products(out)
    Product.objects.all().delete()
    report = run_import(out.getvalue())

    assert rows == 3 and report.variants_created == 3
    tee = Product.objects.get(slug="sun-tee")
    assert tee.category.parent.name == "Apparel" and tee.brand == "Northwind"
    assert Variant.objects.get(sku="SUN-S-RED").compare_at_price == Decimal("25.00")


@pytest.mark.django_db
def test_import_command_reports_bad_lines_and_fails(tmp_path, store, capsys):
    path = tmp_path / "products.csv"
    path.write_text(HEADER + GOOD + "x,X,,,,,,,,,X,no,,,\n", encoding="utf-8")

    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_products", str(path), "--store", store.schema_name)

    assert "line 5: price “no” is not a number" in capsys.readouterr().err
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_import_and_export_commands_work_on_a_store(tmp_path, store, capsys):
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD, encoding="utf-8")
    target = tmp_path / "out.csv"

    call_command("import_products", str(source), "--store", store.schema_name)
    call_command("export_products", "--store", store.schema_name, "-o", str(target))

    assert "Imported 3 of 3 rows" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8").count("\n") == 4


def test_import_command_rejects_an_unknown_store(tmp_path, db):
    with pytest.raises(CommandError, match="No store"):
        call_command("import_products", str(tmp_path / "x.csv"), "--store", "nope")


@pytest.mark.django_db
def test_tags_column_imports_normalised_tags_exports_them_and_its_absence_keeps_them():
    run_import(
        "handle,name,option1_name,option1_value,sku,price,tags\n"
        'sun-hat,Sun Hat,Size,S,HAT-S,12.00,"Summer, Gift Idea,summer"\n'
        "sun-hat,,Size,M,HAT-M,12.00,\n"
    )
    run_import(
        "handle,name,option1_name,option1_value,sku,price\nsun-hat,Sun Hat,Size,S,HAT-S,14.00\n"
    )

    out = io.StringIO()
    product_export.export_products(out)

    assert Product.objects.get(slug="sun-hat").tags == ["summer", "gift idea"]
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["tags"] for row in rows] == ["summer, gift idea", ""]


@pytest.mark.django_db
def test_a_tag_longer_than_60_characters_is_a_bad_row():
    with pytest.raises(product_import.ImportFailed) as failed:
        run_import("handle,name,sku,price,tags\nsun-hat,Sun Hat,HAT-S,12.00," + "x" * 61 + "\n")

    assert "tags" in failed.value.errors[0][1]
