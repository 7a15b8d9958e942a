"""The heat map page: area indices per unit and block, and the criteria losing most points."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from reform.extensions import db
from reform.models import Block, Campaign, Criterion, Entry, Submission, Unit
from reform.models.submissions import APPRAISAL
from reform.services.results import campaign_results

# Two areas, a ward-only criterion and a penalty: small enough to compute by hand.
HEAT_FRAMEWORK = """\
code: HEAT
version: 1
name: "Khung bản đồ nhiệt"
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
          options:
            - {label: "Đúng hạn", points: 2}
            - {label: "Chậm", points: 1}
            - {label: "Không", points: 0}
      - code: "1.2"
        name: "Báo cáo định kỳ"
        max: 2
        rule: {type: yesno}
  - code: "2"
    name: "Thủ tục hành chính"
    children:
      - code: "2.1"
        name: "Hồ sơ đúng hạn"
        max: 4
        rule: {type: manual, step: 0.5}
      - code: "2.2"
        name: "Một cửa phường"
        max: 2
        rule: {type: yesno}
        applies_to: [ward]
  - code: "P"
    name: "Điểm trừ vi phạm"
    penalty: true
    max: 2
    rule: {type: manual, step: 0.5}
"""
HEADER = "unit_code,criterion_code,value,note\n"
SELF = {
    "SA": {"1.1": "Đúng hạn", "1.2": "yes", "2.1": "4", "P": "0"},
    "SB": {"1.1": "Chậm", "1.2": "yes", "2.1": "3", "P": "0.5"},
    "SC": {"1.1": "Không", "1.2": "no", "2.1": "2.5", "P": "1"},
    "PA": {"1.1": "Đúng hạn", "1.2": "yes", "2.1": "3.5", "2.2": "no", "P": "0"},
}
# The council lowers Sở Bình's 2.1 from 3 to 2.
APPRAISED = {"SB": {"2.1": "2"}}
UNITS = {"SA": "Sở An", "SB": "Sở Bình", "SC": "Sở Cúc"}

# By hand. Sở An: 4/4, 4/4, 8/8 → 100. Sở Bình: 3/4 = 75, 2/4 = 50, (5 − 0.5)/8 = 56.25.
# Sở Cúc: 0/4 = 0, 2.5/4 = 62.5, (2.5 − 1)/8 = 18.75. Phường An: 4/4, 3.5/6, 7.5/10.
EXPECTED_SBN = {
    "SA": ("1", "100.00", ["100.00", "100.00"], ["4", "4", "4"]),
    "SB": ("2", "56.25", ["75.00", "50.00"], ["1", "2", "1"]),
    "SC": ("3", "18.75", ["0.00", "62.50"], ["0", "0", "1"]),
}
AVERAGE_SBN = ("58.33", ["58.33", "70.83"])
# Criteria of block SBN: (units losing, total lost, average lost, share lost), most lost first.
# 2.1: 12 − (4 + 2 + 2.5) = 3.5; 1.1: 6 − 3 = 3; 1.2: 6 − 4 = 2; penalty P: 0 + 0.5 + 1 = 1.5.
LOSING_SBN = [
    ("2.1", "2 of 3", "3.50", "1.17", "29.17%"),
    ("1.1", "2 of 3", "3.00", "1.00", "50.00%"),
    ("1.2", "1 of 3", "2.00", "0.67", "33.33%"),
    ("P", "2 of 3", "1.50", "0.50", "25.00%"),
]


@pytest.fixture
def heat_framework(app):
    from reform.services.frameworks import import_framework

    return import_framework(HEAT_FRAMEWORK)


def build(make_unit, framework, *, code: str = "HEAT-25", publish: bool = False) -> Campaign:
    """Three departments (block SBN) and a ward (block PHUONG), self-assessed and appraised."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    members = [make_unit(c, name, block_code="SBN") for c, name in UNITS.items()]
    members.append(make_unit("PA", "Phường An", kind="ward", block_code="PHUONG"))
    campaign = create_campaign(
        code,
        "Chỉ số CCHC 2025",
        framework,
        PhaseDates(today() - timedelta(days=3), today() + timedelta(days=10)),
        units=members,
    )
    for stage, values in (("self", SELF), ("appraisal", APPRAISED)):
        text = HEADER + "".join(
            f"{unit},{criterion},{value},{'Thiếu hồ sơ' if stage == 'appraisal' else ''}\n"
            for unit, entries in values.items()
            for criterion, value in entries.items()
        )
        report = import_scores(campaign, text.encode(), stage=stage, filename=f"{stage}.csv")
        assert report.ok, report.errors
    if publish:
        from reform.services.publication import publish as publish_results

        publish_results(campaign, actor=None, force=True)
    db.session.expire_all()
    return campaign


@pytest.fixture
def heat_campaign(make_unit, heat_framework, users) -> Campaign:
    return build(make_unit, heat_framework)


def english(client):
    client.post("/language", data={"lang": "en"})
    return client


ROW_RE = re.compile(
    r'<tr (?:data-unit="(?P<code>[^"]+)"|class="hm-average")>(?P<body>.*?)</tr>', re.S
)
CELL_RE = re.compile(
    r'<td class="num heat heat-(?P<level>\w+)" data-area="(?P<area>[^"]+)">(?P<v>.*?)</td>', re.S
)
RANK_RE = re.compile(r'<span class="hm-rank">([^<]*)</span>')


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def heat_rows(html: str) -> dict[str, dict]:
    """Each row of the page's heat maps: rank, index, area cells and levels; "" is the average."""
    rows: dict[str, dict] = {}
    for block in html.split('class="card heatmap-block"')[1:]:
        name = re.search(r'data-block="([^"]*)"', block).group(1)
        for match in ROW_RE.finditer(block.split('class="losing"')[0]):
            cells = {
                c["area"]: (text_of(c["v"]), c["level"]) for c in CELL_RE.finditer(match["body"])
            }
            rank = RANK_RE.search(match["body"])
            key = match["code"] or f"average:{name}"
            rows[key] = {"rank": rank.group(1) if rank else None, "cells": cells}
    return rows


def losing_rows(html: str, block: str) -> list[tuple[str, ...]]:
    """The losing-criteria table of one block: code and the four figures, as displayed."""
    part = html.split(f'data-block="{block}"', 1)[1].split('class="card heatmap-block"')[0]
    out = []
    for match in re.finditer(r'<tr data-criterion="([^"]+)">(.*?)</tr>', part, re.S):
        figures = dict(re.findall(r'data-figure="(\w+)">(.*?)</td>', match.group(2)))
        out.append(
            (
                match.group(1),
                figures["losing"],
                figures["lost"],
                figures["average"],
                figures["share"],
            )
        )
    return out


# ---- figures -------------------------------------------------------------------------------


def test_heat_map_equals_document_and_ranking_page(heat_campaign, login_as):
    c = english(login_as("leader"))
    response = c.get("/rankings/HEAT-25/heatmap")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = heat_rows(html)
    # Every figure equals the results document's own (areas and index, 2 places).
    document = campaign_results(heat_campaign, published=False)
    for block in document["blocks"]:
        for result in block["results"]:
            row = rows[result["unit_code"]]
            assert row["rank"] == str(result["rank"])
            assert row["cells"]["index"][0] == result["index"]
            for area in result["areas"]:
                assert row["cells"][area["code"]][0] == (area["index"] or "–")
    # ... and the figures the test was built for, with their colour levels.
    for code, (rank, index, areas, levels) in EXPECTED_SBN.items():
        row = rows[code]
        assert row["rank"] == rank
        assert [row["cells"][k][0] for k in ("index", "1", "2")] == [index, *areas]
        assert [row["cells"][k][1] for k in ("index", "1", "2")] == levels
    assert rows["PA"]["cells"]["2"] == ("58.33", "1")
    average = rows["average:SBN"]["cells"]
    assert [average[k][0] for k in ("index", "1", "2")] == [AVERAGE_SBN[0], *AVERAGE_SBN[1]]
    # Units are listed in rank order.
    sbn = html.split('data-block="SBN"', 1)[1]
    assert sbn.index('data-unit="SA"') < sbn.index('data-unit="SB"') < sbn.index('data-unit="SC"')
    # The ranking page shows the same rank and index for every unit.
    ranking = c.get("/rankings/HEAT-25").get_data(as_text=True)
    for match in re.finditer(r'<tr data-unit="([^"]+)">(.*?)</tr>', ranking, re.S):
        code, body = match.groups()
        rank = re.search(r'<td class="rank"[^>]*>(.*?)</td>', body).group(1)
        index = re.search(r'data-figure="index">(.*?)</td>', body).group(1)
        assert (rows[code]["rank"], rows[code]["cells"]["index"][0]) == (rank, index)
    # Area columns carry code and name; the legend explains the colours.
    assert "Chỉ đạo, điều hành" in html and "Thủ tục hành chính" in html
    assert "Colour key" in html and "90% or more" in html and "under 50%" in html
    # The penalty is not an area column.
    assert 'data-area="P"' not in html


def test_losing_criteria_by_hand(heat_campaign, login_as):
    from reform.services.insights import losing_criteria

    sbn = db.session.scalar(select(Block).where(Block.code == "SBN"))
    items = losing_criteria(heat_campaign, sbn.id)
    assert [(i.code, i.losing, i.units, i.lost) for i in items] == [
        ("2.1", 2, 3, Decimal("3.5")),
        ("1.1", 2, 3, Decimal(3)),
        ("1.2", 1, 3, Decimal(2)),
        ("P", 2, 3, Decimal("1.5")),
    ]
    assert items[-1].penalty and items[0].area_name == "Thủ tục hành chính"
    assert [i.code for i in losing_criteria(heat_campaign, sbn.id, limit=2)] == ["2.1", "1.1"]
    html = english(login_as("secretariat")).get("/rankings/HEAT-25/heatmap").get_data(as_text=True)
    assert losing_rows(html, "SBN") == LOSING_SBN
    # The ward's block: only 2.1 (0.5) and 2.2 (2) lost points; nothing else is listed.
    assert [row[:3] for row in losing_rows(html, "PHUONG")] == [
        ("2.2", "1 of 1", "2.00"),
        ("2.1", "1 of 1", "0.50"),
    ]
    framework_link = f'href="/frameworks/{heat_campaign.framework_id}#crit-2.1"'
    assert framework_link in html.split('data-criterion="2.1"', 1)[1].split("</tr>")[0]
    # The anchor exists on the framework's page.
    tree = login_as("secretariat").get(f"/frameworks/{heat_campaign.framework_id}")
    assert 'id="crit-2.1"' in tree.get_data(as_text=True)


def test_vietnamese_page_uses_decimal_commas(heat_campaign, login_as):
    html = login_as("leader").get("/rankings/HEAT-25/heatmap").get_data(as_text=True)
    assert "Số liệu tạm tính — chưa công bố" in html
    assert heat_rows(html)["SB"]["cells"]["index"][0] == "56,25"
    assert losing_rows(html, "SBN")[0][2:4] == ("3,50", "1,17")


# ---- live and published --------------------------------------------------------------------


def test_published_and_live_are_labelled_and_differ_after_a_change(
    make_unit, heat_framework, users, login_as
):
    from reform.services.publication import document_of, latest_version
    from reform.services.results import refresh_results

    campaign = build(make_unit, heat_framework, publish=True)
    # A change after publication (as an upheld appeal makes): Sở Cúc's 2.1 appraised at 4.
    sc = db.session.scalar(
        select(Submission)
        .join(Unit)
        .where(Submission.campaign_id == campaign.id, Unit.code == "SC")
    )
    criterion = db.session.scalar(
        select(Criterion).where(
            Criterion.framework_id == campaign.framework_id, Criterion.code == "2.1"
        )
    )
    db.session.add(
        Entry(submission_id=sc.id, criterion_id=criterion.id, stage=APPRAISAL, value="4")
    )
    db.session.flush()
    # Stored with the unit's figures, as the appeal decision's unit of work stores them.
    refresh_results(sc)
    db.session.commit()
    c = english(login_as("evaluator"))
    published = c.get("/rankings/HEAT-25/heatmap?view=published").get_data(as_text=True)
    assert "Published results, version 1" in published
    assert "Live values — not published" in published.split('id="heatmap-results"', 1)[1]
    assert 'aria-current="page">Published results, version 1' in published
    document = document_of(latest_version(campaign))
    stored = {r["unit_code"]: r for b in document["blocks"] for r in b["results"]}
    rows = heat_rows(published)
    assert rows["SC"]["cells"]["2"][0] == stored["SC"]["areas"][1]["index"] == "62.50"
    live = c.get("/rankings/HEAT-25/heatmap").get_data(as_text=True)
    assert "Live values — not published" in live and 'aria-current="page">Live values<' in live
    assert heat_rows(live)["SC"]["cells"]["2"] == ("100.00", "4")
    # The caption of each table says which figures it holds.
    assert re.search(r"<caption[^>]*>[^<]*Published results, version 1", published)
    assert re.search(r"<caption[^>]*>[^<]*Live values — not published", live)


def test_published_view_before_publication_shows_live_values(heat_campaign, login_as):
    html = english(login_as("leader")).get("/rankings/HEAT-25/heatmap?view=published")
    text = html.get_data(as_text=True)
    assert "Live values — not published" in text and "Published results" not in text


# ---- filters and empty states ----------------------------------------------------------------


def test_block_filter(heat_campaign, login_as):
    c = english(login_as("admin"))
    html = c.get("/rankings/HEAT-25/heatmap?block=PHUONG").get_data(as_text=True)
    assert 'data-block="PHUONG"' in html and 'data-block="SBN"' not in html
    assert set(heat_rows(html)) == {"PA", "average:PHUONG"}
    assert '<option value="PHUONG" selected>' in html
    # htmx gets the results region only, and the status line out of band.
    part = c.get("/rankings/HEAT-25/heatmap?block=SBN", headers={"HX-Request": "true"})
    text = part.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="heatmap-results"') and "<html" not in text
    assert 'hx-swap-oob="innerHTML"' in text and "HX-Request" in part.headers["Vary"]
    assert set(heat_rows(text)) == {"SA", "SB", "SC", "average:SBN"}


def test_unknown_block_and_empty_campaign(
    heat_campaign, heat_framework, make_unit, users, login_as
):
    from reform.services.campaigns import PhaseDates, create_campaign, remove_participant
    from reform.services.phases import today

    c = english(login_as("leader"))
    response = c.get("/rankings/HEAT-25/heatmap?block=NOPE")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is no block “NOPE” in this campaign." in html
    assert "heatmap-block" not in html
    empty_campaign = create_campaign(
        "EMPTY",
        "Chưa có đơn vị",
        heat_framework,
        PhaseDates(today(), today() + timedelta(days=5)),
        units=[make_unit("SX", "Sở Xây dựng")],
    )
    # Its only participant is taken out before entering anything.
    only = db.session.scalar(select(Submission).where(Submission.campaign_id == empty_campaign.id))
    remove_participant(only, actor=users["admin"])
    empty = c.get("/rankings/EMPTY/heatmap").get_data(as_text=True)
    assert "No unit takes part in this campaign yet." in empty
    assert c.get("/rankings/NOPE/heatmap").status_code == 404


def test_a_block_where_nothing_is_lost(make_unit, heat_framework, users, login_as):
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    unit = make_unit("SF", "Sở Hoàn hảo", block_code="SBN")
    campaign = create_campaign(
        "FULL",
        "Đủ điểm",
        heat_framework,
        PhaseDates(today() - timedelta(days=1), today() + timedelta(days=5)),
        units=[unit],
    )
    text = HEADER + "SF,1.1,Đúng hạn,\nSF,1.2,yes,\nSF,2.1,4,\nSF,P,0,\n"
    assert import_scores(campaign, text.encode(), stage="self", filename="s.csv").ok
    html = english(login_as("leader")).get("/rankings/FULL/heatmap").get_data(as_text=True)
    assert "No criterion has lost points in this block." in html
    assert heat_rows(html)["SF"]["cells"]["index"] == ("100.00", "4")


# ---- queries -----------------------------------------------------------------------------------


def test_statements_do_not_grow_with_units_or_blocks(app, heat_framework, make_unit, login_as):
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.publication import publish
    from reform.services.scores_import import import_scores

    def counted(c, url: str, size: int, blocks: int) -> int:
        c.get(url)  # warm: templates compiled, the parsed framework cached
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = c.get(url)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert len([k for k in heat_rows(html) if not k.startswith("average")]) == size
            assert html.count('data-criterion="1.1"') == blocks
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    def statements(size: int, blocks: int, code: str) -> tuple[int, int]:
        members = [
            make_unit(f"{code}{n}", f"Đơn vị {code} {n}", block_code=f"{code}B{n % blocks}")
            for n in range(size)
        ]
        campaign = create_campaign(
            code,
            code,
            heat_framework,
            PhaseDates(today() - timedelta(days=1), today() + timedelta(days=5)),
            units=members,
        )
        text = HEADER + "".join(f"{u.code},1.1,Chậm,\n{u.code},2.1,3,\n" for u in members)
        assert import_scores(campaign, text.encode(), stage="self", filename="s.csv").ok
        c = login_as("leader")
        live = counted(c, f"/rankings/{code}/heatmap", size, blocks)
        publish(campaign, actor=None, force=True)
        published = counted(c, f"/rankings/{code}/heatmap?view=published", size, blocks)
        return live, published

    small, large = statements(2, 1, "QA"), statements(30, 3, "QB")
    assert small == large, (small, large)


# ---- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200),
        ("secretariat", 200),
        ("evaluator", 200),
        ("leader", 200),
        # Every unit's figures: a unit's people get 404, as for any result not theirs to see.
        ("head", 404),
        ("officer", 404),
    ],
)
def test_heatmap_access(heat_campaign, login_as, who, status):
    c = login_as(who)
    assert c.get("/rankings/HEAT-25/heatmap").status_code == status
    assert c.get("/rankings/HEAT-25/heatmap?block=SBN&view=published").status_code == status


def test_heatmap_needs_sign_in(heat_campaign, client):
    response = client.get("/rankings/HEAT-25/heatmap")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Not even whether a campaign exists is told to an anonymous visitor.
    missing = client.get("/rankings/NOPE/heatmap")
    assert missing.status_code == 302 and "/login" in missing.headers["Location"]
