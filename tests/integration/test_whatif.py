"""What-if rankings: another version, weights or bands beside the real ranking, nothing saved."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from test_rankings import build_campaign

from reform.extensions import db
from reform.models import AuditEvent, Campaign
from reform.services import whatif as service
from reform.services.rankings import ranking_view

HEADER = "unit_code,criterion_code,value,note\n"
# Three departments of block SBN under RULES v1 (areas 1: max 6, of which 5 apply to a
# department; 2: max 10; 3: survey, max 4):
#   Sở An    5 + 6  + 2   = 13   of 19 → 68.42 (D)
#   Sở Bình  2 + 10 + 2   = 14   of 19 → 73.68 (C)
#   Sở Cầu   4 + 5  + 3.5 = 12.5 of 19 → 65.79 (D)
SELF = {
    "SA": {"1.1": "Đúng hạn", "1.2": "yes", "1.3": "2", "2.1": "0/10", "2.2": "1/1", "2.3": "3"},
    "SB": {"1.1": "Chậm", "1.2": "no", "1.3": "1", "2.1": "10/10", "2.2": "1/1", "2.3": "3"},
    "SC": {"1.1": "Đúng hạn", "1.2": "yes", "1.3": "1", "2.1": "9/10", "2.2": "1/2", "2.3": "1"},
}
COUNTS_24 = {"SA": "0", "SB": "0", "SC": "2"}
SURVEY = {"SA": "2", "SB": "2", "SC": "3.5"}
NAMES = {"SA": "Sở An", "SB": "Sở Bình", "SC": "Sở Cầu"}
REAL = [("SB", 1, "73.68", "C"), ("SA", 2, "68.42", "D"), ("SC", 3, "65.79", "D")]

# Version 2: 1.2 becomes 1.2a, 1.1 loses its "Chậm" option, 2.4 is gone (max 5 + 8 + 4 = 17):
#   Sở An    4 + 4 + 2   = 10   → 58.82;  Sở Bình 1 + 8 + 2 = 11 → 64.71;
#   Sở Cầu   3 + 4 + 3.5 = 10.5 → 61.76.
RULES_V2 = """\
code: RULES
version: 2
name: "Khung kiểm thử mọi loại quy tắc, bản 2"
kind: reform
result: percent
bands: [{min: 90, label: "A"}, {min: 80, label: "B"}, {min: 70, label: "C"}, {min: 0, label: "D"}]
criteria:
  - code: "1"
    name: "Chỉ đạo, điều hành"
    children:
      - code: "1.1"
        name: "Kế hoạch CCHC"
        max: 2
        rule:
          type: choice
          options: [{label: "Đúng hạn", points: 2}, {label: "Không ban hành", points: 0}]
      - code: "1.2a"
        name: "Báo cáo định kỳ đúng hạn"
        max: 1
        rule: {type: yesno}
      - code: "1.3"
        name: "Điểm đánh giá của Hội đồng"
        max: 2
        rule: {type: manual, step: 0.25}
  - code: "2"
    name: "Thủ tục hành chính"
    children:
      - code: "2.1"
        name: "Hồ sơ đúng hạn"
        max: 4
        rule:
          type: ratio
          mode: tiers
          zero_denominator: full
          tiers: [{min: 0, points: 0}, {min: 90, points: 2}, {min: 100, points: 4}]
      - code: "2.2"
        name: "Hồ sơ trực tuyến"
        max: 2
        rule: {type: ratio, mode: proportional, zero_denominator: na}
      - code: "2.3"
        name: "Sáng kiến"
        max: 2
        rule: {type: number, tiers: [{min: 1, points: 1}, {min: 3, points: 2}]}
  - code: "3"
    name: "Điều tra xã hội học"
    children:
      - code: "3.1"
        name: "Mức độ hài lòng"
        max: 4
        rule: {type: survey}
"""


def _import(campaign: Campaign, rows: dict[str, dict[str, str]], stage: str) -> None:
    """Store one stage's values through the scores import (figures refreshed as in use)."""
    from reform.services.scores_import import import_scores

    text = HEADER + "".join(
        f"{unit},{code},{value},\n"
        for unit, values in rows.items()
        for code, value in values.items()
    )
    report = import_scores(campaign, text.encode(), stage=stage, filename=f"{stage}.csv")
    assert report.ok, report.errors


@pytest.fixture
def scored(make_unit, users, rules_framework) -> Campaign:
    """Three departments self-assessed and surveyed (figures above), in one block."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    members = [make_unit(code, name, block_code="SBN") for code, name in NAMES.items()]
    day = today()
    campaign = create_campaign(
        "PAR-WHATIF",
        "Chỉ số CCHC năm 2025",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=members,
        year=2025,
    )
    own = {unit: {**values, "2.4": COUNTS_24[unit]} for unit, values in SELF.items()}
    _import(campaign, own, "self")
    _import(campaign, {unit: {"3.1": value} for unit, value in SURVEY.items()}, "survey")
    db.session.expire_all()
    return campaign


@pytest.fixture
def version_two(app):
    """Version 2 of RULES: 1.2 renamed, an option of 1.1 and criterion 2.4 gone."""
    from reform.services.frameworks import import_framework

    return import_framework(RULES_V2)


def rows_of(result: service.WhatIf) -> list[tuple]:
    """Each row's code, ranks, shift, figures and bands, every block in turn."""
    return [
        (
            row.unit_code,
            row.real_rank,
            row.what_if_rank,
            row.places,
            str(row.real_index),
            str(row.what_if_index),
            row.real_band,
            row.what_if_band,
        )
        for block in result.blocks
        for row in block.rows
    ]


def english(client):
    """The client with the English interface (new texts are translated at release)."""
    client.set_cookie("reform_lang", "en")
    return client


ROW_RE = re.compile(r'<tr data-unit="(?P<code>[^"]+)">(?P<body>.*?)</tr>', re.S)
FIGURE_RE = re.compile(r'data-figure="(?P<name>[^"]+)">(?P<value>.*?)</td>', re.S)


def page_rows(html: str) -> dict[str, dict[str, str]]:
    """The figures of each unit's row, by data-figure name (tags stripped)."""
    out = {}
    for match in ROW_RE.finditer(html):
        out[match["code"]] = {
            m["name"]: re.sub(r"(?:<[^>]+>)+", "|", m["value"]).strip("|").strip()
            for m in FIGURE_RE.finditer(match["body"])
        }
    return out


# ---- the same inputs give the real ranking -----------------------------------------------


def test_without_changes_the_what_if_is_the_live_ranking(make_unit, make_user, rules_framework):
    campaign = build_campaign(make_unit, make_user, rules_framework)
    result = service.what_if(campaign)
    live = ranking_view(campaign)
    assert not result.changed
    assert [b.code for b in result.blocks] == [b.code for b in live.blocks]
    for mine, theirs in zip(result.blocks, live.blocks, strict=True):
        assert [(r.unit_code, r.real_rank, r.real_index, r.real_band) for r in mine.rows] == [
            (r.unit.code, r.rank, r.index, r.band) for r in theirs.rows
        ]
        for row in mine.rows:
            assert (row.what_if_rank, row.what_if_index, row.what_if_band) == (
                row.real_rank,
                row.real_index,
                row.real_band,
            )
            assert row.places == 0
    # The tie of build_campaign: 1, 2, 2, 4, Dân tộc before Điện lực.
    departments = next(b for b in result.blocks if b.code == "SBN")
    assert [(r.unit_code, r.real_rank) for r in departments.rows] == [
        ("SA", 1),
        ("SDT", 2),
        ("SDL", 2),
        ("SCT", 4),
    ]


def test_the_frameworks_own_weights_and_bands_change_nothing(scored):
    own = {"1": "6", "2": "10", "3": "4"}
    result = service.what_if(scored, framework_version=1, weights=own)
    assert not result.changed
    assert rows_of(result) == [
        (code, rank, rank, 0, index, index, band, band) for code, rank, index, band in REAL
    ]


# ---- weights ----------------------------------------------------------------------------


def test_weights_reorder_units_as_computed_by_hand(scored):
    # Area 1 weighs 60 instead of 6 (×10); a department's applicable 5 becomes 50, of 64:
    #   Sở An 50 + 6 + 2 = 58 → 90.63 (A); Sở Cầu 40 + 5 + 3.5 = 48.5 → 75.78 (C);
    #   Sở Bình 20 + 10 + 2 = 32 → 50.00 (D).
    result = service.what_if(scored, weights={"1": "60"})
    assert result.changed
    assert result.weights == {"1": Decimal(60), "2": Decimal(10), "3": Decimal(4)}
    assert rows_of(result) == [
        ("SA", 2, 1, 1, "68.42", "90.63", "D", "A"),
        ("SC", 3, 2, 1, "65.79", "75.78", "D", "C"),
        ("SB", 1, 3, -2, "73.68", "50.00", "C", "D"),
    ]


def test_weights_on_the_page(login_as, scored):
    client = english(login_as("leader"))
    response = client.get(f"/rankings/{scored.code}/what-if?w-1=60&w-2=10&w-3=4&shown_version=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "What-if — nothing is saved" in html
    rows = page_rows(html)
    assert list(rows) == ["SA", "SC", "SB"]
    assert rows["SA"] == {
        "real-rank": "2",
        "rank": "1",
        "shift": "▲ 1|moves up 1 place",
        "real-index": "68.42",
        "index": "90.63",
        "real-band": "D",
        "band": "A",
    }
    assert rows["SB"]["shift"] == "▼ 2|moves down 2 places"
    assert rows["SB"]["index"] == "50.00"
    # The form keeps the weights typed, and says each area's own max.
    assert 'name="w-1" value="60"' in html
    assert "framework: 6.00" in html


def test_the_vietnamese_page_writes_decimal_commas(login_as, scored):
    html = login_as("secretariat").get(f"/rankings/{scored.code}/what-if?w-1=60").get_data(True)
    rows = page_rows(html)
    assert rows["SA"]["index"] == "90,63"
    assert rows["SA"]["real-index"] == "68,42"


# ---- another version ---------------------------------------------------------------------


def test_another_version_reports_what_could_not_be_carried_over(scored, version_two):
    result = service.what_if(scored, framework_version=2)
    assert result.other_version and result.changed
    assert [a.code for a in result.areas] == ["1", "2", "3"]
    assert rows_of(result) == [
        ("SB", 1, 1, 0, "73.68", "64.71", "C", "D"),
        ("SC", 3, 2, 1, "65.79", "61.76", "D", "D"),
        ("SA", 2, 3, -1, "68.42", "58.82", "D", "D"),
    ]
    dropped = {(d.criterion, d.stage): d.units for d in result.dropped}
    # 1.2 was renamed and 2.4 removed (every unit); "Chậm" is no longer an option of 1.1.
    assert dropped == {("1.1", "self"): 1, ("1.2", "self"): 3, ("2.4", "self"): 3}
    assert result.dropped_count == 7
    assert {row.unit_code: row.dropped for row in result.blocks[0].rows} == {
        "SA": 2,
        "SB": 3,
        "SC": 2,
    }


def test_another_version_on_the_page(login_as, scored, version_two):
    client = english(login_as("admin"))
    html = client.get(f"/rankings/{scored.code}/what-if?version=2").get_data(as_text=True)
    assert "7 stored values cannot be carried over to version 2" in html
    assert "There is no criterion with code 1.2." in html
    assert "Choose one of:" in html
    assert '<tr data-criterion="2.4">' in html
    # Both versions can be chosen; the weights are version 2's areas and maxima.
    assert '<option value="1">' in html and '<option value="2" selected>' in html
    assert 'name="w-2" value="8"' in html
    assert list(page_rows(html)) == ["SB", "SC", "SA"]


def test_changing_the_version_resets_the_weights(login_as, scored, version_two):
    client = english(login_as("leader"))
    # The form showed version 1 with area 2 at 10; version 2 is chosen: its own max (8) counts.
    response = client.get(
        f"/rankings/{scored.code}/what-if?version=2&shown_version=1&w-1=6&w-2=10&w-3=4",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="whatif-weights"' in html and 'hx-swap-oob="true"' in html
    assert 'name="w-2" value="8"' in html
    assert 'name="shown_version" value="2"' in html
    assert page_rows(html)["SB"]["index"] == "64.71"


# ---- other bands -------------------------------------------------------------------------


def test_other_bands_change_only_bands(scored):
    bands = [
        {"min": "70", "label": "Tốt"},
        {"min": "66", "label": "Khá"},
        {"min": "0", "label": "Yếu"},
    ]
    result = service.what_if(scored, bands=bands)
    assert result.changed
    assert rows_of(result) == [
        ("SB", 1, 1, 0, "73.68", "73.68", "C", "Tốt"),
        ("SA", 2, 2, 0, "68.42", "68.42", "D", "Khá"),
        ("SC", 3, 3, 0, "65.79", "65.79", "D", "Yếu"),
    ]


def test_other_bands_on_the_page(login_as, scored):
    client = english(login_as("leader"))
    response = client.get(
        f"/rankings/{scored.code}/what-if", query_string={"bands": "Tốt: 70; Khá: 66; Yếu: 0"}
    )
    assert response.status_code == 200
    rows = page_rows(response.get_data(as_text=True))
    assert rows["SA"]["band"] == "Khá" and rows["SA"]["real-band"] == "D"
    assert rows["SA"]["shift"] == "=|same place"


# ---- bad input ---------------------------------------------------------------------------


def error_of(html: str, field_id: str) -> str:
    """The message shown under a field."""
    match = re.search(rf'<p class="error" id="{field_id}-error"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no error paragraph for {field_id}"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("query", "field_id", "message"),
    [
        ({"w-1": "-2"}, "whatif-w1", "A weight cannot be negative."),
        ({"w-2": "mười"}, "whatif-w2", "Enter a number."),
        ({"w-1": "0", "w-2": "0", "w-3": "0"}, "whatif-weights", "must weigh more than 0"),
        ({"bands": "A 90; B 80"}, "whatif-bands", "Write bands as"),
        ({"bands": "A: 80; B: 90"}, "whatif-bands", "from the highest min down"),
        ({"version": "2099"}, "whatif-version", "There is no version 2099 of framework RULES."),
        ({"version": "mới"}, "whatif-version", "Choose a version from the list."),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_input_is_told_next_to_its_field(login_as, scored, query, field_id, message, htmx):
    client = english(login_as("secretariat"))
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(
        f"/rankings/{scored.code}/what-if",
        query_string={"shown_version": "1", **query},
        headers=headers,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in error_of(html, field_id)
    assert ("<html" in html) is not htmx
    if htmx:
        assert re.search(rf'id="{field_id}-error" hx-swap-oob="true"', html)
    assert "The what-if cannot be computed" in html
    # The real ranking is still there, without what-if columns.
    rows = page_rows(html)
    assert list(rows) == ["SB", "SA", "SC"]
    assert rows["SA"] == {"real-rank": "2", "real-index": "68.42", "real-band": "D"}


def test_every_bad_field_is_told_at_once(scored):
    with pytest.raises(service.WhatIfProblem) as caught:
        service.what_if(scored, weights={"1": "-1", "2": "x"}, bands=[{"min": "-5", "label": ""}])
    assert set(caught.value.problems) == {"weight:1", "weight:2", "bands"}


# ---- nothing is saved --------------------------------------------------------------------


def snapshot() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as text, in a stable order."""
    db.session.rollback()
    out = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return out


def audit_count() -> int:
    """How many audit events exist."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_what_if_leaves_the_database_unchanged(login_as, scored, version_two):
    client = login_as("leader")
    before, events = snapshot(), audit_count()
    assert events > 0 and before["entries"]
    service.what_if(
        scored,
        framework_version=2,
        weights={"1": "50", "2": "0"},
        bands=[{"min": "60", "label": "Đạt"}, {"min": "0", "label": "Chưa đạt"}],
    )
    db.session.commit()  # anything the service had left pending would be written now
    for query in (
        "version=2&w-1=50&w-2=0&w-3=4&bands=%C4%90%E1%BA%A1t%3A+60%3B+Ch%C6%B0a+%C4%91%E1%BA%A1t%3A+0",
        "w-1=-1",
        "version=1&shown_version=1&w-1=60",
    ):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(f"/rankings/{scored.code}/what-if?{query}", headers=headers)
            assert response.status_code in (200, 422)
    assert snapshot() == before
    assert audit_count() == events


# ---- access ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("secretariat", 200),
        ("leader", 200),
        ("evaluator", 403),
        # Every unit's figures: a unit's people get 404, as for any result not theirs to see.
        ("head", 404),
        ("officer", 404),
        ("other_officer", 404),
    ],
)
def test_access_by_role(login_as, scored, who, status):
    assert login_as(who).get(f"/rankings/{scored.code}/what-if").status_code == status


def test_anonymous_visitors_sign_in_first(client, scored):
    response = client.get(f"/rankings/{scored.code}/what-if?w-1=60")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_unknown_campaign_answers_404(login_as, scored):
    assert login_as("leader").get("/rankings/NOPE/what-if").status_code == 404
