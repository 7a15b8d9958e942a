"""Official outputs: Excel, CSV, the printable/PDF reports, for a campaign and for one unit."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from reform.extensions import db
from reform.models import Block, Campaign, Submission
from reform.models.submissions import SUBMITTED

HEADER = "unit_code,criterion_code,value,note\n"
SELF_VALUES = {
    "1.1": "Đúng hạn",
    "1.2": "yes",
    "1.3": "2",
    "2.1": "10/10",
    "2.2": "1/1",
    "2.3": "3",
    "2.4": "0",
}
# Departments of 19 points: STP 18.5 (97.37), Sở An and SYT 17.5 (92.11, a tie), SC 16 (84.21).
# Wards of 20 points (1.4 applies to wards): P-A 20 (100.00), P-B 18 (90.00).
APPRAISED_13 = {"STP": "2", "SA": "1.5", "SYT": "1.5", "SC": "0.5", "P-A": "2", "P-B": "1"}
SURVEY_31 = {"STP": "3.5", "SA": "3", "SYT": "3", "SC": "2.5", "P-A": "4", "P-B": "3"}
WARD_BLOCK_NAME = "Khối phường/xã: đô thị [loại I] và các đặc khu"
FIGURES = ("self_points", "appraised_points", "survey_points", "points", "max_points", "index")
CAMPAIGN_ROUTES = ("/reports/{code}", "/reports/{code}.pdf", "/reports/{code}/results.xlsx")
CAMPAIGN_ROUTES += ("/reports/{code}/results.csv",)
UNIT_ROUTES = ("/reports/{code}/units/{unit}", "/reports/{code}/units/{unit}.pdf")


def reread() -> None:
    db.session.rollback()
    db.session.expire_all()


@pytest.fixture
def official(app, units, users, make_unit, rules_framework) -> Campaign:
    """Four departments (a tie for second place) and two wards, appraised, surveyed, closed."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.publication import close_appraisal
    from reform.services.scores_import import import_scores

    province = units["province"]
    members = [
        units["own"],
        units["other"],
        make_unit("SA", "Sở An", parent=province),
        make_unit("SC", "Sở Cường", parent=province),
        units["ward"],
        make_unit("P-B", "Phường Bình", kind="ward", block_code="PHUONG", parent=province),
    ]
    ward_block = db.session.scalar(select(Block).where(Block.code == "PHUONG"))
    ward_block.name = WARD_BLOCK_NAME
    db.session.commit()
    day = today()
    campaign = create_campaign(
        "PAR-OFF",
        "Chỉ số CCHC các sở và phường 2025",
        rules_framework,
        PhaseDates(day - timedelta(days=20), day - timedelta(days=10)),
        units=members,
        year=2025,
    )
    own = "".join(
        f"{u},{c},{v},\n" for u in APPRAISED_13 for c, v in SELF_VALUES.items()
    ) + "".join(f"{u},1.4,yes,\n" for u in ("P-A", "P-B"))
    council = "".join(f"{u},1.3,{v},Thiếu hồ sơ\n" for u, v in APPRAISED_13.items())
    survey = "".join(f"{u},3.1,{v},\n" for u, v in SURVEY_31.items())
    for name, text, stage in (
        ("self.csv", own, "self"),
        ("appraisal.csv", council, "appraisal"),
        ("survey.csv", survey, "survey"),
    ):
        report = import_scores(campaign, (HEADER + text).encode(), stage=stage, filename=name)
        assert report.ok, report.errors
    for submission in db.session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        submission.status = SUBMITTED
    db.session.commit()
    for submission in db.session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        close_appraisal(submission, actor=None)
    return campaign


def publish(campaign: Campaign):
    from reform.services.publication import publish as do_publish

    reread()
    return do_publish(db.session.get(Campaign, campaign.id), actor=None)


def document_of(campaign: Campaign) -> dict:
    """The results document every output must carry, and the API's live equivalent."""
    from reform.services.publication import results_document

    reread()
    return results_document(db.session.get(Campaign, campaign.id)).document


def vi(text: str | None) -> str:
    """A document figure as the Vietnamese report prints it: "92.11" -> "92,11"."""
    return "–" if text is None else text.replace(".", ",")


def pdf_text(data: bytes) -> str:
    """The text a reader sees, page after page, with lines joined by spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def read_xlsx(data: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def two_places(value) -> str | None:
    return None if value is None else f"{Decimal(str(value)):.2f}"


# ---- the figures -------------------------------------------------------------------------------


def test_the_document_ranks_with_ties_in_each_block(official):
    document = document_of(official)
    assert document["published"] is False
    wards, departments = document["blocks"]
    assert (wards["code"], departments["code"]) == ("PHUONG", "SBN")
    rows = [(r["rank"], r["unit_code"], r["index"], r["band"]) for r in departments["results"]]
    assert rows == [
        (1, "STP", "97.37", "A"),
        (2, "SA", "92.11", "A"),
        (2, "SYT", "92.11", "A"),
        (4, "SC", "84.21", "B"),
    ]
    assert [(r["rank"], r["unit_code"], r["index"]) for r in wards["results"]] == [
        (1, "P-A", "100.00"),
        (2, "P-B", "90.00"),
    ]


def test_excel_carries_every_figure_in_the_official_layout(login_as, official):
    from reform.services.official import HEADER_ROW

    version = publish(official)
    document = document_of(official)
    # The document every output carries is the published one, as the API serves it.
    assert document == json.loads(version.payload)
    assert json.loads(login_as("leader").get("/api/v1/campaigns/PAR-OFF/results").data) == document
    response = login_as("secretariat").get("/reports/PAR-OFF/results.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="Ket-qua-PAR-OFF-v1.xlsx"' in response.headers["Content-Disposition"]
    workbook = read_xlsx(response.data)
    # A sheet per block (a valid name: at most 31 characters, no []:*?/\), then the bands.
    ward_sheet = "Khối phường-xã- đô thị -loại I-"
    assert len(ward_sheet) <= 31
    assert workbook.sheetnames == [ward_sheet, "Khối SBN", "Xếp loại"]
    for block, name in zip(document["blocks"], workbook.sheetnames, strict=False):
        sheet = workbook[name]
        # Title rows: issuer, national header and motto, date, title, campaign, block, status.
        assert sheet["A1"].value == "UBND TỈNH"
        assert sheet["D1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        assert sheet["D2"].value == "Độc lập - Tự do - Hạnh phúc"
        assert sheet["D3"].value.startswith("…, ngày ")
        assert sheet["A4"].value == "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025"
        assert sheet["A5"].value == "Chỉ số CCHC các sở và phường 2025"
        assert sheet["A6"].value == f"Khối: {block['name']}"
        status = sheet["A7"].value
        assert "phiên bản 1" in status and version.content_hash in status
        assert "Chưa công bố" not in status
        # The headings, bold with borders; frozen below them; printed A4 landscape, one page wide.
        headings = [cell.value for cell in sheet[HEADER_ROW]]
        assert headings == [
            "Xếp hạng",
            "Đơn vị",
            "Điểm tự đánh giá",
            "Điểm thẩm định",
            "Điểm điều tra xã hội học",
            "Điểm",
            "Điểm tối đa",
            "Chỉ số (%)",
            "Xếp loại",
            "1. Chỉ đạo, điều hành",
            "2. Thủ tục hành chính",
            "3. Điều tra xã hội học",
        ]
        assert all(cell.font.bold and cell.border.top.style for cell in sheet[HEADER_ROW])
        assert sheet.freeze_panes == f"C{HEADER_ROW + 1}"
        assert sheet.page_setup.orientation == "landscape"
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
        rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
        assert len(rows) == len(block["results"])
        for cells, result in zip(rows, block["results"], strict=True):
            areas = [two_places(v) for v in cells[9:]]
            assert [cells[0], cells[1], *(two_places(v) for v in cells[2:8]), cells[8]] == [
                result["rank"],
                result["unit_name"],
                *(result[key] for key in FIGURES),
                result["band"],
            ]
            assert areas == [area["index"] for area in result["areas"]]
        figures = sheet.cell(HEADER_ROW + 1, 8)
        assert figures.number_format == "0.00" and isinstance(figures.value, int | float)
    tie = list(workbook["Khối SBN"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [(r[0], r[1], r[7]) for r in tie] == [
        (1, "Sở Tư pháp", 97.37),
        (2, "Sở An", 92.11),
        (2, "Sở Y tế", 92.11),
        (4, "Sở Cường", 84.21),
    ]
    legend = workbook["Xếp loại"]
    bands = list(legend.iter_rows(min_row=HEADER_ROW + 1, max_col=4, values_only=True))
    assert bands[-4:] == [
        ("Khối SBN", "A", 90, None),
        ("Khối SBN", "B", 80, 90),
        ("Khối SBN", "C", 70, 80),
        ("Khối SBN", "D", 0, 70),
    ]
    assert legend["A9"].value == "Khối" and legend["A4"].value.startswith("KẾT QUẢ")
    assert version.content_hash in workbook.properties.description


def test_csv_carries_every_figure_with_the_area_indices(login_as, official):
    from reform.services.publication import RESULT_COLUMNS

    version = publish(official)
    document = document_of(official)
    response = login_as("leader").get("/reports/PAR-OFF/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read_csv(response.data)
    # The columns of `reform results --format csv`, then the areas and the publication status.
    assert list(rows[0]) == [
        *RESULT_COLUMNS,
        "area_1_index",
        "area_2_index",
        "area_3_index",
        "status",
        "version",
        "published_on",
        "content_hash",
    ]
    expected = [
        (block["code"], block["name"], result)
        for block in document["blocks"]
        for result in block["results"]
    ]
    assert len(rows) == len(expected) == 6
    for row, (code, name, result) in zip(rows, expected, strict=True):
        assert (row["block_code"], row["block_name"]) == (code, name)
        assert int(row["rank"]) == result["rank"]
        assert (row["unit_code"], row["unit_name"]) == (result["unit_code"], result["unit_name"])
        assert [row[key] for key in FIGURES] == [result[key] for key in FIGURES]
        assert row["band"] == result["band"]
        assert [row[f"area_{a['code']}_index"] for a in result["areas"]] == [
            a["index"] for a in result["areas"]
        ]
        assert (row["status"], row["version"], row["content_hash"]) == (
            "published",
            "1",
            version.content_hash,
        )
    assert [(r["rank"], r["unit_code"]) for r in rows if r["block_code"] == "SBN"] == [
        ("1", "STP"),
        ("2", "SA"),
        ("2", "SYT"),
        ("4", "SC"),
    ]


def test_the_pdf_report_carries_every_figure(login_as, official):
    version = publish(official)
    document = document_of(official)
    response = login_as("evaluator").get("/reports/PAR-OFF.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND TỈNH" in text
    assert "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025" in text
    assert "…, ngày " in text and " tháng " in text and " năm " in text
    assert "phiên bản 1" in text and version.content_hash[:16] in text.replace(" ", "")
    assert "Chưa công bố" not in text
    for block in document["blocks"]:
        for r in block["results"]:
            line = f"{r['rank']} {r['unit_name']} {vi(r['points'])} {vi(r['max_points'])} "
            line += f"{vi(r['index'])} {r['band']}"
            assert line in text, line
    assert "2 Sở An 17,50 19,00 92,11 A 2 Sở Y tế 17,50 19,00 92,11 A 4 Sở Cường" in text
    # The bands note and the signature block.
    assert "A: từ 90% trở lên" in text and "B: từ 80% đến dưới 90%" in text
    assert "Người lập biểu" in text and "Chủ tịch Hội đồng / Thủ trưởng cơ quan".upper() in text


def test_the_printable_page_has_the_same_layout_and_links(login_as, official):
    publish(official)
    page = login_as("admin").get("/reports/PAR-OFF")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in html
    for link in ("/reports/PAR-OFF.pdf", "/reports/PAR-OFF/results.xlsx"):
        assert f'href="{link}"' in html
    assert 'href="/reports/PAR-OFF/units/SC"' in html
    assert '<td class="num">84,21</td>' in html
    # The campaign's pages link to the outputs.
    show = login_as("leader").get("/campaigns/PAR-OFF").get_data(as_text=True)
    assert 'href="/reports/PAR-OFF"' in show and 'href="/reports/PAR-OFF/results.xlsx"' in show


def test_the_outputs_equal_the_live_results_service(login_as, official):
    """Every output, before publication, carries what the API's service computes now."""
    from reform.services.results import campaign_results

    reread()
    live = campaign_results(db.session.get(Campaign, official.id), published=False)
    assert document_of(official) == live
    api = login_as("leader").get("/api/v1/campaigns/PAR-OFF/results")
    assert api.status_code == 200 and json.loads(api.data) == live
    c = login_as("secretariat")
    rows = read_csv(c.get("/reports/PAR-OFF/results.csv").data)
    expected = [r for block in live["blocks"] for r in block["results"]]
    assert [[r[k] for k in ("unit_code", "points", "index")] for r in rows] == [
        [r[k] for k in ("unit_code", "points", "index")] for r in expected
    ]
    text = pdf_text(c.get("/reports/PAR-OFF.pdf").data)
    assert "1 Sở Tư pháp 18,50 19,00 97,37 A" in text


# ---- live figures are labelled ------------------------------------------------------------------


def test_live_outputs_say_they_are_not_published(login_as, official):
    from reform.services.official import HEADER_ROW

    c = login_as("secretariat")
    html = c.get("/reports/PAR-OFF").get_data(as_text=True)
    assert "Chưa công bố" in html and "is-live" in html
    assert "Chưa công bố" in pdf_text(c.get("/reports/PAR-OFF.pdf").data)
    response = c.get("/reports/PAR-OFF/results.xlsx")
    assert "chua-cong-bo" in response.headers["Content-Disposition"]
    workbook = read_xlsx(response.data)
    for name in workbook.sheetnames:
        assert workbook[name]["A7"].value.startswith("Chưa công bố")
    assert "Chưa công bố" in workbook.properties.description
    assert workbook["Khối SBN"].cell(HEADER_ROW + 1, 2).value == "Sở Tư pháp"
    rows = read_csv(c.get("/reports/PAR-OFF/results.csv").data)
    assert {(r["status"], r["version"], r["content_hash"]) for r in rows} == {
        ("not published", "", "")
    }
    unit = c.get("/reports/PAR-OFF/units/STP").get_data(as_text=True)
    assert "Chưa công bố" in unit
    assert "Chưa công bố" in pdf_text(c.get("/reports/PAR-OFF/units/STP.pdf").data)


# ---- one unit -----------------------------------------------------------------------------------


def test_a_units_report_shows_its_rank_areas_and_criteria(login_as, official):
    publish(official)
    document = document_of(official)
    departments = document["blocks"][1]["results"]
    syt = next(r for r in departments if r["unit_code"] == "SYT")
    response = login_as("other_officer").get("/reports/PAR-OFF/units/SYT.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Sở Y tế" in text and "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025" in text
    # Its figures and its rank in the block (tied second of four).
    assert "Xếp hạng 2/4" in text
    for label, key in (
        ("Điểm tự đánh giá", "self_points"),
        ("Điểm thẩm định", "appraised_points"),
        ("Điểm điều tra xã hội học", "survey_points"),
        ("Chỉ số (%)", "index"),
    ):
        assert f"{label} {vi(syt[key])}" in text, label
    assert f"Điểm {vi(syt['points'])} / {vi(syt['max_points'])}" in text
    # Its areas against the block average: area 1 is 90.00 against (100+90+90+70)/4 = 87.50.
    assert [a["index"] for a in syt["areas"]] == ["90.00", "100.00", "75.00"]
    assert "1 Chỉ đạo, điều hành 4,50 5,00 90,00 87,50 +2,50" in text
    assert "3 Điều tra xã hội học 3,00 4,00 75,00 75,00 0,00" in text
    # The criteria with self and appraised points: the council lowered 1.3 from 2 to 1.5.
    assert "1.3 Điểm đánh giá của Hội đồng 2,00 2,00 1,50 1,50" in text
    assert "3.1 Mức độ hài lòng 4,00 – – 3,00" in text
    # A criterion for wards only is not listed for a department.
    assert "Chỉ dành cho phường" not in text
    page = login_as("other_officer").get("/reports/PAR-OFF/units/SYT").get_data(as_text=True)
    assert "87,50" in page and "Xếp hạng" in page
    # Below the block average: Sở Cường's area 1 is 70.00, 17.50 points under 87.50.
    weakest = login_as("leader").get("/reports/PAR-OFF/units/SC").get_data(as_text=True)
    assert '<td class="num">70,00</td>' in weakest and "-17,50" in weakest


def test_a_ward_report_counts_its_own_criteria(login_as, official):
    text = pdf_text(login_as("leader").get("/reports/PAR-OFF/units/P-B.pdf").data)
    assert "Phường Bình" in text and "Xếp hạng 2/2" in text
    assert "1.4 Chỉ dành cho phường 1,00 1,00 1,00 1,00" in text


# ---- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("published", [False, True])
def test_campaign_outputs_are_for_staff_only(app, login_as, official, published):
    if published:
        publish(official)
    for template in CAMPAIGN_ROUTES:
        url = template.format(code="PAR-OFF")
        for who in ("admin", "secretariat", "leader", "evaluator"):
            assert login_as(who).get(url).status_code == 200, (url, who)
        # Every unit's figures: a unit's people get 404, as for any result not theirs to see.
        for who in ("head", "officer", "other_officer"):
            assert login_as(who).get(url).status_code == 404, (url, who)
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
        missing = template.format(code="NOPE")
        assert login_as("admin").get(missing).status_code == 404


def test_a_units_report_is_for_staff_and_that_units_people(app, login_as, official):
    publish(official)
    for template in UNIT_ROUTES:
        own = template.format(code="PAR-OFF", unit="STP")
        other = template.format(code="PAR-OFF", unit="SYT")
        for who in ("admin", "secretariat", "leader", "evaluator", "head", "officer"):
            assert login_as(who).get(own).status_code == 200, (own, who)
        # Another unit's people cannot tell whether the unit takes part.
        for who in ("head", "officer"):
            assert login_as(who).get(other).status_code == 404, (other, who)
        assert login_as("other_officer").get(own).status_code == 404
        assert login_as("other_officer").get(other).status_code == 200
        anonymous = app.test_client().get(own)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
        # A unit that does not take part, or does not exist, or a campaign that does not.
        for url in (
            template.format(code="PAR-OFF", unit="TINH"),
            template.format(code="PAR-OFF", unit="NOPE"),
            template.format(code="NOPE", unit="STP"),
        ):
            assert login_as("admin").get(url).status_code == 404, url


# ---- the header: document number, place and date --------------------------------------------


def header_settings(units, place: str | None = "Hòa Sơn", abbreviation: str | None = "UBND"):
    """The province's place name and abbreviation, as set in the unit admin."""
    province = db.session.get(type(units["province"]), units["province"].id)
    province.place, province.abbreviation = place, abbreviation
    db.session.commit()


def test_the_header_numbers_and_dates_the_report_from_the_issuers_settings(
    login_as, official, units
):
    from reform.services.official import HEADER_ROW
    from reform.services.phases import today

    header_settings(units)
    day = today()
    date_line = f"Hòa Sơn, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    blank = "Số: " + "\u00a0" * 8 + "/BC-UBND"
    c = login_as("secretariat")

    # Without a number: a gap to fill by hand, and the place instead of "…".
    html = c.get("/reports/PAR-OFF").get_data(as_text=True)
    assert f'<p class="number">{blank}</p>' in html and date_line in html
    assert "…, ngày" not in html
    pdf = pdf_text(c.get("/reports/PAR-OFF.pdf").data)
    assert "Số: /BC-UBND" in pdf and date_line in pdf
    sheet = read_xlsx(c.get("/reports/PAR-OFF/results.xlsx").data).worksheets[0]
    assert (sheet["A3"].value, sheet["D3"].value) == (blank, date_line)
    assert sheet.cell(HEADER_ROW, 1).value == "Xếp hạng"  # the table has not moved

    # The number entered on the page goes into the header and into the PDF and Excel links.
    html = c.get("/reports/PAR-OFF?number=125").get_data(as_text=True)
    assert '<p class="number">Số: 125/BC-UBND</p>' in html
    assert 'href="/reports/PAR-OFF.pdf?number=125"' in html
    assert 'href="/reports/PAR-OFF/results.xlsx?number=125"' in html
    assert 'id="number" name="number" value="125"' in html
    pdf = pdf_text(c.get("/reports/PAR-OFF.pdf?number=125").data)
    assert "Số: 125/BC-UBND" in pdf and date_line in pdf
    sheet = read_xlsx(c.get("/reports/PAR-OFF/results.xlsx?number=125").data).worksheets[0]
    assert sheet["A3"].value == "Số: 125/BC-UBND"

    # A unit's report carries the same header.
    pdf = pdf_text(c.get("/reports/PAR-OFF/units/STP.pdf?number=7a").data)
    assert "Số: 7a/BC-UBND" in pdf and date_line in pdf

    # In English too.
    c.set_cookie("reform_lang", "en")
    html = c.get("/reports/PAR-OFF?number=125").get_data(as_text=True)
    assert "No. 125/BC-UBND" in html
    assert f"Hòa Sơn, day {day.day:02d} month {day.month:02d} year {day.year}" in html


def test_without_settings_the_header_keeps_gaps_and_the_code(login_as, official, units):
    header_settings(units, place=None, abbreviation=None)
    html = login_as("secretariat").get("/reports/PAR-OFF").get_data(as_text=True)
    # The issuer (the province, code TINH) has no abbreviation: its code stands in.
    assert '<p class="number">Số: ' + "\u00a0" * 8 + "/BC-TINH</p>" in html
    assert "<em>…, ngày " in html


def test_a_unit_takes_its_parents_place_unless_it_has_its_own(app, units):
    header_settings(units)
    own = units["own"]
    assert own.place_name() == "Hòa Sơn" and own.document_abbreviation == "STP"
    own.place = "Thanh Hóa"
    assert own.place_name() == "Thanh Hóa"


@pytest.mark.parametrize("number", ["12/3", "một", "1234567", "<b>1</b>", " 1 2"])
def test_a_bad_document_number_is_refused_beside_its_field(login_as, official, units, number):
    c = login_as("secretariat")
    for url in ("/reports/PAR-OFF", "/reports/PAR-OFF.pdf", "/reports/PAR-OFF/results.xlsx"):
        response = c.get(url, query_string={"number": number})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and response.mimetype == "text/html", url
        assert 'aria-invalid="true"' in html and 'id="number-error"' in html
        assert "Ghi số văn bản bằng chữ số" in html
        # Nothing was numbered with it.
        assert '<p class="number">Số: ' + "\u00a0" * 8 + "/BC-TINH</p>" in html
    unit = c.get("/reports/PAR-OFF/units/STP.pdf", query_string={"number": number})
    assert unit.status_code == 422 and 'id="number-error"' in unit.get_data(as_text=True)
