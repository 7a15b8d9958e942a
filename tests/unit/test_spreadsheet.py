"""The shared spreadsheet writer: text never becomes a formula, numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from reform.services.spreadsheet import (
    CsvDictWriter,
    CsvWriter,
    append_row,
    csv_cell,
    set_cell,
    starts_like_formula,
)

DANGEROUS = (
    '=HYPERLINK("http://example.test","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
)


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_puts_an_apostrophe_before_formula_like_text(text):
    assert starts_like_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Sở Tư pháp", "Phường 1", "a=b", "", "5", "1.25"])
def test_csv_leaves_ordinary_text_alone(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("text", ["-5", "-1.25", "-1,25", "+3"])
def test_a_text_that_is_a_plain_signed_number_runs_nothing_and_is_left_alone(text):
    assert not starts_like_formula(text)
    assert csv_cell(text) == text


def test_csv_numbers_stay_numbers_and_none_is_empty():
    assert csv_cell(Decimal("-1.50")) == "-1.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell(2.5) == "2.5"
    assert csv_cell(None) == ""


def test_the_csv_writers_neutralise_every_cell_the_header_too():
    out = io.StringIO()
    writer = CsvWriter(out, lineterminator="\n")
    writer.writerows([["=1+1", Decimal("-2.00")], ["@x", None]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=1+1", "-2.00"], ["'@x", ""]]
    out = io.StringIO()
    writer = CsvDictWriter(out, fieldnames=["=head", "n"], lineterminator="\n")
    writer.writeheader()
    writer.writerows([{"=head": "+1+1", "n": Decimal("93.35")}, {"=head": "ok", "n": None}])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=head", "n"],
        ["'+1+1", "93.35"],
        ["ok", ""],
    ]


def _round_trip(workbook: Workbook) -> tuple[Workbook, bytes]:
    out = io.BytesIO()
    workbook.save(out)
    return load_workbook(io.BytesIO(out.getvalue())), out.getvalue()


def test_excel_text_is_text_with_the_quote_prefix_and_numbers_are_numbers():
    workbook = Workbook()
    sheet = workbook.active
    for column, text in enumerate(DANGEROUS, start=1):
        set_cell(sheet, 1, column, text)
    set_cell(sheet, 2, 1, Decimal("93.35"))
    set_cell(sheet, 2, 2, -4)
    set_cell(sheet, 2, 3, "Sở Tư pháp")
    set_cell(sheet, 2, 4, None)
    # A control character XML cannot hold would make openpyxl refuse the whole workbook.
    set_cell(sheet, 2, 5, "Tên\x01 lạ")
    again, data = _round_trip(workbook)
    sheet = again.active
    for column, text in enumerate(DANGEROUS, start=1):
        cell = sheet.cell(1, column)
        assert cell.data_type == "s" and cell.quotePrefix, text
        # The text as typed, not an apostrophe a reader would see (older openpyxl read a CR
        # back as LF; newer ones keep it).
        assert cell.value in (text, text.replace("\r", "\n"))
    assert sheet.cell(2, 1).value == pytest.approx(93.35) and sheet.cell(2, 1).data_type == "n"
    assert sheet.cell(2, 2).value == -4
    assert sheet.cell(2, 3).value == "Sở Tư pháp" and not sheet.cell(2, 3).quotePrefix
    assert sheet.cell(2, 4).value is None
    assert sheet.cell(2, 5).value == "Tên lạ"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_append_row_writes_below_the_last_row():
    workbook = Workbook()
    sheet = workbook.active
    assert append_row(sheet, ["=a", "b"]) == 1
    assert append_row(sheet, [Decimal(1), "=HYPERLINK(1)"]) == 2
    again, _data = _round_trip(workbook)
    cells = again.active
    assert cells["A1"].value == "=a" and cells["A1"].data_type == "s"
    assert cells["A2"].value == 1 and cells["B2"].data_type == "s" and cells["B2"].quotePrefix


def test_every_export_goes_through_the_shared_writer():
    """A CSV or Excel writer anywhere else would let a formula through; the demo's CSV is the
    input of its own score import, not a file people open."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "reform"
    allowed = {
        root / "services" / "spreadsheet.py",
        root / "services" / "demo.py",
        root / "services" / "demo_emulation.py",  # the clusters file its own import reads
    }
    direct = re.compile(r"csv\.(writer|DictWriter)\(|\.cell\([^()]*,[^()]*,|\.append\(\[")
    offenders = []
    for path in root.rglob("*.py"):
        if path in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        for match in direct.finditer(text):
            # `.append([` is only a worksheet's when the module writes workbooks.
            if match.group(0) == ".append([" and "openpyxl" not in text:
                continue
            offenders.append(f"{path.relative_to(root)}: {match.group(0)}")
    assert not offenders, "write through reform.services.spreadsheet: " + ", ".join(offenders)
