"""Every CSV and Excel file the application writes passes through here, so that text typed by
people (a unit's name, a reason, a campaign's name) is never run as a formula by a spreadsheet.

A spreadsheet program reads a cell that starts with =, +, -, @, a tab or a carriage return as a
formula (or a DDE command: `=HYPERLINK(...)`, `-2+3`, `@SUM(...)`). The rules:

- numbers (Decimal, int, float) stay numbers: bare in CSV, numeric cells in Excel;
- CSV: a text starting with one of those characters gets a leading apostrophe, which spreadsheets
  take as "this is text" (OWASP's advice); a text that is a plain signed number ("-5", "-1.25")
  is left alone, because it is read as that number and runs nothing;
- Excel: text is always written as a text cell (openpyxl would otherwise store "=..." as a live
  formula), and one starting with those characters gets Excel's quote prefix, the same as typing
  an apostrophe before it: the cell shows the text exactly as typed and stays text when edited.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

# The characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")
_NUMBERS = (Decimal, int, float)
# Characters XML 1.0 cannot hold: openpyxl refuses a workbook holding them.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run the text as a formula (a plain signed number cannot)."""
    return text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text)


def csv_cell(value: object) -> str:
    """One CSV cell: None as empty, numbers as written, a formula-like text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, _NUMBERS):
        return str(value)
    text = str(value)
    return "'" + text if starts_like_formula(text) else text


class CsvWriter:
    """A `csv.writer` whose every cell goes through `csv_cell`."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, values: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([csv_cell(value) for value in values])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write several rows."""
        for row in rows:
            self.writerow(row)


class CsvDictWriter(csv.DictWriter):
    """A `csv.DictWriter` whose every cell (the header's too) goes through `csv_cell`."""

    def writerow(self, rowdict: Mapping[str, object]) -> Any:
        """Write one row (the header row comes here too)."""
        return super().writerow({key: csv_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, object]]) -> None:
        """Write several rows, each through `writerow`."""
        for rowdict in rowdicts:
            self.writerow(rowdict)


def xlsx_value(value: object) -> object:
    """The value as a worksheet cell takes it: numbers, dates and None as they are, else text."""
    if value is None or isinstance(value, (*_NUMBERS, date, datetime, time)):
        return value
    return _NOT_IN_XML.sub("", str(value))


def _keep_text(cell: Any) -> None:
    """Mark a cell holding text as text (openpyxl stores a text starting with "=" as a formula)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True


def set_cell(sheet: Any, row: int, column: int, value: object) -> Any:
    """Write a value into a worksheet cell (numbers stay numbers, text stays text); the cell."""
    cell = sheet.cell(row, column)
    cell.value = xlsx_value(value)
    _keep_text(cell)
    return cell


def append_row(sheet: Any, values: Iterable[object]) -> int:
    """Write values into the row below the last one, from column A; the row's number."""
    sheet.append([xlsx_value(value) for value in values])
    row = sheet.max_row
    for cell in sheet[row]:
        _keep_text(cell)
    return row
