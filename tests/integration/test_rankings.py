"""The rankings page: figures equal to the API and the results document, ties, change, live."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from reform.extensions import db
from reform.models import Campaign, Submission
from reform.services.results import campaign_results

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
# Block SBN: four departments (15 self points of 19 each before appraisal); block PHUONG: a ward.
DEPARTMENTS = {
    "SA": "Sở An",
    "SDT": "Sở Dân tộc",
    "SDL": "Sở Điện lực",
    "SCT": "Sở Công thương",
}
# The council's 1.3 per unit; with survey 3 of 4: 17.5, 17, 17 and 16.5 of 19 points, so the
# indices 92.11, 89.47, 89.47 and 86.84 rank 1, 2, 2, 4 (Dân tộc before Điện lực: D before Đ).
APPRAISED_13 = {"SA": "1.5", "SDT": "1", "SDL": "1", "SCT": "0.5"}
EXPECTED_ORDER = [("SA", 1), ("SDT", 2), ("SDL", 2), ("SCT", 4)]
# Last year's published figures: Sở An kept 1st, Dân tộc was 3rd, Công thương 2nd.
HISTORY = (
    "year,unit_code,points,index,rank\n"
    "2024,SA,,90.00,1\n"
    "2024,SDT,,88.47,3\n"
    "2024,SCT,,87.00,2\n"
    "2024,PA,,96.50,1\n"
)


def build_campaign(make_unit, make_user, rules_framework, *, publish: bool = False) -> Campaign:
    """Five units in two blocks, self-assessed through the service, appraised, surveyed."""
    from reform.services.assessment import approve_and_submit, save_self_entry
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    members = [make_unit(code, name, block_code="SBN") for code, name in DEPARTMENTS.items()]
    members.append(make_unit("PA", "Phường An Bình", kind="ward", block_code="PHUONG"))
    day = today()
    campaign = create_campaign(
        "PAR-LIVE",
        "Chỉ số CCHC năm 2025",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=members,
        year=2025,
    )
    for unit in members:
        head = make_user(f"head-{unit.code.lower()}", ["head"], unit)
        submission = db.session.scalar(
            select(Submission).where(
                Submission.campaign_id == campaign.id, Submission.unit_id == unit.id
            )
        )
        values = dict(SELF_VALUES, **({"1.4": "yes"} if unit.kind == "ward" else {}))
        for code, value in values.items():
            save_self_entry(
                submission,
                code,
                value=value,
                note=None,
                explanation="Văn bản kèm theo" if code in ("1.1", "2.1") else None,
                base_version=0,
                actor=head,
            )
        approve_and_submit(submission, actor=head)
    appraisal = HEADER + "".join(
        f"{code},1.3,{value},Thiếu hồ sơ\n" for code, value in APPRAISED_13.items()
    )
    survey = HEADER + "".join(f"{u.code},3.1,3,\n" for u in members)
    for name, text, stage in (
        ("appraisal.csv", appraisal, "appraisal"),
        ("s.csv", survey, "survey"),
    ):
        report = import_scores(campaign, text.encode(), stage=stage, filename=name)
        assert report.ok, report.errors
    if publish:
        from reform.services.publication import publish as publish_results

        publish_results(campaign, actor=None, force=True)
    db.session.expire_all()
    return campaign


@pytest.fixture
def live_campaign(make_unit, make_user, rules_framework, users) -> Campaign:
    return build_campaign(make_unit, make_user, rules_framework)


@pytest.fixture
def published_campaign(make_unit, make_user, rules_framework, users) -> Campaign:
    return build_campaign(make_unit, make_user, rules_framework, publish=True)


def import_history() -> None:
    from reform.services.history import import_history as store

    report = store(HISTORY.encode(), framework_code="RULES", filename="2024.csv")
    assert report.ok, report.errors


def shown(value: str | None) -> str:
    """A contract figure ("89.47") as the Vietnamese page writes it ("89,47")."""
    return "–" if value is None else value.replace(".", ",")


ROW_RE = re.compile(r'<tr data-unit="(?P<code>[^"]+)">(?P<body>.*?)</tr>', re.S)
CELL_RE = re.compile(
    r'<td class="(?P<cls>[^"]*)" data-label="(?P<label>[^"]+)"[^>]*>(?P<v>.*?)</td>', re.S
)
COLUMNS = {
    "Điểm tự đánh giá": "self_points",
    "Điểm thẩm định": "appraised_points",
    "Điểm điều tra xã hội học": "survey_points",
    "Điểm": "points",
    "Điểm tối đa": "max_points",
    "Chỉ số": "index",
    "Xếp loại": "band",
    "Xếp hạng": "rank",
}


def page_rows(html: str) -> dict[str, dict[str, str]]:
    """Every unit row of a rankings page: its cells by contract field, as displayed."""
    rows = {}
    for match in ROW_RE.finditer(html):
        cells = {}
        for cell in CELL_RE.finditer(match.group("body")):
            label = cell.group("label")
            text = re.sub(r"<[^>]+>", " ", cell.group("v"))
            cells[COLUMNS.get(label, label)] = " ".join(text.split())
        rows[match.group("code")] = cells
    return rows


CHANGE_RE = re.compile(
    r'<tr data-unit="(?P<code>[^"]+)">.*?'
    r'<td class="change change-(?P<way>\w+)"[^>]*>(?P<v>.*?)</td>',
    re.S,
)
HIDDEN_RE = re.compile(r'<span class="visually-hidden">(.*?)</span>', re.S)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" ,", ",")


def change_cells(html: str) -> dict[str, tuple[str, str]]:
    """Each row's change cell: the direction its arrow and colour take, and its visible text."""
    out = {}
    for match in CHANGE_RE.finditer(html):
        shown = HIDDEN_RE.sub("", match.group("v"))
        out[match.group("code")] = (match.group("way"), _text(shown))
    return out


def spoken_changes(html: str) -> dict[str, str]:
    """What a screen reader reads in each change cell: the visible part is hidden from it."""
    out = {}
    for match in CHANGE_RE.finditer(html):
        cell = match.group("v")
        assert 'class="arrow"' not in cell or 'aria-hidden="true"' in cell
        spoken = HIDDEN_RE.search(cell)
        out[match.group("code")] = _text(spoken.group(1) if spoken else cell)
    return out


def block_rows(client, url: str, document: dict) -> dict[str, dict[str, str]]:
    """The rows of every block's page (the page shows one block at a time)."""
    rows: dict[str, dict[str, str]] = {}
    joiner = "&" if "?" in url else "?"
    for block in document["blocks"]:
        html = client.get(f"{url}{joiner}block={block['code']}").get_data(as_text=True)
        rows.update(page_rows(html))
    return rows


def assert_page_matches(rows: dict[str, dict[str, str]], document: dict) -> None:
    count = 0
    for block in document["blocks"]:
        for result in block["results"]:
            cells = rows[result["unit_code"]]
            count += 1
            assert cells["rank"] == str(result["rank"])
            for key in ("self_points", "appraised_points", "survey_points", "points"):
                assert cells[key] == shown(result[key]), (result["unit_code"], key)
            assert cells["max_points"] == shown(result["max_points"])
            assert cells["index"] == shown(result["index"])
            assert cells["band"] == (result["band"] or "–")
    assert count == len(rows) == 5


# ---- figures -------------------------------------------------------------------------------


def test_live_page_equals_api_and_results_document(live_campaign, login_as):
    c = login_as("leader")
    page = c.get("/rankings/PAR-LIVE")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Số liệu tạm tính — chưa công bố" in html
    document = campaign_results(live_campaign, published=False)
    api = c.get("/api/v1/campaigns/PAR-LIVE/results").get_json()
    assert api == document
    assert_page_matches(block_rows(c, "/rankings/PAR-LIVE", document), document)
    # The figures the test was built for, so equal-but-wrong figures cannot pass.
    sbn = next(b for b in document["blocks"] if b["code"] == "SBN")
    assert [(r["unit_code"], r["rank"]) for r in sbn["results"]] == EXPECTED_ORDER
    assert [r["index"] for r in sbn["results"]] == ["92.11", "89.47", "89.47", "86.84"]
    assert sbn["results"][0]["appraised_points"] == "14.50"


def test_published_page_equals_published_payload(published_campaign, login_as):
    from reform.services.publication import document_of, latest_version

    version = latest_version(published_campaign)
    c = login_as("evaluator")
    html = c.get("/rankings/PAR-LIVE?view=published").get_data(as_text=True)
    assert "Kết quả đã công bố, phiên bản 1" in html
    assert version.content_hash[:12] in html
    assert "chưa công bố" not in html
    # The published view never polls; the live view does.
    assert "hx-trigger" not in html.split('id="ranking-results"', 1)[1].split(">", 1)[0]
    document = document_of(version)
    assert_page_matches(block_rows(c, "/rankings/PAR-LIVE?view=published", document), document)
    api = c.get("/api/v1/campaigns/PAR-LIVE/results")
    assert api.get_data() == version.payload.encode("utf-8")
    live = c.get("/rankings/PAR-LIVE").get_data(as_text=True)
    assert 'hx-trigger="every 5s"' in live and "Số liệu tạm tính — chưa công bố" in live


def test_service_ranks_ties_in_vietnamese_order(live_campaign):
    from reform.services.rankings import ranking

    blocks = ranking(live_campaign)
    assert [b.code for b in blocks] == ["PHUONG", "SBN"]
    sbn = blocks[1]
    assert [(r.unit.code, r.rank) for r in sbn.rows] == EXPECTED_ORDER
    assert sbn.rows[1].index == sbn.rows[2].index == Decimal("89.47")
    by_name = ranking(live_campaign, sort="name")[1]
    assert [r.unit.name for r in by_name.rows] == [
        "Sở An",
        "Sở Công thương",
        "Sở Dân tộc",
        "Sở Điện lực",
    ]
    assert [r.unit.code for r in ranking(live_campaign, sort="index")[1].rows][0] == "SA"


def test_change_against_the_previous_year(live_campaign, login_as):
    from reform.services.rankings import ranking

    import_history()
    rows = {r.unit.code: r for r in ranking(live_campaign)[1].rows}
    assert rows["SDT"].places == 1 and rows["SDT"].change == Decimal("1.00")
    assert rows["SA"].places == 0 and rows["SA"].change == Decimal("2.11")
    assert rows["SCT"].places == -2 and rows["SCT"].change == Decimal("-0.16")
    assert rows["SDL"].places is None and rows["SDL"].change is None
    html = login_as("leader").get("/rankings/PAR-LIVE?block=SBN").get_data(as_text=True)
    cells = change_cells(html)
    assert cells["SDT"] == ("up", "▲ +1,00 điểm phần trăm, tăng 1 bậc")
    # Sở An gained points and kept its place: the arrow says it gained.
    assert cells["SA"] == ("up", "▲ +2,11 điểm phần trăm, giữ nguyên hạng")
    assert cells["SCT"] == ("down", "▼ -0,16 điểm phần trăm, giảm 2 bậc")
    assert cells["SDL"] == ("none", "chưa có số liệu năm trước")
    assert "so với năm 2024" in html
    # Sorting by change: the biggest gain first, units without a figure last.
    order = [r.unit.code for r in ranking(live_campaign, sort="change")[1].rows]
    assert order == ["SA", "SDT", "SCT", "SDL"]


def test_the_arrow_follows_the_points_and_the_places_are_said_in_words(live_campaign, login_as):
    from reform.services.history import import_history as store

    # Now 92.11 (1st), 89.47 (2nd), 89.47 (2nd), 86.84 (4th). Sở Dân tộc gained 0.51 points yet
    # lost a place; Sở An lost 0.49 yet gained one; the other two kept their figure.
    past = (
        "year,unit_code,points,index,rank\n"
        "2024,SA,,92.60,2\n2024,SDT,,88.96,1\n2024,SDL,,89.47,2\n2024,SCT,,86.84,3\n"
    )
    assert store(past.encode(), framework_code="RULES", filename="2024.csv").ok
    leader = login_as("leader")
    html = leader.get("/rankings/PAR-LIVE?block=SBN").get_data(as_text=True)
    assert change_cells(html) == {
        "SDT": ("up", "▲ +0,51 điểm phần trăm, giảm 1 bậc"),
        "SA": ("down", "▼ -0,49 điểm phần trăm, tăng 1 bậc"),
        "SDL": ("same", "▬ 0,00 điểm phần trăm, giữ nguyên hạng"),
        "SCT": ("same", "▬ 0,00 điểm phần trăm, giảm 1 bậc"),
    }
    assert spoken_changes(html) == {
        "SDT": "chỉ số tăng 0,51 điểm phần trăm, giảm 1 bậc",
        "SA": "chỉ số giảm 0,49 điểm phần trăm, tăng 1 bậc",
        "SDL": "chỉ số không đổi, giữ nguyên hạng",
        "SCT": "chỉ số không đổi, giảm 1 bậc",
    }
    leader.set_cookie("reform_lang", "en")
    html = leader.get("/rankings/PAR-LIVE?block=SBN").get_data(as_text=True)
    assert change_cells(html)["SDT"] == ("up", "▲ +0.51 pp, down 1 place")
    assert spoken_changes(html)["SA"] == "index down by 0.49 percentage points, up 1 place"


def test_filters_keep_the_block_ranks(live_campaign, login_as):
    from reform.models import Block
    from reform.services.rankings import ranking

    sbn = db.session.scalar(select(Block).where(Block.code == "SBN"))
    only_b = ranking(live_campaign, block_id=sbn.id, band="B")
    assert [b.code for b in only_b] == ["SBN"]
    assert [(r.unit.code, r.rank) for r in only_b[0].rows] == [("SDT", 2), ("SDL", 2), ("SCT", 4)]
    wards = ranking(live_campaign, kind="ward")
    assert [len(b.rows) for b in wards] == [1, 0]
    c = login_as("secretariat")
    html = c.get("/rankings/PAR-LIVE?block=SBN&band=B&sort=name").get_data(as_text=True)
    rows = page_rows(html)
    assert list(rows) == ["SCT", "SDT", "SDL"]
    assert [rows[code]["rank"] for code in rows] == ["4", "2", "2"]
    # The polling URL keeps the filters, so the live view refreshes what the user chose.
    assert "/rankings/PAR-LIVE/live?block=SBN&amp;band=B&amp;sort=name" in html
    # An htmx request gets the results region only, with the status line swapped out of band.
    part = c.get("/rankings/PAR-LIVE?block=SBN", headers={"HX-Request": "true"})
    text = part.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="ranking-results"') and "<html" not in text
    assert 'hx-swap-oob="innerHTML"' in text and "HX-Request" in part.headers["Vary"]


# ---- live updates --------------------------------------------------------------------------


def test_live_partial_answers_304_until_a_save(live_campaign, login_as):
    from reform.services.scores_import import import_scores

    c = login_as("leader")
    first = c.get("/rankings/PAR-LIVE/live?block=SBN")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    wards = c.get("/rankings/PAR-LIVE/live?block=PHUONG").headers["ETag"]
    # The page embeds the same fingerprint the poll sends back.
    page = c.get("/rankings/PAR-LIVE?block=SBN").get_data(as_text=True)
    assert f'data-etag="{tag.strip(chr(34))}"' in page
    again = c.get("/rankings/PAR-LIVE/live?block=SBN", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    # A council save changes a figure: the next poll gets the new region and a new ETag.
    text = HEADER + "SCT,1.3,2,Bổ sung đủ hồ sơ\n"
    assert import_scores(live_campaign, text.encode(), stage="appraisal", filename="x.csv").ok
    changed = c.get("/rankings/PAR-LIVE/live?block=SBN", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    rows = page_rows(changed.get_data(as_text=True))
    assert rows["SCT"]["rank"] == "1" and rows["SCT"]["index"] == "94,74"
    # The other block shows nothing that changed: its poll still answers 304.
    other = c.get("/rankings/PAR-LIVE/live?block=PHUONG", headers={"If-None-Match": wards})
    assert other.status_code == 304
    # Other filters are another fragment with its own fingerprint.
    assert (
        c.get(
            "/rankings/PAR-LIVE/live?block=SBN&sort=name", headers={"If-None-Match": tag}
        ).status_code
        == 200
    )


def test_a_self_save_changes_the_fingerprint(app, rules_framework, make_unit, make_user, users):
    from reform.services.assessment import save_self_entry
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    unit = make_unit("SX", "Sở Xây dựng")
    officer = make_user("officer-sx", ["officer"], unit)
    campaign = create_campaign(
        "PAR-SELF",
        "Tự đánh giá",
        rules_framework,
        PhaseDates(today() - timedelta(days=1), today() + timedelta(days=5)),
        units=[unit],
    )
    submission = db.session.scalar(select(Submission).where(Submission.campaign_id == campaign.id))
    before = etag(campaign)
    assert etag(campaign) == before
    save_self_entry(
        submission, "1.2", value="yes", note=None, explanation=None, base_version=0, actor=officer
    )
    after = etag(campaign)
    assert after != before
    # Two saves in the same second still differ: the figures themselves are in the fingerprint.
    save_self_entry(
        submission, "1.3", value="1", note=None, explanation=None, base_version=0, actor=officer
    )
    assert etag(campaign) != after


def etag(campaign: Campaign) -> tuple[str, ...]:
    """The fingerprints the live polls of every block of the campaign compare."""
    from reform.services.rankings import block_state

    db.session.refresh(campaign)
    return tuple(block_state(campaign, b.block.code).fingerprint for b in campaign.blocks)


def _count_statements(app):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    return seen, count


def test_live_partial_queries_do_not_grow_with_units(app, rules_framework, make_unit, login_as):
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    def statements(size: int, code: str) -> int:
        members = [make_unit(f"{code}{n}", f"Đơn vị {code} {n}") for n in range(size)]
        create_campaign(
            code,
            code,
            rules_framework,
            PhaseDates(today() - timedelta(days=1), today() + timedelta(days=5)),
            units=members,
        )
        c = login_as("leader")
        c.get(f"/rankings/{code}/live")  # warm: templates compiled, caches filled
        seen, count = _count_statements(app)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = c.get(f"/rankings/{code}/live")
            assert response.status_code == 200
            assert len(page_rows(response.get_data(as_text=True))) == size
            not_modified = c.get(
                f"/rankings/{code}/live", headers={"If-None-Match": response.headers["ETag"]}
            )
            assert not_modified.status_code == 304
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    small, large = statements(2, "QA"), statements(30, "QB")
    assert small == large, (small, large)


# ---- access ---------------------------------------------------------------------------------


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
def test_rankings_access(live_campaign, login_as, who, status):
    c = login_as(who)
    for url in ("/rankings/", "/rankings/PAR-LIVE", "/rankings/PAR-LIVE/live"):
        assert c.get(url).status_code == status, (who, url)


def test_rankings_need_sign_in_and_a_campaign(live_campaign, client, login_as):
    for url in ("/rankings/", "/rankings/PAR-LIVE", "/rankings/PAR-LIVE/live"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    leader = login_as("leader")
    assert leader.get("/rankings/NOPE").status_code == 404
    assert leader.get("/rankings/NOPE/live").status_code == 404
    # Asking for the published view before publication shows the live values, labelled so.
    html = leader.get("/rankings/PAR-LIVE?view=published").get_data(as_text=True)
    assert "Số liệu tạm tính — chưa công bố" in html and "Kết quả đã công bố" not in html


def test_leader_home_and_menu_link_the_rankings(live_campaign, login_as):
    html = login_as("leader").get("/home/leader").get_data(as_text=True)
    assert 'href="/rankings/PAR-LIVE"' in html and 'href="/rankings/"' in html
    officer = login_as("officer").get("/home/officer").get_data(as_text=True)
    assert 'href="/rankings/"' not in officer


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_page_formats_figures_as_the_number_filter(app, locale):
    from decimal import Decimal

    from flask_babel import force_locale

    from reform.i18n import fmt_number
    from reform.rankings.views import number_formatter

    values = [Decimal("0.00"), Decimal("89.47"), Decimal("-0.16"), Decimal("1234.50"), None]
    with app.test_request_context(), force_locale(locale):
        number = number_formatter()
        assert [number(v) for v in values] == [fmt_number(v) for v in values]


def test_importing_history_changes_the_live_fingerprint(live_campaign):
    """An open ranking shows the change column as soon as last year's results are imported."""
    before = etag(live_campaign)
    import_history()
    after = etag(live_campaign)
    assert after != before
    assert etag(live_campaign) == after


@pytest.mark.parametrize(("who", "what_if"), [("leader", True), ("evaluator", False)])
def test_ranking_page_links_the_heat_map_what_if_and_outputs(live_campaign, login_as, who, what_if):
    html = login_as(who).get("/rankings/PAR-LIVE").get_data(as_text=True)
    assert 'href="/rankings/PAR-LIVE/heatmap"' in html
    assert 'href="/reports/PAR-LIVE/results.xlsx"' in html
    assert ('href="/rankings/PAR-LIVE/what-if"' in html) is what_if
