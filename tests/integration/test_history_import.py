"""Past years' results: the import page, the service, the command, the demo and the rankings."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from helpers import TEST_PASSWORD, csrf_token_from
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, HistoricalResult, Unit
from reform.services import history

HEADER = "year,unit_code,points,index,rank\n"
GOOD = HEADER + "2024,STP,80.50,80.50,2\n2024,SYT,,85.25,1\n2023,STP,78,78,1\n"


def english(client):
    """The same client reading the interface in English (the source text of every message)."""
    client.set_cookie("reform_lang", "en")
    return client


def upload(client, content: bytes | str, *, code: str = "RULES", filename: str = "past.csv"):
    """Post a file to the import page as the browser's form does."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/history/import",
        data={"framework_code": code, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored() -> list[tuple[str, int, str | None, str | None, int | None]]:
    """Every imported row as (unit code, year, points, index, rank), sorted."""
    db.session.rollback()
    rows = db.session.execute(
        select(
            Unit.code,
            HistoricalResult.year,
            HistoricalResult.points,
            HistoricalResult.index,
            HistoricalResult.rank,
        ).join(Unit, HistoricalResult.unit_id == Unit.id)
    ).all()
    return sorted(
        (
            code,
            year,
            None if p is None else f"{p:.2f}",
            None if i is None else f"{i:.2f}",
            rank,
        )
        for code, year, p, i, rank in rows
    )


def error_lines(html: str) -> list[str]:
    """The errors listed next to the file field, as the page shows them."""
    box = html.split('id="file-error"', 1)[1].split("</div>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", li).split())
        for li in re.findall(r"<li>(.*?)</li>", box, re.S)
    ]


# ---- the page --------------------------------------------------------------------------------


def test_upload_stores_every_row_and_lists_the_years(login_as, units, rules_framework):
    c = english(login_as("secretariat"))
    page = c.get("/history/import").get_data(as_text=True)
    assert '<option value="RULES">RULES · ' in page and 'type="file"' in page
    r = upload(c, GOOD)
    assert r.status_code == 303 and r.headers["Location"].endswith("/history/")
    assert stored() == [
        ("STP", 2023, "78.00", "78.00", 1),
        ("STP", 2024, "80.50", "80.50", 2),
        ("SYT", 2024, None, "85.25", 1),
    ]
    index = c.get("/history/").get_data(as_text=True)
    assert "3 rows stored." in index
    assert "Year 2024" in index and "Year 2023" in index
    assert "2 units · file: past.csv" in index and "1 unit · file: past.csv" in index
    assert "RULES 2024: 2 rows imported" in index
    # The secretariat's home leads to the page.
    assert 'href="/history/"' in c.get("/home/secretariat").get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            HEADER + "2024,STP,80,80,1\n24,SYT,80,80,2\n",
            ["Line 3: Year “24” must be a whole number from 1990 to 2100, such as 2024."],
        ),
        (
            HEADER + "2024,STP,80,80,1\n2024,NOPE,80,80,2\n",
            ["Line 3: Unit code “NOPE” is not a known unit."],
        ),
        (
            HEADER + "2024,STP,80,80,1\n2024,SYT,81,81,1\n2024,STP,82,82,1\n",
            ["Line 4: STP 2024 already appears on line 2."],
        ),
        (
            HEADER + "2024,STP,eighty,80,1\n",
            ["Line 2: points “eighty” is not a number of 0 or more."],
        ),
        (
            HEADER + "2024,STP,80,-1,1\n",
            ["Line 2: index “-1” is not a number of 0 or more."],
        ),
        (HEADER + "2024,STP,,,1\n", ["Line 2: Give the points or the index (or both)."]),
        (
            HEADER + "2024,STP,80,80,0\n2024,SYT,80,80,2.5\n",
            [
                "Line 2: Rank “0” must be a whole number from 1, or empty.",
                "Line 3: Rank “2.5” must be a whole number from 1, or empty.",
            ],
        ),
        (
            HEADER + "2024,STP,80,101,1\n",
            ["Line 2: The index is a percentage: it cannot exceed 100."],
        ),
        (
            "year,unit,score\n2024,STP,80\n",
            [
                "Line 1: Missing columns: unit_code.",
                "Line 1: The file needs a points column, an index column, or both.",
                "Line 1: Unknown columns: unit, score. "
                "The columns are: year, unit_code, points, index, rank.",
            ],
        ),
        (
            (HEADER + "2024,STP,80,80,1\n").encode("utf-16"),
            ["Line 1: The file is not UTF-8 text. Save it as CSV UTF-8."],
        ),
        (b"", ["Line 1: The file has no rows."]),
        (HEADER, ["Line 1: The file has no rows."]),
        (
            # Every problem of a line is named, not only the first.
            HEADER + "20x4,,abc,,x\n",
            [
                "Line 2: Year “20x4” must be a whole number from 1990 to 2100, such as 2024.",
                "Line 2: The unit code is empty.",
                "Line 2: points “abc” is not a number of 0 or more.",
                "Line 2: Rank “x” must be a whole number from 1, or empty.",
            ],
        ),
    ],
    ids=[
        "bad-year",
        "unknown-unit",
        "duplicate-line",
        "not-a-number",
        "negative",
        "neither-points-nor-index",
        "bad-rank",
        "index-over-100",
        "wrong-columns",
        "not-utf8",
        "empty",
        "header-only",
        "several-on-one-line",
    ],
)
def test_a_bad_file_is_refused_whole_with_every_error(
    login_as, units, rules_framework, content, expected
):
    c = english(login_as("admin"))
    r = upload(c, content)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Nothing was stored." in html
    assert error_lines(html) == expected
    # Next to the file field, tied to it for screen readers.
    assert 'aria-describedby="file-hint file-error"' in html and 'aria-invalid="true"' in html
    assert stored() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_an_oversize_file_is_refused(login_as, units, rules_framework):
    c = english(login_as("admin"))
    big = GOOD + "#" * (2 * 1024 * 1024)
    r = upload(c, big)
    assert r.status_code == 422
    assert "The file is larger than 2 MB." in r.get_data(as_text=True)
    assert stored() == []


def test_the_form_needs_a_file_a_csv_and_a_known_code(login_as, units, rules_framework):
    c = english(login_as("admin"))
    r = c.post("/history/import", data={"framework_code": "RULES"})
    assert r.status_code == 422 and "Choose a CSV file." in r.get_data(as_text=True)
    r = upload(c, GOOD, filename="past.xlsx")
    assert r.status_code == 422 and "Choose a .csv file." in r.get_data(as_text=True)
    r = upload(c, GOOD, code="NOT-A-CODE")
    assert r.status_code == 422 and "Not a valid choice" in r.get_data(as_text=True)
    assert stored() == []


def test_reimporting_the_same_file_changes_nothing(login_as, units, rules_framework):
    c = login_as("admin")
    assert upload(c, GOOD).status_code == 303
    first = stored()
    assert upload(c, GOOD).status_code == 303
    assert stored() == first
    assert db.session.scalar(select(func.count()).select_from(HistoricalResult)) == 3
    # A corrected figure replaces the same unit's year and leaves the others.
    assert upload(c, HEADER + "2024,STP,81,81,1\n", filename="fix.csv").status_code == 303
    assert stored()[1] == ("STP", 2024, "81.00", "81.00", 1)
    assert stored()[2] == first[2]
    years = {y.year: y for y in history.imported_years("RULES")}
    assert years[2024].files == ("fix.csv", "past.csv") and years[2024].rows == 2


def test_delete_year_removes_only_that_year(login_as, units, rules_framework):
    c = english(login_as("secretariat"))
    upload(c, GOOD)
    page = c.get("/history/").get_data(as_text=True)
    assert 'action="/history/RULES/2024/delete"' in page
    r = c.post("/history/RULES/2024/delete")
    assert r.status_code == 303 and r.headers["Location"].endswith("/history/")
    assert stored() == [("STP", 2023, "78.00", "78.00", 1)]
    page = c.get("/history/").get_data(as_text=True)
    assert "RULES 2024: 2 imported rows deleted" in page
    # Nothing left for that year: 404, and the other year stays.
    assert c.post("/history/RULES/2024/delete").status_code == 404
    assert c.post("/history/OTHER/2023/delete").status_code == 404
    assert len(stored()) == 1
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.to_value, e.from_value) for e in events] == [
        ("history_imported", "RULES 2023: 1", None),
        ("history_imported", "RULES 2024: 2", None),
        ("history_deleted", None, "RULES 2024: 2"),
    ]
    assert {e.actor.username for e in events} == {"secretariat"}


def test_leader_reads_but_does_not_manage(login_as, units, rules_framework):
    upload(login_as("admin"), GOOD)
    c = english(login_as("leader"))
    page = c.get("/history/").get_data(as_text=True)
    assert "Year 2024" in page
    assert "/delete" not in page and "/history/import" not in page
    assert "Recent imports and deletions" not in page
    assert 'href="/history/"' in c.get("/home/leader").get_data(as_text=True)
    assert c.post("/history/RULES/2024/delete").status_code == 403
    assert len(stored()) == 3


def test_sample_file_imports_as_it_is(login_as, units, rules_framework):
    c = login_as("leader")
    r = c.get("/history/sample.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0] == "year,unit_code,points,index,rank" and len(lines) == 3
    report = history.import_history(r.get_data(), framework_code="RULES", filename="sample.csv")
    assert report.ok and report.stored == 2, report.errors


# ---- the service -----------------------------------------------------------------------------


def test_unknown_framework_code_is_refused(units, rules_framework):
    with force_locale("en"):
        report = history.import_history(GOOD.encode(), framework_code="PAR-X", filename="a.csv")
    assert report.errors == [(0, "No framework has the code “PAR-X”.")]
    assert stored() == []


def test_an_inactive_unit_keeps_its_history(units, rules_framework):
    units["other"].active = False
    db.session.commit()
    report = history.import_history(GOOD.encode(), framework_code="RULES", filename="a.csv")
    assert report.ok and report.stored == 3
    assert ("SYT", 2024, None, "85.25", 1) in stored()


def test_decimal_comma_bom_blank_lines_and_unit_name(units, rules_framework):
    text = '\ufeffYear,unit_code,unit_name,index,rank\n2024,STP,Sở Tư pháp,"80,5",\n,,,,\n'
    report = history.import_history(text.encode(), framework_code="RULES", filename="a.csv")
    assert report.ok, report.errors
    assert stored() == [("STP", 2024, None, "80.50", None)]


def test_messages_follow_the_language(units, rules_framework):
    text = HEADER + "2024,NOPE,80,80,1\n"
    with force_locale("en"):
        english_report = history.import_history(
            text.encode(), framework_code="RULES", filename="a.csv"
        )
    assert english_report.errors == [(2, "Unit code “NOPE” is not a known unit.")]
    # Outside a request (the command line) the messages use the default language's catalog.
    default = history.import_history(text.encode(), framework_code="RULES", filename="a.csv")
    assert [line for line, _ in default.errors] == [2] and "NOPE" in default.errors[0][1]


def test_campaign_years_and_imported_years_are_listed_apart(login_as, units, rules_framework):
    from datetime import timedelta

    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.publication import publish

    day = today()
    campaign = create_campaign(
        "PAR-OLD",
        "Kỳ đánh giá năm 2024",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=[units["own"], units["other"]],
        year=2024,
    )
    publish(campaign, actor=None, force=True)
    history.import_history(GOOD.encode(), framework_code="RULES", filename="a.csv")
    assert [(y.year, y.campaign_code, y.rows) for y in history.campaign_years("RULES")] == [
        (2024, "PAR-OLD", 2)
    ]
    assert [(y.year, y.rows) for y in history.imported_years("RULES")] == [(2024, 2), (2023, 1)]
    page = english(login_as("leader")).get("/history/").get_data(as_text=True)
    assert "A published campaign covers this year: its results are used." in page
    assert 'href="/rankings/PAR-OLD?view=published"' in page
    # Deleting the imported year never touches the campaign's results.
    assert history.delete_year("RULES", 2024) == 2
    assert [y.year for y in history.campaign_years("RULES")] == [2024]
    assert set(history.figures_by_year("RULES")[2024]) == {"STP", "SYT"}


# ---- the ranking shows the change against the imported year --------------------------------


def test_ranking_shows_the_change_against_the_imported_year(login_as, campaign, units):
    from reform.services.scores_import import import_scores

    scores = (
        "unit_code,criterion_code,value,note\n"
        "STP,1.1,Đúng hạn,\nSTP,1.2,yes,\nSYT,1.1,Chậm,\nSYT,1.2,no,\n"
    )
    assert import_scores(campaign, scores.encode(), stage="self", filename="s.csv").ok
    before = campaign.year - 1
    c = english(login_as("secretariat"))
    past = HEADER + f"{before},STP,70,70,2\n{before},SYT,75,75,1\n{before - 1},STP,60,60,1\n"
    assert upload(c, past).status_code == 303
    html = english(login_as("leader")).get(f"/rankings/{campaign.code}").get_data(as_text=True)
    assert f"Change since {before}" in html
    rows = dict(re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', html, re.S))
    assert "up 1 place" in rows["STP"] and "down 1 place" in rows["SYT"]
    # Once that year is deleted the ranking compares with the year before it.
    assert c.post(f"/history/RULES/{before}/delete").status_code == 303
    html = english(login_as("leader")).get(f"/rankings/{campaign.code}").get_data(as_text=True)
    assert f"Change since {before - 1}" in html
    rows = dict(re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', html, re.S))
    assert "same place" in rows["STP"] and "no earlier figure" in rows["SYT"]


# ---- the command -----------------------------------------------------------------------------


def test_command_stores_the_rows(runner, tmp_path, units, rules_framework):
    good = tmp_path / "past.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-history", str(good), "--framework", "RULES"])
    assert result.exit_code == 0, result.output
    assert "3 rows stored" in result.output
    assert len(stored()) == 3
    again = runner.invoke(args=["import-history", str(good), "--framework", "RULES"])
    assert again.exit_code == 0 and len(stored()) == 3


def test_command_lists_every_error_and_stores_nothing(runner, tmp_path, units, rules_framework):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2024,STP,80,80,1\n1800,STP,1,1,1\n2024,NOPE,1,1,1\n", "utf-8")
    result = runner.invoke(args=["import-history", str(bad), "--framework", "RULES"])
    assert result.exit_code != 0
    assert "bad.csv:3:" in result.output and "bad.csv:4:" in result.output
    assert "bad.csv:2:" not in result.output
    assert "2 error(s); nothing was stored." in result.output
    unknown = runner.invoke(args=["import-history", str(bad), "--framework", "PAR-X"])
    assert unknown.exit_code != 0 and "bad.csv: " in unknown.output and "PAR-X" in unknown.output
    assert stored() == []


# ---- the demo --------------------------------------------------------------------------------


def test_demo_imports_two_earlier_years_per_series_the_same_on_every_run(runner, app):
    from reform.services.demo import COMMUNES, DEPARTMENTS, PUBLISHED_CAMPAIGN, WARDS

    assert runner.invoke(args=["demo"]).exit_code == 0
    years = {(y.framework_code, y.year): y.rows for y in history.imported_years()}
    # The departments' 2024 is the demo's published campaign, not an import.
    assert [(y.year, y.campaign_code) for y in history.campaign_years("PAR-DEPT")] == [
        (2024, PUBLISHED_CAMPAIGN[0])
    ]
    assert years == {
        ("PAR-DEPT", 2023): len(DEPARTMENTS),
        ("PAR-COMMUNE", 2023): len(WARDS) + len(COMMUNES),
        ("PAR-COMMUNE", 2024): len(WARDS) + len(COMMUNES),
    }
    figures = history.figures_by_year("PAR-DEPT")
    # Ranks run from 1 within the block each year, and units move between the two years.
    for year in (2023, 2024):
        ranks = sorted(f.rank for f in figures[year].values())
        assert ranks[0] == 1 and ranks[-1] <= len(DEPARTMENTS)
        assert all(0 < f.index <= 100 for f in figures[year].values())
    moved = [c for c in figures[2024] if figures[2024][c].rank != figures[2023][c].rank]
    assert len(moved) >= len(DEPARTMENTS) // 2
    wards = {code for code, _ in WARDS}
    commune_2024 = history.figures_by_year("PAR-COMMUNE")[2024]
    assert sorted(commune_2024[c].rank for c in wards)[0] == 1
    assert sorted(f.rank for c, f in commune_2024.items() if c not in wards)[0] == 1

    # The same figures on every run (checked on the same load: a demo load takes seconds).
    first = stored()
    db.session.execute(HistoricalResult.__table__.delete())
    db.session.commit()
    from reform.services.demo import load_demo_history

    by_code = {u.code: u for u in db.session.scalars(select(Unit))}
    assert load_demo_history(by_code) == len(first)
    assert stored() == first


# ---- CSRF ------------------------------------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused(make_app, users, rules_framework):
    app = make_app(WTF_CSRF_ENABLED=True)
    c = app.test_client()
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    c.post("/login", data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": token})
    r = upload(c, GOOD)
    assert r.status_code == 400
    with app.app_context():
        assert stored() == []
    page = c.get("/history/import").get_data(as_text=True)
    token = csrf_token_from(page)
    r = c.post(
        "/history/import",
        data={
            "framework_code": "RULES",
            "file": (io.BytesIO(GOOD.encode()), "past.csv"),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    assert c.post("/history/RULES/2024/delete").status_code == 400
    with app.app_context():
        assert len(stored()) == 3
    page = c.get("/history/").get_data(as_text=True)
    r = c.post("/history/RULES/2024/delete", data={"csrf_token": csrf_token_from(page)})
    assert r.status_code == 303
    with app.app_context():
        assert len(stored()) == 1
