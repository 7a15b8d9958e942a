"""Survey points: the secretariat's page and `reform import-scores --stage survey|appraisal`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Criterion, Entry, Submission, Unit

HEADER = "unit_code,criterion_code,value,note\n"


def reread() -> None:
    db.session.rollback()
    db.session.expire_all()


def entries(submission: Submission, stage: str) -> dict[str, Entry]:
    reread()
    rows = db.session.execute(
        select(Entry, Criterion.code)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Entry.stage == stage)
    ).all()
    return {code: entry for entry, code in rows}


def submission_of(campaign, code: str) -> Submission:
    reread()
    return db.session.scalar(
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id, Unit.code == code)
    )


def events(action: str = "value_changed", **where) -> list[AuditEvent]:
    reread()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(stmt))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_scores(runner, path: Path, stage: str, code: str = "PAR-TEST"):
    reread()
    return runner.invoke(args=["import-scores", code, str(path), "--stage", stage])


# ---- the page ------------------------------------------------------------------------------


def test_the_grid_has_a_field_per_unit_and_survey_criterion(login_as, campaign):
    own, other = submission_of(campaign, "STP"), submission_of(campaign, "SYT")
    response = login_as("secretariat").get("/campaigns/PAR-TEST/survey")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sở Tư pháp" in html and "Sở Y tế" in html
    assert f'name="s-{own.id}-3.1"' in html and f'name="s-{other.id}-3.1"' in html
    # Only survey criteria: nothing for the self-scored ones.
    assert f'name="s-{own.id}-1.3"' not in html
    # Live values, clearly not the published ones.
    assert "Số liệu tạm tính, chưa công bố" in html


def test_values_save_with_a_decimal_comma_and_are_audited(login_as, campaign, users):
    own, other = submission_of(campaign, "STP"), submission_of(campaign, "SYT")
    c = login_as("secretariat")
    response = c.post(
        "/campaigns/PAR-TEST/survey",
        data={f"s-{own.id}-3.1": "3,5", f"s-{other.id}-3.1": "2"},
    )
    assert response.status_code == 303
    stored = entries(own, "survey")["3.1"]
    assert (stored.value, stored.points) == ("3.5", Decimal("3.5"))
    assert stored.updated_by_id == users["secretariat"].id
    # The council's figures follow at once: survey points count in the points.
    own = submission_of(campaign, "STP")
    assert own.survey_points == Decimal("3.5") and own.points == Decimal("3.5")
    changed = events(stage="survey", submission_id=own.id)
    assert [(e.criterion_code, e.from_value, e.to_value, e.to_points) for e in changed] == [
        ("3.1", None, "3.5", "3.50")
    ]
    assert changed[0].actor_id == users["secretariat"].id
    # The page shows the saved value back with the decimal comma; saving it again changes nothing.
    html = c.get("/campaigns/PAR-TEST/survey").get_data(as_text=True)
    assert 'value="3,5"' in html
    c.post("/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "3,5"})
    assert len(events(stage="survey")) == 2


def test_a_bad_value_answers_422_beside_its_field_and_nothing_is_saved(login_as, campaign):
    own, other = submission_of(campaign, "STP"), submission_of(campaign, "SYT")
    response = login_as("secretariat").post(
        "/campaigns/PAR-TEST/survey",
        data={f"s-{own.id}-3.1": "3", f"s-{other.id}-3.1": "4,5"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = f"s-{other.id}-3.1"
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
    # What was typed stays in the field, to be corrected.
    assert 'value="4,5"' in html
    assert entries(own, "survey") == {} and entries(other, "survey") == {}
    assert events(stage="survey") == []


def test_a_grid_loaded_before_another_save_does_not_overwrite_it(login_as, campaign, users):
    own, other = submission_of(campaign, "STP"), submission_of(campaign, "SYT")
    first, second = login_as("secretariat"), login_as("admin")
    html = second.get("/campaigns/PAR-TEST/survey").get_data(as_text=True)
    assert f'name="v-{own.id}-3.1" value="0"' in html  # the version each cell was shown at
    saved = first.post(
        "/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "3", f"v-{own.id}-3.1": "0"}
    )
    assert saved.status_code == 303
    # The second grid still names version 0: its value is refused beside the cell, with the
    # value and the name of whoever saved meanwhile, and its other cell is not saved either.
    stale = second.post(
        "/campaigns/PAR-TEST/survey",
        data={
            f"s-{own.id}-3.1": "1",
            f"v-{own.id}-3.1": "0",
            f"s-{other.id}-3.1": "2",
            f"v-{other.id}-3.1": "0",
        },
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 422
    html = stale.get_data(as_text=True)
    assert f'id="s-{own.id}-3.1-error"' in html
    assert users["secretariat"].full_name in html and "nay là 3" in html
    assert entries(own, "survey")["3.1"].value == "3" and entries(other, "survey") == {}
    assert len(events(stage="survey")) == 1
    # Shown again at the new version, the same value goes through.
    assert f'name="v-{own.id}-3.1" value="1"' in html
    again = second.post(
        "/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "1", f"v-{own.id}-3.1": "1"}
    )
    assert again.status_code == 303 and entries(own, "survey")["3.1"].value == "1"


def test_a_criterion_that_is_not_a_survey_criterion_is_refused(login_as, campaign):
    own = submission_of(campaign, "STP")
    response = login_as("secretariat").post(
        "/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "3", f"s-{own.id}-1.3": "1"}
    )
    assert response.status_code == 422
    assert "1.3" in response.get_data(as_text=True)
    assert entries(own, "survey") == {} and entries(own, "appraisal") == {}


def test_an_htmx_save_returns_only_the_grid(login_as, campaign):
    own = submission_of(campaign, "STP")
    response = login_as("secretariat").post(
        "/campaigns/PAR-TEST/survey",
        data={f"s-{own.id}-3.1": "9"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and f'id="s-{own.id}-3.1-error"' in html


def test_survey_stays_editable_after_closing_but_not_after_publication(login_as, campaign):
    own = submission_of(campaign, "STP")
    own.appraisal_closed_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    c = login_as("secretariat")
    assert c.post("/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "1"}).status_code == 303
    campaign.published_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    response = c.post("/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "2"})
    assert response.status_code == 422
    assert entries(own, "survey")["3.1"].value == "1"


@pytest.mark.parametrize(
    ("who", "status"), [("evaluator", 403), ("leader", 403), ("head", 404), ("officer", 404)]
)
def test_only_the_secretariat_and_admin_enter_survey_points(login_as, campaign, who, status):
    own = submission_of(campaign, "STP")
    response = login_as(who).post("/campaigns/PAR-TEST/survey", data={f"s-{own.id}-3.1": "1"})
    # Survey figures are the council's: a unit's people get 404, other staff 403.
    assert response.status_code == status
    assert entries(own, "survey") == {}


# ---- import-scores --stage survey ------------------------------------------------------------


def test_import_survey_sets_survey_entries_and_the_figures(runner, tmp_path, campaign):
    text = HEADER + 'STP,3.1,"3,25",Phiếu khảo sát 2025\nSYT,3.1,4,\n'
    result = import_scores(runner, write(tmp_path, "survey.csv", text), "survey")
    assert result.exit_code == 0, result.output
    assert "2 changed" in result.output
    own = submission_of(campaign, "STP")
    stored = entries(own, "survey")["3.1"]
    assert (stored.value, stored.points, stored.note) == (
        "3.25",
        Decimal("3.25"),
        "Phiếu khảo sát 2025",
    )
    assert own.survey_points == Decimal("3.25") and own.points == Decimal("3.25")
    assert {e.reason for e in events(stage="survey")} == {"survey.csv"}


def test_import_survey_refuses_other_criteria_and_changes_nothing(runner, tmp_path, campaign):
    text = HEADER + "STP,3.1,3,\nSTP,1.3,1,\nSYT,3.1,5,\n"
    result = import_scores(runner, write(tmp_path, "bad.csv", text), "survey")
    assert result.exit_code != 0
    assert "bad.csv:3: 1.3" in result.output and "survey" in result.output
    assert "bad.csv:4: 3.1" in result.output
    reread()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


# ---- import-scores --stage appraisal ---------------------------------------------------------


SELF = HEADER + "STP,1.2,yes,\nSTP,1.3,2,\nSYT,1.3,1,\n"


def test_import_appraisal_needs_a_comment_where_points_differ(runner, tmp_path, campaign):
    assert import_scores(runner, write(tmp_path, "self.csv", SELF), "self").exit_code == 0
    text = HEADER + "STP,1.2,yes,\nSTP,1.3,1.5,\nSYT,1.3,1,\n"
    result = import_scores(runner, write(tmp_path, "paper.csv", text), "appraisal")
    assert result.exit_code != 0
    # Line 3 only: 1.2 and SYT's 1.3 keep the unit's points, so they need no comment.
    errors = [line for line in result.output.splitlines() if line.startswith("paper.csv:")]
    assert len(errors) == 1 and errors[0].startswith("paper.csv:3: STP 1.3")
    assert "comment" in errors[0] and "differ from the self points" in errors[0]
    assert "2.00 → 1.50" in errors[0]
    assert entries(submission_of(campaign, "STP"), "appraisal") == {}


def test_import_appraisal_writes_the_councils_values_and_figures(runner, tmp_path, campaign):
    assert import_scores(runner, write(tmp_path, "self.csv", SELF), "self").exit_code == 0
    text = HEADER + "STP,1.2,yes,\nSTP,1.3,1.5,Thiếu biên bản họp\nSYT,1.3,1,\n"
    result = import_scores(runner, write(tmp_path, "paper.csv", text), "appraisal")
    assert result.exit_code == 0, result.output
    own = submission_of(campaign, "STP")
    council = entries(own, "appraisal")
    assert {c: (e.value, e.points, e.note) for c, e in council.items()} == {
        "1.2": ("yes", Decimal("1"), None),
        "1.3": ("1.5", Decimal("1.5"), "Thiếu biên bản họp"),
    }
    # The unit's own values are untouched; the council's total uses its value where set.
    assert entries(own, "self")["1.3"].value == "2"
    assert own.self_points == Decimal("3")
    assert own.appraised_points == Decimal("2.5") and own.points == Decimal("2.5")
    assert own.appraised_count == 2
    changed = events(stage="appraisal", submission_id=own.id, criterion_code="1.3")
    assert [(e.from_value, e.to_value, e.to_points, e.reason) for e in changed] == [
        (None, "1.5", "1.50", "paper.csv")
    ]


def test_import_appraisal_refuses_survey_criteria_and_closed_appraisals(runner, tmp_path, campaign):
    own = submission_of(campaign, "SYT")
    own.appraisal_closed_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    text = HEADER + "STP,3.1,3,\nSYT,1.2,yes,\n"
    result = import_scores(runner, write(tmp_path, "x.csv", text), "appraisal")
    assert result.exit_code != 0
    assert "x.csv:2: 3.1" in result.output
    assert "x.csv:3: SYT" in result.output and "closed" in result.output
    reread()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0
