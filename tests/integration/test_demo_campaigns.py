"""The demo's two running campaigns: every demo role finds real work waiting."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from helpers import login
from sqlalchemy import select
from sqlalchemy.orm import aliased

from reform.extensions import db
from reform.models import Campaign, Criterion, Entry, Submission, Unit, User
from reform.models.submissions import APPRAISAL, DRAFT, SELF, SUBMITTED, SURVEY
from reform.services.demo import (
    COMMUNE_CAMPAIGN,
    COMMUNES,
    DEMO_PASSWORD,
    DEPARTMENT_CAMPAIGN,
    DEPARTMENTS,
    PUBLISHED_CAMPAIGN,
    WARDS,
)
from reform.services.demo_emulation import EMULATION_CAMPAIGN
from reform.services.phases import APPRAISAL as APPRAISAL_PHASE
from reform.services.phases import SELF_ASSESSMENT, phase_of

DEPT = DEPARTMENT_CAMPAIGN[0]
COMMUNE = COMMUNE_CAMPAIGN[0]
PUBLISHED = PUBLISHED_CAMPAIGN[0]
EMULATION = EMULATION_CAMPAIGN[0]


@pytest.fixture
def demo(runner) -> dict[str, Campaign]:
    """`reform demo` run once; the campaigns by code."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return {c.code: c for c in db.session.scalars(select(Campaign))}


def sign_in(app, username: str):
    """A client signed in as a demo account, reading the interface in English."""
    client = app.test_client()
    client.set_cookie("reform_lang", "en")
    assert login(client, username, DEMO_PASSWORD).status_code == 303
    return client


def words(response) -> str:
    """The visible text of a page, one space between words."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def submissions(campaign: Campaign) -> dict[str, Submission]:
    """The campaign's submissions by unit code."""
    rows = db.session.execute(
        select(Submission, Unit.code)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
    ).all()
    return {code: s for s, code in rows}


def test_the_campaigns_are_under_way(demo):
    assert set(demo) == {DEPT, COMMUNE, PUBLISHED, EMULATION}
    dept, commune = demo[DEPT], demo[COMMUNE]
    assert (dept.year, commune.year) == (2025, 2025)
    assert phase_of(dept).phase == SELF_ASSESSMENT
    assert phase_of(commune).phase == APPRAISAL_PHASE
    assert dept.published_at is None and commune.published_at is None

    # Departments: some submitted, some drafting, some not started; the demo unit drafting.
    by_unit = submissions(dept)
    assert set(by_unit) == {code for code, _ in DEPARTMENTS}
    submitted = [s for s in by_unit.values() if s.status == SUBMITTED]
    drafting = [s for s in by_unit.values() if s.status == DRAFT and s.filled_count > 0]
    untouched = [s for s in by_unit.values() if s.filled_count == 0]
    assert len(submitted) >= 3 and len(drafting) >= 4 and len(untouched) >= 1
    assert all(s.filled_count == s.applicable_count for s in submitted)
    assert any(s.filled_count < s.applicable_count for s in drafting)
    assert len({s.self_points for s in by_unit.values()}) >= 10
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    own = by_unit[officer.unit.code]
    assert own.status == DRAFT and 0 < own.filled_count < own.applicable_count
    # Each submission was approved by its own unit's head.
    for s in submitted:
        head = db.session.get(User, s.submitted_by_id)
        assert head.unit_id == s.unit_id and head.has_role("head")

    # Wards and communes: all submitted, surveyed; about half appraised, two closed.
    by_unit = submissions(commune)
    assert set(by_unit) == {c for c, _ in WARDS} | {c for c, _, _ in COMMUNES}
    assert all(s.status == SUBMITTED for s in by_unit.values())
    assert all(s.survey_points > 0 for s in by_unit.values())
    appraised = [s for s in by_unit.values() if s.appraised_count]
    assert 0.4 <= len(appraised) / len(by_unit) <= 0.7
    assert sum(1 for s in by_unit.values() if s.appraisal_closed_at) == 2
    assert any(s.appraised_points < s.self_points for s in appraised)

    # Where the council's points differ from the unit's own, its comment says why.
    unit_entry = aliased(Entry)
    rows = db.session.execute(
        select(Entry.points, unit_entry.points, Entry.note)
        .join(
            unit_entry,
            (unit_entry.submission_id == Entry.submission_id)
            & (unit_entry.criterion_id == Entry.criterion_id)
            & (unit_entry.stage == SELF),
        )
        .join(Submission, Entry.submission_id == Submission.id)
        .where(Submission.campaign_id == demo[COMMUNE].id, Entry.stage == APPRAISAL)
    ).all()
    differing = [(council, unit, note) for council, unit, note in rows if council != unit]
    assert len(differing) >= 10
    assert all(note and note.strip() for _, _, note in differing)
    assert len(rows) > 5 * len(differing)  # most criteria agree with the unit


def test_every_demo_role_has_work_waiting(app, demo):
    dept, commune = demo[DEPT], demo[COMMUNE]
    officer_unit = db.session.scalar(select(User.unit_id).where(User.username == "officer"))
    own = next(s for s in submissions(dept).values() if s.unit_id == officer_unit)

    # The officer's home lists the draft with its progress, and the form takes the next value.
    officer = sign_in(app, "officer")
    home = words(officer.get("/home/officer"))
    assert dept.name in home and "Draft" in home
    filled = own.filled_count
    assert f"{filled} / {own.applicable_count} filled" in home
    assert "2.1" not in {
        code
        for code in db.session.scalars(
            select(Criterion.code)
            .join(Entry, Entry.criterion_id == Criterion.id)
            .where(Entry.submission_id == own.id)
        )
    }
    saved = officer.post(
        f"/assessments/{own.id}/criteria/2.1", data={"n-2.1": "9", "d-2.1": "10", "ver-2.1": "0"}
    )
    assert saved.status_code == 303
    db.session.rollback()
    assert db.session.get(Submission, own.id).filled_count == filled + 1
    # The head sees the same draft on their home.
    assert dept.name in words(sign_in(app, "head").get("/home/head"))

    # The evaluator's queue lists the commune submissions, some to do, some done.
    queue = words(sign_in(app, "evaluator").get("/appraisal/queue"))
    for name in [n for _, n in WARDS[:3]] + [n for _, n, _ in COMMUNES[:3]]:
        assert name in queue
    tally = re.search(r"To do: (\d+) · In progress: (\d+) · Done: (\d+) · Closed: (\d+)", queue)
    assert tally, queue[:500]
    todo, in_progress, done, closed = map(int, tally.groups())
    assert todo and in_progress and done and closed == 2
    assert todo + in_progress + done + closed == len(WARDS) + len(COMMUNES)
    to_do = next(s for s in submissions(commune).values() if not s.appraised_count)
    assert sign_in(app, "evaluator").get(f"/appraisal/{to_do.id}").status_code == 200

    # The leader's live ranking shows self, appraised and survey points and the change on 2024.
    from reform.services.rankings import ranking_view

    view = ranking_view(commune)
    assert view.previous_year == 2024
    rows = [row for block in view.blocks for row in block.rows]
    assert [row.rank for row in view.blocks[0].rows][0] == 1
    assert all(row.change is not None and row.survey_points > 0 for row in rows)
    assert sum(1 for row in rows if row.appraised_points is not None) >= 8
    page = words(sign_in(app, "leader").get(f"/rankings/{COMMUNE}"))
    assert "Change since 2024" in page
    shown = next(row for row in rows if row.appraised_points is not None)
    for figure in (shown.self_points, shown.appraised_points, shown.survey_points, shown.index):
        assert f"{figure:,.2f}" in page
    assert shown.unit.name in page
    assert "Change since 2024" in words(sign_in(app, "leader").get(f"/rankings/{DEPT}"))

    # The login page lists the six demo accounts, not the units' heads.
    login_page = app.test_client().get("/login").get_data(as_text=True)
    assert "evaluator" in login_page and "head.snv" not in login_page


def test_last_years_results_are_published_for_everyone_to_read(app, demo):
    from reform.services.history import previous_year
    from reform.services.publication import document_of, latest_version

    last_year = demo[PUBLISHED]
    assert last_year.year == 2024 and last_year.framework.version == 2024
    version = latest_version(last_year)
    assert version is not None and version.version == 1
    document = document_of(version)
    results = document["blocks"][0]["results"]
    assert {r["unit_code"] for r in results} == {code for code, _ in DEPARTMENTS}
    assert all(r["appraised_points"] is not None and r["band"] for r in results)
    # Published through the service: readiness was clear, so nothing was forced.
    assert version.reason is None

    # Anyone, signed in or not, finds it from the sign-in page and reads the ranking.
    anonymous = app.test_client()
    anonymous.set_cookie("reform_lang", "en")
    login = anonymous.get("/login").get_data(as_text=True)
    assert 'href="/public/"' in login
    index = words(anonymous.get("/public/"))
    assert last_year.name in index and "No results are published yet." not in index
    page = words(anonymous.get(f"/public/{PUBLISHED}"))
    top = results[0]
    assert top["unit_name"] in page and f"{float(top['index']):,.2f}" in page
    assert version.content_hash in page

    # This year's department ranking compares with the published year, not an imported one.
    before = previous_year(demo[DEPT])
    assert {f.source for f in before.values()} == {f"campaign:{PUBLISHED}"}


def snapshot() -> dict:
    """Everything the demo campaigns hold: results documents, statuses and every entry."""
    from reform.services.results import campaign_results

    out = {}
    for campaign in db.session.scalars(select(Campaign).order_by(Campaign.code)):
        entries = db.session.execute(
            select(Unit.code, Criterion.code, Entry.stage, Entry.value, Entry.note)
            .join(Submission, Entry.submission_id == Submission.id)
            .join(Unit, Submission.unit_id == Unit.id)
            .join(Criterion, Entry.criterion_id == Criterion.id)
            .where(Submission.campaign_id == campaign.id)
        ).all()
        out[campaign.code] = {
            "results": campaign_results(campaign, published=False),
            "status": {code: s.status for code, s in submissions(campaign).items()},
            "entries": sorted(tuple(row) for row in entries),
        }
    return out


def test_stored_figures_match_the_entries_and_a_fresh_load_gives_the_same(
    demo, runner, make_app, tmp_path
):
    for code in (DEPT, COMMUNE, PUBLISHED, EMULATION):
        result = runner.invoke(args=["recompute", code, "--check"])
        assert result.exit_code == 0, result.output
        assert "No drift" in result.output
    first = snapshot()
    stages = {stage for doc in first.values() for *_, stage, _v, _n in doc["entries"]}
    assert stages == {SELF, APPRAISAL, SURVEY}
    results = first[COMMUNE]["results"]["blocks"][0]["results"]
    assert all(Decimal(r["points"]) > 0 for r in results)

    # A second, freshly migrated database (SQLite, whatever the suite runs on).
    from flask_migrate import upgrade

    other = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'second.sqlite'}")
    with other.app_context():
        upgrade(directory=other.extensions["migrate"].directory)
        assert other.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        second = snapshot()
        db.session.remove()
    assert second == first
