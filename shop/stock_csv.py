"""Variants' stock as CSV, by SKU: the file editors download, and the import that sets units on hand from it.

The export has one row per variant: sku, product, options, on_hand, available. The import reads the columns `sku`
and `on_hand` by their names in the first row (any others, such as the export's product and options, are ignored,
so an exported file edited in a spreadsheet goes straight back). It is all or nothing: every row is checked first
(unknown SKU, a figure that is not a whole number of at least 0, a SKU given twice, a missing header) and each
problem reported with its row number; only a file without a single problem is applied, in one transaction
(shop.stock.stocks_set, which locks the variant rows in shop.holds' order).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from shop.models import ProductVariant
from shop.stock import StockError, stocks_set

EXPORT_HEADER = ["sku", "product", "options", "on_hand", "available"]
SKU_COLUMN = "sku"
ON_HAND_COLUMN = "on_hand"
# A stock file of even tens of thousands of variants is well under this; more is a wrong file, not a big shop.
MAX_IMPORT_BYTES = 2_000_000
# Stock.quantity is a PositiveIntegerField: its top on every database Django supports.
MAX_ON_HAND = 2_147_483_647
LOOKUP_BATCH = 500
WHOLE_NUMBER = re.compile(r"\d+")
NEGATIVE_NUMBER = re.compile(r"-\s*\d+(\.\d*)?")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): product titles and option values
# are editors' free text, so they go out with a leading apostrophe. SKUs cannot start with one (SKU_VALIDATOR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowProblem:
    """Why one row (numbered as a spreadsheet numbers it: the header is row 1) cannot be applied; row 0 is the
    file as a whole."""

    row: int
    message: str
    sku: str = ""

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}" if self.row else self.message


@dataclass
class StockImport:
    """A parsed stock file: the figures to set (variant id → units on hand) and every problem found."""

    quantities: dict[int, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0

    @property
    def is_valid(self) -> bool:
        return not self.problems


class StockImportError(Exception):
    """A stock file that was not applied; nothing changed. `problems` says why, row by row."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def _spreadsheet_safe(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def stock_export_rows() -> Iterator[list]:
    """The header, then one row per variant, by product title: its SKU, product, option values, units on hand and
    units available now (on hand minus live holds; for reading only, the import ignores it). One query, read in
    chunks, whatever the number of variants."""
    yield EXPORT_HEADER
    variants = (
        ProductVariant.objects.select_related("product")
        .with_availability()
        .order_by("product__title", "product_id", "sort_order", "pk")
    )
    for variant in variants.iterator(chunk_size=2000):
        yield [
            variant.sku,
            _spreadsheet_safe(variant.product.title),
            _spreadsheet_safe(variant.label),
            variant.stock_on_hand,
            variant.available_quantity,
        ]


def _column_names(header: list[str]) -> list[str]:
    """ "SKU", " On hand " and "on_hand" all name the same column."""
    return [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]


def _on_hand_problem(raw: str) -> str | None:
    if not raw:
        return "on hand is empty: give a whole number (0 for none)."
    if NEGATIVE_NUMBER.fullmatch(raw):
        return f"on hand cannot be negative ({raw})."
    if not WHOLE_NUMBER.fullmatch(raw):
        return f"on hand must be a whole number, not {raw!r}."
    if int(raw) > MAX_ON_HAND:
        return f"on hand {raw} is too large."
    return None


def _read_rows(data: bytes) -> tuple[list[list[str]] | None, RowProblem | None]:
    if len(data) > MAX_IMPORT_BYTES:
        return None, RowProblem(0, f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB: split it in two.")
    try:
        # utf-8-sig: the byte-order mark spreadsheets put first would otherwise stick to the first column's name.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, RowProblem(0, "The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”.")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True)), None
    except csv.Error as error:
        return None, RowProblem(0, f"The file is not a readable CSV file ({error}).")


def _variant_ids_by_sku(skus: list[str]) -> dict[str, int]:
    """Variant ids of these SKUs (exactly as written), in batches that stay under every database's parameter cap."""
    found: dict[str, int] = {}
    for start in range(0, len(skus), LOOKUP_BATCH):
        batch = skus[start : start + LOOKUP_BATCH]
        found.update(ProductVariant.objects.filter(sku__in=batch).values_list("sku", "pk"))
    return found


def stock_import_parse(*, data: bytes) -> StockImport:
    """Check a stock file (the bytes uploaded) without changing anything: every row's problem, or the figures to
    set. One query per 500 SKUs."""
    result = StockImport()
    rows, problem = _read_rows(data)
    if problem is not None:
        result.problems.append(problem)
        return result
    if not rows or not any(cell.strip() for cell in rows[0]):
        result.problems.append(
            RowProblem(0, f"The file is empty: its first row must name the columns {SKU_COLUMN} and {ON_HAND_COLUMN}.")
        )
        return result
    names = _column_names(rows[0])
    missing = [name for name in (SKU_COLUMN, ON_HAND_COLUMN) if name not in names]
    twice = [name for name in (SKU_COLUMN, ON_HAND_COLUMN) if names.count(name) > 1]
    if missing:
        result.problems.append(
            RowProblem(
                1,
                f"the header lacks the column {' and '.join(missing)}: the first row must name the columns "
                f"{SKU_COLUMN} and {ON_HAND_COLUMN}, as the export does.",
            )
        )
    elif twice:
        result.problems.append(RowProblem(1, f"the header names the column {twice[0]} twice: which one counts?"))
    if result.problems:
        return result
    sku_at, on_hand_at = names.index(SKU_COLUMN), names.index(ON_HAND_COLUMN)

    figures: dict[str, int] = {}  # sku → units on hand
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        result.rows += 1
        sku = cells[sku_at].strip() if sku_at < len(cells) else ""
        raw = cells[on_hand_at].strip() if on_hand_at < len(cells) else ""
        if not sku:
            result.problems.append(RowProblem(number, "no SKU."))
            continue
        if sku in first_row_of:
            result.problems.append(
                RowProblem(number, f"SKU {sku} is also on row {first_row_of[sku]}: give each SKU once.", sku)
            )
            continue
        first_row_of[sku] = number
        message = _on_hand_problem(raw)
        if message is not None:
            result.problems.append(RowProblem(number, f"{sku}: {message}", sku))
            continue
        figures[sku] = int(raw)

    if not result.rows:
        result.problems.append(RowProblem(0, "The file has no rows below its header: nothing to change."))
    known = _variant_ids_by_sku(list(first_row_of))
    for sku, number in first_row_of.items():
        if sku not in known:
            result.problems.append(RowProblem(number, f"unknown SKU {sku}: no variant of any product has it.", sku))
    result.problems.sort(key=lambda problem: problem.row)
    if not result.problems:
        result.quantities = {known[sku]: quantity for sku, quantity in figures.items()}
    return result


def stock_import_apply(*, parsed: StockImport) -> int:
    """Set every variant's units on hand from a parsed file with no problems, in one transaction; returns how many
    variants' figures changed. Refuses (StockImportError, nothing changed) a file with problems, or one whose
    variants were deleted since it was checked."""
    if not parsed.is_valid:
        raise StockImportError(parsed.problems)
    try:
        return stocks_set(quantities=parsed.quantities)
    except StockError as error:
        raise StockImportError([RowProblem(0, str(error))]) from None


def stock_import(*, data: bytes) -> int:
    """Check and apply a stock file in one go (see stock_import_parse and stock_import_apply)."""
    return stock_import_apply(parsed=stock_import_parse(data=data))
