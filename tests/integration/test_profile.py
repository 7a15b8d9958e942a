"""A unit's profile: figures equal to the ranking, block averages, criteria, history, access."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from reform.charts import BAR
from reform.extensions import db
from reform.models import Campaign, Criterion, Evidence, Submission
from reform.services.results import campaign_results

HEADER = "unit_code,criterion_code,value,note\n"
SVG = "{http://www.w3.org/2000/svg}"
# Block SBN: Sở An (SA), Sở Bình (SB), Sở Cường (SC); block PHUONG: a ward that must not count.
SELF = {
    "SA": {
        "1.1": "Đúng hạn",
        "1.2": "yes",
        "1.3": "2",
        "2.1": "10/10",
        "2.2": "1/2",
        "2.3": "0",
        "2.4": "2",
        "T": "yes",
    },
    "SB": {
        "1.1": "Chậm",
        "1.2": "no",
        "1.3": "1.25",
        "2.1": "9/10",
        "2.2": "na",
        "2.3": "3",
        "2.4": "0",
    },
    "SC": {
        "1.1": "Đúng hạn",
        "1.2": "yes",
        "1.3": "0.25",
        "2.1": "10/10",
        "2.2": "2/2",
        "2.3": "0",
        "2.4": "1",
    },
    "PA": {
        "1.1": "Đúng hạn",
        "1.2": "yes",
        "1.3": "2",
        "1.4": "yes",
        "2.1": "10/10",
        "2.2": "2/2",
        "2.3": "3",
        "2.4": "0",
    },
}
SURVEY = {"SA": "3", "SB": "2", "SC": "4", "PA": "4"}
# Sở An: the council sets 1.3 to 1.5 (self 2). Area 1: 4.5 of 5 = 90.00; area 2: 4 + 1 + 0 + 1
# = 6 of 10 = 60.00; survey 3 of 4 = 75.00; with the bonus 14.5 of 19 = 76.32, ranked 2nd after
# Sở Cường (14.75 of 19 = 77.63), before Sở Bình (10.25 of 17, 2.2 not applicable = 60.29).
APPRAISED = {"SA": {"1.3": "1.5"}}
# Block averages by hand: area 1 (90 + 45 + 65) / 3 = 66.67; area 2 (60 + 75 + 75) / 3 = 70.00;
# area 3 (75 + 50 + 100) / 3 = 75.00; index (76.32 + 60.29 + 77.63) / 3 = 71.41.
AREAS_SA = {
    "1": ("4.50", "5.00", "90.00", "66.67", "+23.33"),
    "2": ("6.00", "10.00", "60.00", "70.00", "-10.00"),
    "3": ("3.00", "4.00", "75.00", "75.00", "0.00"),
}
HISTORY = "year,unit_code,points,index,rank\n2023,SA,,70.50,3\n2024,SA,,74.25,2\n2024,SB,,61.00,3\n"


def shown(value: str | None) -> str:
    """A contract figure ("76.32") as the Vietnamese page writes it ("76,32")."""
    return "–" if value is None else value.replace(".", ",")


@pytest.fixture
def profiled(make_unit, make_user, rules_framework, users) -> Campaign:
    """Three departments and a ward scored, appraised and surveyed; two files on 1.1 of Sở An."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.evidence import store
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    names = {"SA": "Sở An", "SB": "Sở Bình", "SC": "Sở Cường"}
    members = [make_unit(code, name, block_code="SBN") for code, name in names.items()]
    members.append(make_unit("PA", "Phường An Bình", kind="ward", block_code="PHUONG"))
    # A department outside the campaign.
    make_unit("SX", "Sở Xây dựng", block_code="SBN")
    day = today()
    campaign = create_campaign(
        "PAR-P",
        "Chỉ số CCHC năm 2025",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=members,
        year=2025,
    )
    for unit in members[:2]:
        make_user(f"head-{unit.code.lower()}", ["head"], unit)
    make_user("officer-sa", ["officer"], members[0])
    self_csv = HEADER + "".join(
        f"{code},{criterion},{value},\n"
        for code, values in SELF.items()
        for criterion, value in values.items()
    )
    appraisal_csv = HEADER + "".join(
        f"{code},{criterion},{value},Thiếu hồ sơ\n"
        for code, values in APPRAISED.items()
        for criterion, value in values.items()
    )
    survey_csv = HEADER + "".join(f"{code},3.1,{value},\n" for code, value in SURVEY.items())
    for text, stage in ((self_csv, "self"), (appraisal_csv, "appraisal"), (survey_csv, "survey")):
        report = import_scores(campaign, text.encode(), stage=stage, filename=f"{stage}.csv")
        assert report.ok, report.errors
    submission = submission_of(campaign, "SA")
    criterion = db.session.scalar(
        select(Criterion).where(
            Criterion.framework_id == campaign.framework_id, Criterion.code == "1.1"
        )
    )
    for name in ("ke-hoach.pdf", "quyet-dinh.pdf"):
        stored = store(f"%PDF-1.4\n% {name}\n%%EOF\n".encode(), filename=name, max_bytes=4096)
        db.session.add(
            Evidence(
                submission_id=submission.id, criterion_id=criterion.id, file=stored, filename=name
            )
        )
    db.session.commit()
    db.session.expire_all()
    return campaign


def submission_of(campaign: Campaign, unit_code: str) -> Submission:
    from reform.models import Unit

    return db.session.scalar(
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id, Unit.code == unit_code)
    )


def import_history() -> None:
    from reform.services.history import import_history as store

    report = store(HISTORY.encode(), framework_code="RULES", filename="2023-2024.csv")
    assert report.ok, report.errors


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}">(.*?)</dd>', html, re.S)
    assert match, name
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def svg(html: str, chart_id: str) -> ET.Element:
    """The chart's SVG parsed as XML (it must be well formed)."""
    match = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title.*?</svg>', html, re.S)
    assert match, chart_id
    return ET.fromstring(match.group(0))


def table_rows(html: str, table_id: str, key: str) -> dict[str, list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for match in re.finditer(rf'<tr {key}="([^"]+)"[^>]*>(.*?)</tr>', body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(2), re.S)
        rows[match.group(1)] = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]
    return rows


def criteria_codes(html: str, kind: str) -> list[str]:
    body = html.split(f'id="{kind}-list"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'data-criterion="([^"]+)"', body)


# ---- figures -------------------------------------------------------------------------------


def test_figures_equal_the_contract_row_and_the_ranking(profiled, login_as):
    c = login_as("leader")
    html = c.get("/rankings/PAR-P/units/SA").get_data(as_text=True)
    document = campaign_results(profiled, published=False)
    sbn = next(b for b in document["blocks"] if b["code"] == "SBN")
    row = next(r for r in sbn["results"] if r["unit_code"] == "SA")
    # The figures this test was built for, so equal-but-wrong figures cannot pass.
    assert [(r["unit_code"], r["rank"], r["index"]) for r in sbn["results"]] == [
        ("SC", 1, "77.63"),
        ("SA", 2, "76.32"),
        ("SB", 3, "60.29"),
    ]
    assert figure(html, "index") == shown(row["index"]) + "%"
    assert figure(html, "band") == row["band"] == "C"
    assert figure(html, "rank") == "2/3"
    for key in ("self_points", "appraised_points", "survey_points"):
        assert figure(html, key) == shown(row[key]), key
    assert figure(html, "points-of-max") == f"{shown(row['points'])} / {shown(row['max_points'])}"
    assert row["points"] == "14.50" and row["self_points"] == "12.00"
    # The ranking page shows the same index for the unit, and links to this profile.
    ranking = c.get("/rankings/PAR-P?block=SBN").get_data(as_text=True)
    ranked = re.search(r'<tr data-unit="SA">(.*?)</tr>', ranking, re.S).group(1)
    assert f'data-figure="index">{shown(row["index"])}<' in ranked
    assert 'href="/rankings/PAR-P/units/SA"' in ranked


def test_areas_against_the_hand_checked_block_average(profiled, login_as):
    from reform.models import Unit
    from reform.services.official import official_report, unit_report
    from reform.services.profile import unit_profile

    html = login_as("leader").get("/rankings/PAR-P/units/SA").get_data(as_text=True)
    rows = table_rows(html, "areas-table", "data-area")
    assert set(rows) == set(AREAS_SA)
    for code, (points, top, index, mean, difference) in AREAS_SA.items():
        assert rows[code][1:] == [
            shown(points),
            shown(top),
            shown(index),
            shown(mean),
            shown(difference),
        ]
    assert figure(html, "block-average") == "71,41"
    # The official unit report computes the same block averages.
    sa = db.session.scalar(select(Unit).where(Unit.code == "SA"))
    official = unit_report(official_report(profiled), sa)
    profile = unit_profile(profiled, sa)
    assert {a.code: str(a.average) for a in profile.areas} == {
        a["code"]: a["average"] for a in official.areas
    }
    # The chart draws the unit's and the block's bars for every area, with their values.
    chart = svg(html, "chart-areas")
    assert chart.get("role") == "img"
    labels = [t.text for t in chart.iter(f"{SVG}text")]
    assert "90,00" in labels and "66,67" in labels and "60,00" in labels
    assert len([r for r in chart.iter(f"{SVG}rect") if r.get("height") == str(BAR.bar)]) == 6
    desc = chart.find(f"{SVG}desc").text
    assert "1. Chỉ đạo, điều hành: Sở An 90,00, Bình quân khối 66,67" in desc


def test_strongest_and_weakest_criteria_in_order(profiled, login_as):
    html = login_as("leader").get("/rankings/PAR-P/units/SA").get_data(as_text=True)
    # Shares: 1.1, 1.2, 2.1 100%; 1.3 75% (appraised 1.5 of 2); 2.2, 2.4 50%; 2.3 0%. Survey
    # 3.1 and the bonus T are not compared; 1.4 is for wards only.
    assert criteria_codes(html, "strongest") == ["1.1", "1.2", "2.1", "1.3"]
    assert criteria_codes(html, "weakest") == ["2.3", "2.2", "2.4"]
    card = html.split('data-criterion="1.3"', 1)[1].split("</li>", 1)[0]
    assert 'data-share="75.00"' in card and "75,00%" in card
    assert re.search(r"1,50\D+2,00", card)
    # Self 2, appraised 1.5: both stages shown, numbers with the decimal comma.
    assert re.search(r"Tự đánh giá</dt><dd>2 · 2,00 điểm</dd>", card)
    assert re.search(r"Thẩm định</dt><dd>1,5 · 1,50 điểm</dd>", card)
    weakest = html.split('data-criterion="2.3"', 1)[1].split("</li>", 1)[0]
    assert 'data-share="0.00"' in weakest
    files = html.split('data-criterion="1.1"', 1)[1].split("</li>", 1)[0]
    assert 'data-evidence="2"' in files


def test_not_applicable_criteria_are_left_out(profiled, login_as):
    html = login_as("leader").get("/rankings/PAR-P/units/SB").get_data(as_text=True)
    listed = criteria_codes(html, "strongest") + criteria_codes(html, "weakest")
    assert "2.2" not in listed  # declared not applicable
    assert "1.4" not in listed  # wards only
    # Shares: 2.3, 2.4 100%; 1.3 62.5%; 1.1, 2.1 50%; 1.2 0%.
    assert criteria_codes(html, "strongest") == ["2.3", "2.4", "1.3"]
    assert criteria_codes(html, "weakest") == ["1.2", "1.1", "2.1"]


def test_history_shows_on_the_chart_and_the_table(profiled, login_as):
    import_history()
    html = login_as("leader").get("/rankings/PAR-P/units/SA").get_data(as_text=True)
    rows = table_rows(html, "years-table", "data-year")
    assert list(rows) == ["2023", "2024", "2025"]
    assert rows["2023"][1:4] == ["70,50", "–", "3"]
    assert rows["2024"][1] == "74,25"
    assert rows["2025"][1:4] == ["76,32", "14,50", "2"]
    assert 'data-year="2025" data-status="live"' in html
    assert 'data-year="2023" data-status="imported"' in html
    assert "2023-2024.csv" in rows["2023"][4]
    chart = svg(html, "chart-years")
    assert chart.get("aria-labelledby") == "chart-years-title chart-years-desc"
    title = chart.find(f"{SVG}title").text
    assert "Chỉ số" in title and "Sở An" in title
    desc = chart.find(f"{SVG}desc").text
    assert "2023: 70,50" in desc and "2024: 74,25" in desc
    assert re.search(r"2025: 76,32 \((live|tạm tính)\)", desc)
    circles = list(chart.iter(f"{SVG}circle"))
    assert len(circles) == 3
    # The live point is hollow; the imported ones are filled.
    assert [c.get("fill") for c in circles][2] == "#ffffff"
    assert len({c.get("fill") for c in circles[:2]}) == 1 and circles[0].get("fill") != "#ffffff"
    # A higher index is drawn higher (smaller y).
    ys = [float(c.get("cy")) for c in circles]
    assert ys[0] > ys[1] > ys[2]


def test_published_view_takes_the_published_version(profiled, login_as):
    from reform.services.publication import document_of, latest_version, publish

    import_history()
    publish(profiled, actor=None, force=True)
    version = latest_version(profiled)
    c = login_as("evaluator")
    html = c.get("/rankings/PAR-P/units/SA?view=published").get_data(as_text=True)
    assert "Kết quả đã công bố, phiên bản 1" in html
    assert version.content_hash[:12] in html
    row = next(
        r for b in document_of(version)["blocks"] for r in b["results"] if r["unit_code"] == "SA"
    )
    assert figure(html, "index") == shown(row["index"]) + "%"
    rows = table_rows(html, "years-table", "data-year")
    assert rows["2025"][4] == "Đã công bố"
    assert 'data-year="2025" data-status="published"' in html
    # The published ranking links to the published profile.
    ranking = c.get("/rankings/PAR-P?view=published&block=SBN").get_data(as_text=True)
    assert 'href="/rankings/PAR-P/units/SA?view=published"' in ranking


# ---- links ---------------------------------------------------------------------------------


def test_links_lead_to_the_evidence_and_the_history(app, profiled):
    from reform.services.publication import publish

    # Published, so that the unit's people see the profile too.
    publish(profiled, actor=None, force=True)
    submission = submission_of(profiled, "SA")
    history = f"/assessments/{submission.id}/history/1.1"
    for who, evidence_page, anchor in (
        ("leader", f"/assessments/{submission.id}?area=1", "c-1.1"),
        ("head-sa", f"/assessments/{submission.id}?area=1", "c-1.1"),
        ("officer-sa", f"/assessments/{submission.id}?area=1", "c-1.1"),
        ("admin", f"/appraisal/{submission.id}?area=1", "a-1.1"),
        ("secretariat", f"/appraisal/{submission.id}?area=1", "a-1.1"),
        # Not assigned to the unit: the evaluator finds the evidence on the unit's form.
        ("evaluator", f"/assessments/{submission.id}?area=1", "c-1.1"),
    ):
        c = _login(app, who)
        html = c.get("/rankings/PAR-P/units/SA").get_data(as_text=True)
        assert f'href="{evidence_page}#{anchor}"' in html, who
        page = c.get(evidence_page)
        assert page.status_code == 200, who
        text = page.get_data(as_text=True)
        assert f'id="{anchor}"' in text, who
        # The files counted on the profile are listed there.
        assert "ke-hoach.pdf" in text and "quyet-dinh.pdf" in text, who
        assert f'href="{history}"' in html, who
        assert c.get(history).status_code == 200, who
    # The official report of the unit is one click away too.
    html = _login(app, "leader").get("/rankings/PAR-P/units/SA").get_data(as_text=True)
    assert 'href="/reports/PAR-P/units/SA"' in html
    assert _login(app, "leader").get("/reports/PAR-P/units/SA").status_code == 200


def _login(app, username):
    from helpers import login

    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


# ---- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "secretariat", "evaluator", "leader"])
def test_staff_see_every_participant(profiled, login_as, who):
    c = login_as(who)
    for code in ("SA", "SB", "SC", "PA"):
        response = c.get(f"/rankings/PAR-P/units/{code}")
        assert response.status_code == 200, (who, code)
        # Staff get the way back to the ranking.
        assert 'href="/rankings/PAR-P"' in response.get_data(as_text=True)


def test_a_units_people_see_only_their_own_unit_once_published(app, profiled):
    from reform.services.publication import publish

    # Before publication the profile (appraised and survey figures, rank) is not theirs to see.
    for who in ("head-sa", "officer-sa"):
        assert _login(app, who).get("/rankings/PAR-P/units/SA").status_code == 404, who
    publish(profiled, actor=None, force=True)
    for who in ("head-sa", "officer-sa"):
        c = _login(app, who)
        own = c.get("/rankings/PAR-P/units/SA")
        assert own.status_code == 200, who
        assert 'href="/rankings/PAR-P"' not in own.get_data(as_text=True)
        assert c.get("/rankings/PAR-P/units/SB").status_code == 404, who
        assert c.get("/rankings/PAR-P/units/PA").status_code == 404, who
    other_head = _login(app, "head-sb")
    assert other_head.get("/rankings/PAR-P/units/SA").status_code == 404
    assert other_head.get("/rankings/PAR-P/units/SB").status_code == 200


def test_anonymous_is_sent_to_sign_in(app, profiled):
    response = app.test_client().get("/rankings/PAR-P/units/SA")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_units_outside_the_campaign_and_unknown_codes_answer_404(profiled, login_as):
    c = login_as("leader")
    assert c.get("/rankings/PAR-P/units/SX").status_code == 404  # not a participant
    assert c.get("/rankings/PAR-P/units/NOPE").status_code == 404
    assert c.get("/rankings/NOPE/units/SA").status_code == 404


def test_the_profile_reads_the_entries_once(profiled, app):
    """The block's figures come from one entries query, however many units the block has."""
    from sqlalchemy import event

    from reform.models import Unit
    from reform.services.profile import unit_profile

    sa = db.session.scalar(select(Unit).where(Unit.code == "SA"))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        unit_profile(profiled, sa)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    entries = [s for s in statements if "FROM entries" in s]
    assert len(entries) == 1, entries
    # A fixed number of queries: none per unit of the block.
    assert len(statements) <= 10, statements
    assert Decimal(unit_profile(profiled, sa).row["index"]) == Decimal("76.32")


POINTS_FRAMEWORK = """\
code: TD-THU
version: 1
name: "Bảng chấm điểm thi đua thử"
kind: emulation
result: points
bands: [{min: 20, label: "Tốt"}, {min: 0, label: "Khá"}]
criteria:
  - code: "I"
    name: "Nhiệm vụ chuyên môn"
    children:
      - {code: "I.1", name: "Chỉ tiêu", max: 10, rule: {type: manual, step: 0.5}}
      - {code: "I.2", name: "Nhiệm vụ đột xuất", max: 10, rule: {type: manual, step: 0.5}}
      - {code: "I.3", name: "Báo cáo", max: 4, rule: {type: yesno}}
  - {code: "T", name: "Cờ thi đua", bonus: true, max: 10, rule: {type: yesno}}
  - {code: "P", name: "Vi phạm", penalty: true, max: 5, rule: {type: manual, step: 1}}
"""


def test_points_frameworks_show_points_with_bonus_and_deductions_apart(make_unit, users, login_as):
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.frameworks import import_framework
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    fw = import_framework(POINTS_FRAMEWORK)
    members = [
        make_unit("KA", "Sở Ánh", block_code="K1"),
        make_unit("KB", "Sở Bảo", block_code="K1"),
    ]
    day = today()
    create = PhaseDates(day - timedelta(days=3), day + timedelta(days=10))
    campaign = create_campaign("TD-P", "Thi đua 2025", fw, create, units=members, year=2025)
    rows = HEADER + (
        "KA,I.1,9,\nKA,I.2,4,\nKA,I.3,yes,\nKA,T,yes,\nKA,P,1,\n"
        "KB,I.1,10,\nKB,I.2,10,\nKB,I.3,no,\n"
    )
    assert import_scores(campaign, rows.encode(), stage="self", filename="td.csv").ok
    html = login_as("leader").get("/rankings/TD-P/units/KA").get_data(as_text=True)
    # Sở Ánh: 9 + 4 + 4 = 17, bonus 10, penalty 1: 26 points, the bonus taking it above the
    # 24 of the max. Sở Bảo: 20 points.
    assert figure(html, "points") == "26,00"
    assert figure(html, "block-average") == "23,00"
    assert "Tốt" in figure(html, "band")
    # The axis is in points, not percent: a round maximum above the highest figure.
    chart = svg(html, "chart-years")
    labels = [t.text for t in chart.iter(f"{SVG}text")]
    assert "26,00" in labels and "30" in labels and "100" not in labels
    # Bonus and penalty criteria are counted apart, never among the strongest or weakest.
    listed = criteria_codes(html, "strongest") + criteria_codes(html, "weakest")
    assert criteria_codes(html, "strongest") == ["I.3", "I.1"]
    assert criteria_codes(html, "weakest") == ["I.2"]
    assert "T" not in listed and "P" not in listed
    assert figure(html, "bonus_points") == "10,00"
    assert figure(html, "penalty_points") == "1,00"


def test_a_units_home_links_its_profile_and_report_once_published(app, profiled):
    from reform.services.publication import publish

    html = _login(app, "officer-sa").get("/home/officer").get_data(as_text=True)
    assert "/rankings/PAR-P/units/SA" not in html and "/reports/PAR-P/units/SA" not in html
    assert "Kết quả sẽ mở tại đây sau khi được công bố." in html
    publish(profiled, actor=None, force=True)
    html = _login(app, "officer-sa").get("/home/officer").get_data(as_text=True)
    assert 'href="/rankings/PAR-P/units/SA"' in html
    assert 'href="/reports/PAR-P/units/SA"' in html
    assert "/units/SB" not in html
