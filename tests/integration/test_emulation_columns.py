"""An emulation campaign (points result, no survey) shows points and rank, not PAR columns."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from reform.services.campaigns import PhaseDates, create_campaign
from reform.services.frameworks import import_framework
from reform.services.phases import today
from reform.services.scores_import import import_scores

EMULATION = """\
code: TD-COT
version: 1
name: "Bảng chấm điểm thi đua khối"
kind: emulation
result: points
bands: [{min: 20, label: "Xuất sắc"}, {min: 0, label: "Khá"}]
criteria:
  - code: "I"
    name: "Nhiệm vụ chuyên môn"
    children:
      - {code: "I.1", name: "Chỉ tiêu", max: 10, rule: {type: manual, step: 0.5}}
      - {code: "I.2", name: "Báo cáo", max: 10, rule: {type: yesno}}
  - {code: "T", name: "Cờ thi đua đã nhận", bonus: true, max: 10, rule: {type: yesno}}
"""
HEADER = "unit_code,criterion_code,value,note\n"


@pytest.fixture
def emulation(make_unit, users):
    framework = import_framework(EMULATION)
    members = [
        make_unit("KA", "Sở Ánh", block_code="K1"),
        make_unit("KB", "Sở Bảo", block_code="K1"),
    ]
    day = today()
    campaign = create_campaign(
        "TD-2025",
        "Thi đua khối năm 2025",
        framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=members,
        year=2025,
    )
    rows = HEADER + "KA,I.1,9,\nKA,I.2,yes,\nKA,T,yes,\nKB,I.1,10,\nKB,I.2,no,\n"
    assert import_scores(campaign, rows.encode(), stage="self", filename="td.csv").ok
    return campaign


def _headings(html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def test_the_ranking_shows_points_and_rank_only(login_as, emulation):
    c = login_as("leader")
    html = c.get("/rankings/TD-2025").get_data(as_text=True)
    headings = _headings(html)
    assert "Điểm" in headings and "Xếp hạng" in headings
    for par_only in ("Điểm điều tra xã hội học", "Điểm tối đa", "Chỉ số"):
        assert par_only not in headings, par_only
    assert "Điểm tối đa" not in html and 'data-figure="index"' not in html
    # Sở Ánh 9 + 10 + 10 bonus = 29 ranks first; in the folded phone row the points stay.
    row = re.search(r'<tr data-unit="KA">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'<td class="num" data-label="Điểm" data-figure="points">29,00</td>', row)
    # No sorting by an index that does not exist.
    assert '<option value="index"' not in html
    # The live partial is the same table.
    live = c.get("/rankings/TD-2025/live?block=K1").get_data(as_text=True)
    assert "Chỉ số" not in _headings(live) and "Điểm tối đa" not in live


def test_exports_carry_the_same_columns(login_as, emulation):
    from openpyxl import load_workbook

    from reform.services.official import HEADER_ROW

    c = login_as("leader")
    workbook = load_workbook(io.BytesIO(c.get("/reports/TD-2025/results.xlsx").data))
    sheet = workbook["Khối K1"]
    headings = [cell.value for cell in sheet[HEADER_ROW] if cell.value]
    assert headings[:6] == [
        "Xếp hạng",
        "Đơn vị",
        "Điểm tự đánh giá",
        "Điểm thẩm định",
        "Điểm",
        "Xếp loại",
    ]
    first = [cell.value for cell in sheet[HEADER_ROW + 1]][:6]
    assert first[0] == 1 and first[1] == "Sở Ánh" and first[4] == 29 and first[5] == "Xuất sắc"
    report = c.get("/reports/TD-2025").get_data(as_text=True)
    assert _headings(report) == ["Xếp hạng", "Đơn vị", "Điểm", "Xếp loại"]
    unit = c.get("/reports/TD-2025/units/KA").get_data(as_text=True)
    assert "Điểm điều tra xã hội học" not in unit and "29,00 /" not in unit


def test_a_par_ranking_keeps_its_columns(login_as, campaign):
    html = login_as("leader").get("/rankings/PAR-TEST").get_data(as_text=True)
    headings = _headings(html)
    for column in ("Điểm điều tra xã hội học", "Điểm tối đa", "Chỉ số"):
        assert column in headings, column
