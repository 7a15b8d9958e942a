"""Who sees which results, and when (the rule in reform.services.access).

Staff (admin, secretariat, evaluator, leader) see every unit's figures in every phase. Before
publication a unit's head and officers see no appraised or survey figure, no rank and no other
unit: every page that would show them answers 404. After publication they see their own unit's
published figures, never live ones, and still nothing of another unit but the public page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from reform.extensions import db
from reform.models import Campaign, Criterion, Entry, Submission, Unit

ANON = "anonymous"
STAFF = ("admin", "secretariat", "evaluator", "leader")
UNIT_PEOPLE = ("head", "officer", "other_officer")
WHO = (ANON, *STAFF, *UNIT_PEOPLE)
# Whose unit each of the unit's people belongs to (conftest: STP is "own", SYT "other").
HOME = {"head": "STP", "officer": "STP", "other_officer": "SYT"}
CODE = "PAR-ACC"
HEADER = "unit_code,criterion_code,value,note\n"
SELF = {"1.1": "Đúng hạn", "1.2": "yes", "1.3": "2", "2.1": "10/10", "2.2": "1/1"}
SELF |= {"2.3": "3", "2.4": "0"}
# Out of 19 applicable points: STP 18.5 (97.37), SYT 17.5 (92.11).
APPRAISED_13 = {"STP": "2", "SYT": "1.5"}
SURVEY_31 = {"STP": "3.5", "SYT": "3"}
UNIT_PAGES = ("/reports/{code}/units/{unit}", "/rankings/{code}/units/{unit}")
# Pages of every unit's figures: staff only, in every phase.
STAFF_PAGES = (
    "/rankings/",
    "/rankings/{code}",
    "/rankings/{code}/live",
    "/rankings/{code}/heatmap",
    "/reports/{code}",
    "/reports/{code}/results.xlsx",
    "/reports/{code}/results.csv",
    "/campaigns/{code}",
    "/campaigns/{code}/audit",
    "/campaigns/{code}/audit.csv",
)
# The managers' pages of every unit's council figures (other staff: 403).
MANAGER_PAGES = (
    "/campaigns/{code}/survey",
    "/campaigns/{code}/publish",
    "/campaigns/{code}/appeals",
)
API = "/api/v1/campaigns/{code}/results"


@pytest.fixture
def scored(app, units, users, rules_framework) -> Campaign:
    """Sở Tư pháp and Sở Y tế self-assessed, appraised and surveyed; not published."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    day = today()
    campaign = create_campaign(
        CODE,
        "Kỳ đánh giá kiểm tra quyền xem",
        rules_framework,
        PhaseDates(day - timedelta(days=20), day - timedelta(days=10)),
        units=[units["own"], units["other"]],
        year=2025,
    )
    own = "".join(f"{u},{c},{v},\n" for u in APPRAISED_13 for c, v in SELF.items())
    council = "".join(f"{u},1.3,{v},Thiếu hồ sơ\n" for u, v in APPRAISED_13.items())
    survey = "".join(f"{u},3.1,{v},\n" for u, v in SURVEY_31.items())
    for text, stage in ((own, "self"), (council, "appraisal"), (survey, "survey")):
        report = import_scores(campaign, (HEADER + text).encode(), stage=stage, filename="a.csv")
        assert report.ok, report.errors
    return campaign


def _client(app, login_as, who):
    return app.test_client() if who == ANON else login_as(who)


def _publish(campaign: Campaign) -> None:
    from reform.services.publication import publish

    db.session.expire_all()
    publish(db.session.get(Campaign, campaign.id), actor=None, force=True)


def _expected_unit_page(who: str, unit: str, published: bool) -> int:
    if who == ANON:
        return 302
    if who in STAFF:
        return 200
    return 200 if published and HOME[who] == unit else 404


@pytest.mark.parametrize("published", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("who", WHO)
def test_a_units_results_pages(app, login_as, scored, who, published):
    if published:
        _publish(scored)
    c = _client(app, login_as, who)
    for template in UNIT_PAGES:
        for unit in ("STP", "SYT"):
            url = template.format(code=CODE, unit=unit)
            response = c.get(url)
            assert response.status_code == _expected_unit_page(who, unit, published), (url, who)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("published", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("who", ["head", "officer", "other_officer", "leader"])
def test_a_units_report_as_pdf(app, login_as, scored, who, published):
    if published:
        _publish(scored)
    c = login_as(who)
    for unit in ("STP", "SYT"):
        response = c.get(f"/reports/{CODE}/units/{unit}.pdf")
        assert response.status_code == _expected_unit_page(who, unit, published), (unit, who)


@pytest.mark.parametrize("published", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("who", WHO)
def test_pages_of_every_units_figures_are_the_staffs(app, login_as, scored, who, published):
    if published:
        _publish(scored)
    c = _client(app, login_as, who)
    for template in STAFF_PAGES:
        url = template.format(code=CODE)
        response = c.get(url)
        if who == ANON:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif who in STAFF:
            assert response.status_code == 200, (url, who)
        else:
            assert response.status_code == 404, (url, who)
    # What-if: also for staff only, and evaluators do not weigh options (403).
    what_if = c.get(f"/rankings/{CODE}/what-if").status_code
    expected = {ANON: 302, "evaluator": 403}.get(who, 200 if who in STAFF else 404)
    assert what_if == expected, who
    for template in MANAGER_PAGES:
        url = template.format(code=CODE)
        expected = {ANON: 302, "admin": 200, "secretariat": 200}.get(
            who, 403 if who in STAFF else 404
        )
        assert c.get(url).status_code == expected, (url, who)


@pytest.mark.parametrize("published", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("who", WHO)
def test_the_api(app, login_as, scored, who, published):
    if published:
        _publish(scored)
    response = _client(app, login_as, who).get(API.format(code=CODE))
    if published or who in STAFF:
        assert response.status_code == 200, who
        assert response.get_json()["published"] is published
    else:
        assert response.status_code == 404, who
        assert response.get_json() == {"error": "not found"}


def _lower_appraisal_after_publication(campaign: Campaign, runner) -> None:
    """The council's 1.3 of Sở Tư pháp goes from 2 to 0.5 after publication (an accepted appeal
    waiting for the next version): live figures move, published ones do not."""
    entry_ids = select(Entry.id).where(
        Entry.submission_id.in_(
            select(Submission.id)
            .join(Unit, Submission.unit_id == Unit.id)
            .where(Submission.campaign_id == campaign.id, Unit.code == "STP")
        ),
        Entry.criterion_id.in_(
            select(Criterion.id).where(
                Criterion.framework_id == campaign.framework_id, Criterion.code == "1.3"
            )
        ),
        Entry.stage == "appraisal",
    )
    # A plain UPDATE: the test changes a stored value behind every service's back.
    db.session.execute(update(Entry).where(Entry.id.in_(entry_ids)).values(value="0.5"))
    db.session.commit()
    # The stored live figures follow the entries, as after any save.
    result = runner.invoke(args=["recompute", campaign.code])
    assert result.exit_code == 0, result.output


def test_after_publication_the_unit_reads_the_published_version_only(app, login_as, runner, scored):
    _publish(scored)
    _lower_appraisal_after_publication(scored, runner)
    published, live = "97,37", "89,47"
    for who in ("head", "officer"):
        c = login_as(who)
        for url in (f"/reports/{CODE}/units/STP", f"/rankings/{CODE}/units/STP"):
            html = c.get(url).get_data(as_text=True)
            assert published in html and live not in html, (url, who)
        # No way to the live figures: no tab, and asking for them gives the published ones.
        profile = c.get(f"/rankings/{CODE}/units/STP?view=live").get_data(as_text=True)
        assert "Số liệu tạm tính" not in profile
        assert published in profile and live not in profile
    # Staff keep the live figures beside the published ones.
    leader = login_as("leader").get(f"/rankings/{CODE}/units/STP").get_data(as_text=True)
    assert live in leader
    staff_published = login_as("leader").get(f"/rankings/{CODE}/units/STP?view=published")
    assert published in staff_published.get_data(as_text=True)


def test_before_publication_nothing_shows_a_rank_or_the_councils_figures(app, login_as, scored):
    """The pages a unit's people open during appraisal show their own self-assessment only."""
    submission = db.session.scalar(
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == scored.id, Unit.code == "STP")
    )
    c = login_as("head")
    home = c.get("/home/head").get_data(as_text=True)
    assert f"/reports/{CODE}/units/STP" not in home and f"/rankings/{CODE}/units/STP" not in home
    for url in (
        f"/assessments/{submission.id}",
        f"/assessments/{submission.id}/report",
        f"/assessments/{submission.id}/history/1.3",
        f"/assessments/{submission.id}/history/3.1",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        # Neither the index nor the points with the council's figures, nor the survey value.
        assert "97,37" not in html and "18,50" not in html and "3,50" not in html, url
        assert "Xếp hạng" not in html, url


class _User:
    """Just enough of a user for the rule: roles, a unit, signed in or not."""

    def __init__(self, *roles: str, unit_id: int | None = None, signed_in: bool = True) -> None:
        self.roles, self.unit_id, self.is_authenticated = set(roles), unit_id, signed_in

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


@pytest.mark.parametrize("published", [False, True], ids=["before", "after"])
def test_the_rule_itself(published):
    from types import SimpleNamespace

    from reform.services.access import LIVE, PUBLISHED, results_access

    campaign = SimpleNamespace(published_at=object() if published else None)
    own, other = SimpleNamespace(id=1), SimpleNamespace(id=2)
    after = PUBLISHED if published else None
    for role in STAFF:
        for unit in (None, own, other):
            assert results_access(_User(role), campaign, unit) == LIVE
    for role in ("head", "officer"):
        person = _User(role, unit_id=1)
        assert results_access(person, campaign, own) == after
        assert results_access(person, campaign, other) is None
        # The whole campaign: only its published version, as for anyone.
        assert results_access(person, campaign) == after
    # A head who also leads sees what a leader sees.
    assert results_access(_User("head", "leader", unit_id=1), campaign, other) == LIVE
    # Belonging to a unit without a unit role gives nothing of it.
    assert results_access(_User(unit_id=1), campaign, own) is None
    visitor = _User(signed_in=False)
    assert results_access(visitor, campaign, own) is None
    assert results_access(visitor, campaign) == after
