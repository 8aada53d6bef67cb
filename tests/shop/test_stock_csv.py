"""Variants' stock as CSV by SKU (shop.stock_csv): the export, and the import that applies nothing unless every row
is right."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.factories import product_with_variants
from shop.models import Order, ProductPage, ProductVariant, Stock, StockHold
from shop.stock import StockError, stocks_set
from shop.stock_csv import (
    EXPORT_HEADER,
    MAX_IMPORT_BYTES,
    StockImportError,
    stock_export_rows,
    stock_import,
    stock_import_apply,
    stock_import_parse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(shop_index):
    return product_with_variants(
        parent=shop_index,
        title="Organic cotton tee",
        sku="TEE",
        options={"Size": "S, M", "Colour": "Oat, Black"},
        variants=[
            {"values": ["S", "Oat"], "sku": "TEE-S-OAT", "stock": 3},
            {"values": ["M", "Oat"], "sku": "TEE-M-OAT", "stock": 0},
            {"values": ["M", "Black"], "sku": "TEE-M-BLK", "stock": 12},
        ],
    )


def on_hand(sku: str) -> int:
    return ProductVariant.objects.with_stock().get(sku=sku).stock_on_hand


def csv_bytes(*rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def problems_of(data: bytes) -> list[str]:
    return [str(problem) for problem in stock_import_parse(data=data).problems]


# --- Export -------------------------------------------------------------------------------------------------------


def test_the_export_has_a_row_per_variant_with_its_product_options_on_hand_and_available(tee, make_product, user):
    make_product(title="Brass pen", sku="PEN-77", stock_on_hand=4)
    order = Order.objects.create(number="T-1", user=user, currency="USD", total_amount=1250)
    variant = ProductVariant.objects.get(sku="TEE-M-BLK")
    StockHold.objects.create(
        order=order, product=tee, variant=variant, quantity=5, expires_at=timezone.now() + timedelta(minutes=30)
    )

    rows = list(stock_export_rows())

    assert rows[0] == EXPORT_HEADER == ["sku", "product", "options", "on_hand", "available"]
    assert rows[1:] == [
        ["PEN-77", "Brass pen", "", 4, 4],
        ["TEE-S-OAT", "Organic cotton tee", "S, Oat", 3, 3],
        ["TEE-M-OAT", "Organic cotton tee", "M, Oat", 0, 0],
        ["TEE-M-BLK", "Organic cotton tee", "M, Black", 12, 7],
    ]


def test_the_export_costs_one_query_whatever_the_number_of_variants(tee, make_product, django_assert_num_queries):
    for number in range(5):
        make_product(sku=f"MORE-{number}")

    with django_assert_num_queries(1):
        rows = list(stock_export_rows())

    assert len(rows) == 1 + 3 + 5


def test_the_export_keeps_a_title_from_running_as_a_spreadsheet_formula(make_product):
    make_product(title='=HYPERLINK("http://evil.example")', sku="EVIL-1")

    rows = list(stock_export_rows())

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'


def test_an_exported_file_edited_in_a_spreadsheet_goes_straight_back(tee):
    exported = io.StringIO()
    csv.writer(exported).writerows(stock_export_rows())
    rows = list(csv.reader(io.StringIO(exported.getvalue())))
    for row in rows[1:]:
        if row[0] == "TEE-M-OAT":
            row[3] = "25"

    changed = stock_import(data=csv_bytes(*rows))

    assert changed == 1
    assert (on_hand("TEE-S-OAT"), on_hand("TEE-M-OAT"), on_hand("TEE-M-BLK")) == (3, 25, 12)


# --- Import: what it accepts ----------------------------------------------------------------------------------------


def test_an_import_sets_each_variants_on_hand_and_counts_only_the_figures_that_changed(tee):
    data = csv_bytes(["sku", "on_hand"], ["TEE-S-OAT", "3"], ["TEE-M-OAT", "8"], ["TEE-M-BLK", "0"])

    changed = stock_import(data=data)

    assert changed == 2
    assert (on_hand("TEE-S-OAT"), on_hand("TEE-M-OAT"), on_hand("TEE-M-BLK")) == (3, 8, 0)


def test_an_import_reads_a_spreadsheets_header_spelling_byte_order_mark_extra_columns_and_blank_lines(tee):
    text = "\ufeffNotes,SKU,On hand\r\nrestocked,TEE-S-OAT, 7 \r\n,,\r\n\r\n"

    parsed = stock_import_parse(data=text.encode())

    assert parsed.is_valid, parsed.problems
    assert parsed.rows == 1
    assert stock_import_apply(parsed=parsed) == 1
    assert on_hand("TEE-S-OAT") == 7


def test_an_import_of_a_variant_without_a_stock_row_makes_one(tee):
    Stock.objects.filter(variant__sku="TEE-M-OAT").delete()

    assert stock_import(data=csv_bytes(["sku", "on_hand"], ["TEE-M-OAT", "4"])) == 1

    assert Stock.objects.get(variant__sku="TEE-M-OAT").quantity == 4


def test_an_import_makes_no_page_revision(tee):
    revisions = tee.revisions.count()
    latest = ProductPage.objects.get(pk=tee.pk).latest_revision_id

    stock_import(data=csv_bytes(["sku", "on_hand"], ["TEE-S-OAT", "30"]))

    assert tee.revisions.count() == revisions
    assert ProductPage.objects.get(pk=tee.pk).latest_revision_id == latest


# --- Import: what it refuses, row by row, changing nothing -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-2", "Row 2: TEE-S-OAT: on hand cannot be negative (-2)."),
        ("2.5", "Row 2: TEE-S-OAT: on hand must be a whole number, not '2.5'."),
        ("abc", "Row 2: TEE-S-OAT: on hand must be a whole number, not 'abc'."),
        ("1,000", "Row 2: TEE-S-OAT: on hand must be a whole number, not '1,000'."),
        ("", "Row 2: TEE-S-OAT: on hand is empty: give a whole number (0 for none)."),
        ("99999999999", "Row 2: TEE-S-OAT: on hand 99999999999 is too large."),
    ],
)
def test_a_bad_number_is_reported_on_its_row_and_nothing_is_applied(tee, raw, message):
    data = csv_bytes(["sku", "on_hand"], ["TEE-S-OAT", raw], ["TEE-M-BLK", "40"])

    assert problems_of(data) == [message]
    with pytest.raises(StockImportError):
        stock_import(data=data)

    assert (on_hand("TEE-S-OAT"), on_hand("TEE-M-BLK")) == (3, 12)


def test_every_problem_of_the_file_is_reported_with_its_row_and_nothing_is_applied(tee):
    data = csv_bytes(
        ["sku", "on_hand"],
        ["TEE-S-OAT", "9"],
        ["TEE-XL-RED", "4"],
        ["TEE-M-OAT", "-1"],
        ["", "5"],
        ["TEE-S-OAT", "10"],
        ["TEE-M-BLK", "11"],
    )

    assert problems_of(data) == [
        "Row 3: unknown SKU TEE-XL-RED: no variant of any product has it.",
        "Row 4: TEE-M-OAT: on hand cannot be negative (-1).",
        "Row 5: no SKU.",
        "Row 6: SKU TEE-S-OAT is also on row 2: give each SKU once.",
    ]
    with pytest.raises(StockImportError) as refused:
        stock_import(data=data)

    assert len(refused.value.problems) == 4
    assert (on_hand("TEE-S-OAT"), on_hand("TEE-M-OAT"), on_hand("TEE-M-BLK")) == (3, 0, 12)


def test_a_sku_is_matched_exactly_as_written(tee):
    assert problems_of(csv_bytes(["sku", "on_hand"], ["tee-s-oat", "1"])) == [
        "Row 2: unknown SKU tee-s-oat: no variant of any product has it."
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (csv_bytes(["TEE-S-OAT", "5"], ["TEE-M-OAT", "6"]), "Row 1: the header lacks the column sku and on_hand"),
        (csv_bytes(["sku", "quantity"], ["TEE-S-OAT", "5"]), "Row 1: the header lacks the column on_hand:"),
        (csv_bytes(["sku", "on_hand", "sku"], ["TEE-S-OAT", "5", "X"]), "Row 1: the header names the column sku twice"),
        (b"", "The file is empty"),
        (b"\n\n", "The file is empty"),
        (csv_bytes(["sku", "on_hand"]), "The file has no rows below its header"),
        ("sku,on_hand\nTEE-S-OAT,5\n".encode("utf-16"), "The file is not UTF-8 text"),
        (b'sku,on_hand\n"TEE-S-OAT"x,5\n', "The file is not a readable CSV file"),
        (b"sku,on_hand\n" + b"x" * MAX_IMPORT_BYTES, "The file is larger than 2 MB"),
    ],
    ids=["no-header", "no-on-hand", "twice", "empty", "blank", "header-only", "utf16", "bad-quote", "too-big"],
)
def test_a_file_that_is_not_a_stock_file_is_refused_and_nothing_is_applied(tee, data, message):
    problems = problems_of(data)

    assert len(problems) == 1 and problems[0].startswith(message), problems
    with pytest.raises(StockImportError):
        stock_import(data=data)
    assert on_hand("TEE-S-OAT") == 3


def test_a_variant_deleted_between_the_check_and_the_apply_stops_the_whole_import(tee):
    parsed = stock_import_parse(data=csv_bytes(["sku", "on_hand"], ["TEE-S-OAT", "9"], ["TEE-M-OAT", "9"]))
    assert parsed.is_valid
    ProductVariant.objects.filter(sku="TEE-M-OAT").delete()

    with pytest.raises(StockImportError, match="no longer exist"):
        stock_import_apply(parsed=parsed)

    assert on_hand("TEE-S-OAT") == 3


def test_stocks_set_refuses_a_negative_figure_and_changes_nothing(tee):
    ids = dict(ProductVariant.objects.values_list("sku", "pk"))

    with pytest.raises(StockError):
        stocks_set(quantities={ids["TEE-S-OAT"]: 5, ids["TEE-M-OAT"]: -1})

    assert (on_hand("TEE-S-OAT"), on_hand("TEE-M-OAT")) == (3, 0)


@pytest.mark.postgres
def test_an_import_locks_the_variant_rows_first_in_ascending_id_as_checkouts_do(tee):
    ids = sorted(ProductVariant.objects.values_list("pk", flat=True))
    data = csv_bytes(["sku", "on_hand"], *[[sku, "50"] for sku in ("TEE-M-BLK", "TEE-S-OAT", "TEE-M-OAT")])
    parsed = stock_import_parse(data=data)

    with CaptureQueriesContext(connection) as queries:
        stock_import_apply(parsed=parsed)

    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    lock = next(sql for sql in statements if "FOR UPDATE" in sql)
    assert statements.index(lock) < min(i for i, sql in enumerate(statements) if 'UPDATE "shop_stock"' in sql)
    assert 'FOR UPDATE OF "shop_productvariant"' in lock
    assert 'ORDER BY "shop_productvariant"."id" ASC' in lock
    assert all(str(pk) in lock for pk in ids)
