"""The rankings page shows one block and one page at a time, with a search; polls are cheap.

The live region is rendered once per change of what it shows and kept in the fragment cache;
a poll costs a fixed number of SQL statements whatever the number of units.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from reform.cache import fragment_cache
from reform.extensions import db
from reform.models import Campaign, Submission

REDIS_URL = "redis://127.0.0.1:6379/0"
HEADER = "unit_code,criterion_code,value,note\n"
# Block "Khối sở" (code Z-SO) sorts before "Khối xã" (code A-XA) by name, not by code.
DEPARTMENTS = [
    ("SA", "Sở An"),
    ("SB", "Sở Bình"),
    ("SC", "Sở Công thương"),
    ("SD", "Sở Dân tộc"),
    ("SDL", "Sở Điện lực"),
    ("SG", "Sở Giáo dục"),
    ("SY", "Sở Y tế"),
]
ROW_RE = re.compile(r'<tr data-unit="([^"]+)">.*?<td class="rank"[^>]*>([^<]*)</td>', re.S)


def rows_of(html: str) -> list[tuple[str, str]]:
    """(unit code, rank) of every row shown, in order."""
    return ROW_RE.findall(html)


def _campaign(make_unit, rules_framework, code: str, members) -> Campaign:
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    return create_campaign(
        code,
        code,
        rules_framework,
        PhaseDates(today() - timedelta(days=1), today() + timedelta(days=5)),
        units=members,
    )


def _score(campaign: Campaign, values: dict[str, str]) -> None:
    """Self values of criterion 1.3 per unit code (0 to 2 points): distinct indices."""
    from reform.services.scores_import import import_scores

    text = HEADER + "".join(f"{code},1.3,{value},\n" for code, value in values.items())
    report = import_scores(campaign, text.encode(), stage="self", filename="s.csv")
    assert report.ok, report.errors


@pytest.fixture
def blocks(make_unit, rules_framework, users) -> Campaign:
    """Seven departments (block Z-SO) ranked by 1.3 in list order but with SB equal to SA,
    and two communes (block A-XA)."""
    members = [make_unit(code, name, block_code="Z-SO") for code, name in DEPARTMENTS]
    members += [
        make_unit("XA1", "Xã Ea Súp", kind="commune", block_code="A-XA"),
        make_unit("XA2", "Xã Đắk Mil", kind="commune", block_code="A-XA"),
    ]
    from reform.models import Block

    db.session.scalar(select(Block).where(Block.code == "Z-SO")).name = "Khối sở"
    db.session.scalar(select(Block).where(Block.code == "A-XA")).name = "Khối xã"
    db.session.commit()
    campaign = _campaign(make_unit, rules_framework, "PAR-PAGES", members)
    _score(
        campaign,
        {"SA": "2", "SB": "2", "SC": "1.75", "SD": "1.5", "SDL": "1.25", "SG": "1", "SY": "0.5"},
    )
    db.session.expire_all()
    return campaign


@pytest.fixture
def small_pages(app):
    app.config["RANKING_PAGE_SIZE"] = 3
    return app


# ---- block picker ---------------------------------------------------------------------------


def test_one_block_at_a_time_with_the_picker_in_vietnamese_order(blocks, login_as):
    html = login_as("leader").get("/rankings/PAR-PAGES").get_data(as_text=True)
    picker = html.split('id="f-block"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]+)"', picker) == ["Z-SO", "A-XA"]
    assert "Tất cả các khối" not in picker and 'value=""' not in picker
    # No own unit: the first block in order, selected; only its units are shown.
    assert '<option value="Z-SO" selected>' in picker
    assert [code for code, _ in rows_of(html)] == ["SA", "SB", "SC", "SD", "SDL", "SG", "SY"]
    other = login_as("leader").get("/rankings/PAR-PAGES?block=A-XA").get_data(as_text=True)
    assert {code for code, _ in rows_of(other)} == {"XA1", "XA2"}
    # An unknown block is ignored: the default block.
    unknown = login_as("leader").get("/rankings/PAR-PAGES?block=NOPE").get_data(as_text=True)
    assert [code for code, _ in rows_of(unknown)][0] == "SA"


def test_a_signed_in_users_own_block_comes_first(blocks, make_user, app):
    from helpers import login

    from reform.models import Unit

    commune = db.session.scalar(select(Unit).where(Unit.code == "XA2"))
    make_user("leader-xa", ["leader"], commune)
    c = app.test_client()
    assert login(c, "leader-xa").status_code == 303
    html = c.get("/rankings/PAR-PAGES").get_data(as_text=True)
    assert '<option value="A-XA" selected>' in html
    assert {code for code, _ in rows_of(html)} == {"XA1", "XA2"}
    # The live region polls the block it shows, named in its URL.
    assert "/rankings/PAR-PAGES/live?block=A-XA" in html


# ---- paging ---------------------------------------------------------------------------------


def test_pages_keep_the_block_ranks(blocks, small_pages, login_as):
    c = login_as("evaluator")
    first = c.get("/rankings/PAR-PAGES?block=Z-SO").get_data(as_text=True)
    assert rows_of(first) == [("SA", "1"), ("SB", "1"), ("SC", "3")]
    assert "trang 1 / 3" in first and "1–3 trong số 7" in first
    second = c.get("/rankings/PAR-PAGES?block=Z-SO&page=2").get_data(as_text=True)
    assert rows_of(second) == [("SD", "4"), ("SDL", "5"), ("SG", "6")]
    # A pushed page URL renders the whole page; the links work without JavaScript.
    assert "<html" in second and 'href="/rankings/PAR-PAGES?block=Z-SO&amp;page=3"' in second
    assert 'rel="prev" href="/rankings/PAR-PAGES?block=Z-SO"' in second
    # Past the end: the last page.
    last = c.get("/rankings/PAR-PAGES?block=Z-SO&page=99").get_data(as_text=True)
    assert rows_of(last) == [("SY", "7")]
    # Not a number: the first page.
    assert rows_of(c.get("/rankings/PAR-PAGES?page=x").get_data(as_text=True))[0] == ("SA", "1")
    # htmx asks for the region only; the poll URL names the page.
    part = c.get("/rankings/PAR-PAGES?block=Z-SO&page=2", headers={"HX-Request": "true"})
    text = part.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="ranking-results"') and "<html" not in text
    assert "/rankings/PAR-PAGES/live?block=Z-SO&amp;page=2" in text
    assert 'hx-push-url="true"' in text and 'id="ranking-next"' in text
    poll = c.get("/rankings/PAR-PAGES/live?block=Z-SO&page=2")
    assert rows_of(poll.get_data(as_text=True)) == [("SD", "4"), ("SDL", "5"), ("SG", "6")]


def test_sorting_and_filters_apply_within_the_block_then_page(blocks, small_pages, login_as):
    c = login_as("leader")
    by_name = c.get("/rankings/PAR-PAGES?block=Z-SO&sort=name&page=2").get_data(as_text=True)
    # Sở An, Bình, Công thương | Dân tộc, Điện lực, Giáo dục | Y tế (D before Đ).
    assert [code for code, _ in rows_of(by_name)] == ["SD", "SDL", "SG"]


# ---- search ---------------------------------------------------------------------------------


def test_search_by_name_without_diacritics_or_by_code(blocks, login_as):
    c = login_as("secretariat")
    html = c.get("/rankings/PAR-PAGES?block=Z-SO&q=dien+luc").get_data(as_text=True)
    assert rows_of(html) == [("SDL", "5")]
    assert "dien luc" in html  # kept in the search box and said above the table
    assert rows_of(c.get("/rankings/PAR-PAGES?block=Z-SO&q=ĐIỆN").get_data(as_text=True)) == [
        ("SDL", "5")
    ]
    assert rows_of(c.get("/rankings/PAR-PAGES?block=Z-SO&q=sy").get_data(as_text=True)) == [
        ("SY", "7")
    ]
    none = c.get("/rankings/PAR-PAGES?block=Z-SO&q=nothing").get_data(as_text=True)
    assert rows_of(none) == [] and "Không có đơn vị nào phù hợp" in none
    # The poll keeps the search.
    assert "/rankings/PAR-PAGES/live?block=Z-SO&amp;q=dien+luc" in html
    live = c.get("/rankings/PAR-PAGES/live?block=Z-SO&q=dien+luc").get_data(as_text=True)
    assert rows_of(live) == [("SDL", "5")]


def test_overlong_or_odd_choices_are_harmless(blocks, login_as):
    c = login_as("admin")
    for query in (
        "q=" + "a" * 5000,
        "page=" + "9" * 400,
        "page=-3",
        "block=" + "x" * 500,
        "sort=nope&kind=" + "k" * 300,
    ):
        assert c.get(f"/rankings/PAR-PAGES?{query}").status_code == 200, query
        assert c.get(f"/rankings/PAR-PAGES/live?{query}").status_code == 200, query


# ---- the fragment cache ---------------------------------------------------------------------


def test_a_second_poll_is_not_rendered_again(blocks, login_as, app):
    cache = fragment_cache(app)
    leader, admin = login_as("leader"), login_as("admin")
    first = leader.get("/rankings/PAR-PAGES/live?block=Z-SO")
    renders = cache.renders
    # Same fingerprint, no If-None-Match (another browser): served from the cache.
    again = admin.get("/rankings/PAR-PAGES/live?block=Z-SO")
    assert again.status_code == 200 and cache.renders == renders
    assert again.headers["ETag"] == first.headers["ETag"]
    assert rows_of(again.get_data(as_text=True)) == rows_of(first.get_data(as_text=True))
    # The full page uses the same render.
    leader.get("/rankings/PAR-PAGES?block=Z-SO")
    assert cache.renders == renders
    # Another language is another render.
    english = login_as("leader")
    english.set_cookie("reform_lang", "en")
    assert (
        english.get("/rankings/PAR-PAGES/live?block=Z-SO").headers["ETag"] != first.headers["ETag"]
    )
    assert cache.renders == renders + 1
    # A save renders the changed block once more, then serves that.
    _score(blocks, {"SY": "2"})
    changed = leader.get("/rankings/PAR-PAGES/live?block=Z-SO")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert ("SY", "1") in rows_of(changed.get_data(as_text=True))
    assert cache.renders == renders + 2
    admin.get("/rankings/PAR-PAGES/live?block=Z-SO")
    assert cache.renders == renders + 2


def test_a_render_is_never_shared_with_a_viewer_the_rule_treats_otherwise(blocks, app, users):
    from flask_login import login_user

    from reform.rankings.views import _choices, _fragment_key

    keys = {}
    for who in ("leader", "admin", "head", "officer"):
        with app.test_request_context("/rankings/PAR-PAGES/live?block=Z-SO"):
            login_user(users[who])
            keys[who] = _fragment_key(blocks, _choices(blocks, None), "live")
    assert keys["leader"] == keys["admin"]
    assert keys["head"] != keys["leader"] and keys["officer"] != keys["leader"]


def test_a_unit_rename_or_block_rename_shows_on_the_next_poll(blocks, login_as):
    from reform.models import Block, Unit

    c = login_as("leader")
    tag = c.get("/rankings/PAR-PAGES/live?block=Z-SO").headers["ETag"]
    unit = db.session.scalar(select(Unit).where(Unit.code == "SY"))
    unit.name = "Sở Y tế và Dân số"
    db.session.commit()
    renamed = c.get("/rankings/PAR-PAGES/live?block=Z-SO", headers={"If-None-Match": tag})
    assert renamed.status_code == 200 and "Sở Y tế và Dân số" in renamed.get_data(as_text=True)
    tag = renamed.headers["ETag"]
    db.session.scalar(select(Block).where(Block.code == "Z-SO")).name = "Khối sở, ngành"
    db.session.commit()
    moved = c.get("/rankings/PAR-PAGES/live?block=Z-SO", headers={"If-None-Match": tag})
    assert moved.status_code == 200 and "Khối sở, ngành" in moved.get_data(as_text=True)


# ---- what a poll costs ----------------------------------------------------------------------


def test_a_poll_costs_the_same_statements_for_any_number_of_units(
    app, rules_framework, make_unit, login_as
):
    """Both poll answers (a changed region and 304) cost a fixed, small number of statements."""

    def statements(size: int, code: str) -> tuple[int, int]:
        members = [
            make_unit(f"{code}{n}", f"Đơn vị {code} {n}", block_code=code) for n in range(size)
        ]
        campaign = _campaign(make_unit, rules_framework, code, members)
        c = login_as("leader")
        url = f"/rankings/{code}/live?block={code}"
        c.get(url)  # warm: templates compiled
        _score(campaign, {f"{code}0": "1"})  # a change: the next poll renders
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            changed = c.get(url)
            assert changed.status_code == 200
            assert len(rows_of(changed.get_data(as_text=True))) == min(size, 100)
            rendered = len(seen)
            seen.clear()
            same = c.get(url, headers={"If-None-Match": changed.headers["ETag"]})
            assert same.status_code == 304
            not_modified = len(seen)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return rendered, not_modified

    small, large = statements(3, "QA"), statements(130, "QB")
    assert small == large, (small, large)
    rendered, not_modified = large
    # Signed-in user and session, the campaign, the block's fingerprint: nothing per unit.
    assert not_modified <= 4, not_modified
    assert rendered <= not_modified + 4, rendered


def test_an_unchanged_poll_with_a_cached_region_reads_only_the_fingerprint(blocks, login_as):
    c = login_as("leader")
    url = "/rankings/PAR-PAGES/live?block=Z-SO"
    c.get(url)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert c.get(url).status_code == 200  # served from the cache, not ranked again
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not any("FROM submissions JOIN units" in s for s in seen), seen
    assert not any("FROM historical_results JOIN units" in s for s in seen), seen
    assert len(seen) <= 4, seen


# ---- access ---------------------------------------------------------------------------------

URLS = (
    "/rankings/PAR-PAGES?block=A-XA",
    "/rankings/PAR-PAGES?block=Z-SO&page=2&q=s%E1%BB%9F",
    "/rankings/PAR-PAGES/live?block=Z-SO&page=2",
    "/rankings/PAR-PAGES/live?block=A-XA&q=xa&sort=name",
)


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200),
        ("secretariat", 200),
        ("evaluator", 200),
        ("leader", 200),
        ("head", 404),
        ("officer", 404),
        ("other_officer", 404),
    ],
)
def test_every_new_choice_keeps_the_access_rule(blocks, login_as, who, status):
    c = login_as(who)
    for url in URLS:
        response = c.get(url)
        assert response.status_code == status, (who, url)
        if status == 404:
            assert "data-unit=" not in response.get_data(as_text=True)


def test_units_people_see_no_cached_ranking_after_publication_either(blocks, login_as, client):
    from reform.services.publication import publish

    login_as("leader").get("/rankings/PAR-PAGES/live?block=Z-SO")  # cached now
    publish(blocks, actor=None, force=True)
    for who in ("head", "officer"):
        c = login_as(who)
        for url in URLS + ("/rankings/PAR-PAGES?view=published&block=Z-SO",):
            assert c.get(url).status_code == 404, (who, url)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_campaign_unit_count_is_what_the_heading_says(blocks, login_as):
    html = login_as("leader").get("/rankings/PAR-PAGES?block=Z-SO").get_data(as_text=True)
    assert "7 đơn vị" in html
    count = db.session.scalar(
        select(db.func.count()).select_from(Submission).where(Submission.campaign_id == blocks.id)
    )
    assert count == 9


def test_workers_sharing_redis_render_a_change_once(blocks, make_app, users):
    """Two workers (apps) with one Redis: what one rendered, the other serves."""
    import uuid

    import redis as redis_client
    from helpers import login

    try:
        redis_client.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis_client.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"reform-test-{uuid.uuid4().hex}:"
    workers = [make_app(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix) for _ in range(2)]
    try:
        answers = []
        for worker in workers:
            c = worker.test_client()
            assert login(c, users["leader"].username).status_code == 303
            answers.append(c.get("/rankings/PAR-PAGES/live?block=Z-SO"))
        assert [fragment_cache(w).renders for w in workers] == [1, 0]
        assert fragment_cache(workers[1]).hits == 1
        assert answers[0].headers["ETag"] == answers[1].headers["ETag"]
        assert rows_of(answers[0].get_data(as_text=True)) == rows_of(
            answers[1].get_data(as_text=True)
        )
    finally:
        client = redis_client.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)


@pytest.mark.parametrize("sort", ["rank", "name", "points", "index", "change"])
def test_a_page_is_the_slice_of_the_whole_block_ranking(blocks, sort):
    """The page's quick path (rank order, only the page's rows built) equals the whole view."""
    from reform.services.rankings import block_page, block_state, ranking_view

    state = block_state(blocks, "Z-SO")
    whole = ranking_view(blocks, block_id=state.id, sort=sort).blocks[0].rows
    for search in (None, "sở d"):
        wanted = [r for r in whole if search is None or r.unit.code in ("SD", "SDL")]
        shown = []
        for page in (1, 2, 3):
            part = block_page(blocks, state, sort=sort, search=search, page=page, size=3)
            assert part.total == len(wanted)
            shown += part.block.rows if part.page == page else []
        assert shown == wanted, (sort, search)
