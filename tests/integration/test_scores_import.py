"""`reform import-scores` (CSV of stage values, all or nothing) and `reform recompute`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Block, CampaignBlock, Criterion, Entry, Submission, Unit
from reform.services.assessment import save_self_entry

HEADER = "unit_code,criterion_code,value,note\n"

GOOD = (
    HEADER
    + "STP,1.1,Chậm,Kế hoạch ban hành ngày 20/01\n"
    + "STP,1.2,yes,\n"
    + 'STP,1.3,"1,5",\n'
    + "STP,2.1,9/10,\n"
    + "STP,2.2,na,Chưa có dịch vụ công trực tuyến\n"
    + "STP,2.3,3,\n"
    + "STP,2.4,3,Ba lần trễ hạn\n"
    + "SYT,1.1,đúng hạn,\n"
    + "SYT,2.4,0,\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def reread() -> None:
    """End the test's read transaction and forget loaded rows."""
    db.session.rollback()
    db.session.expire_all()


def count(model, *where) -> int:
    reread()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def unit_submission(campaign, unit_code: str) -> Submission | None:
    reread()
    return db.session.scalar(
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id, Unit.code == unit_code)
    )


def self_entries(submission: Submission) -> dict[str, Entry]:
    reread()
    rows = db.session.execute(
        select(Entry, Criterion.code)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Entry.stage == "self")
    ).all()
    return {code: entry for entry, code in rows}


def value_events(**where) -> list[AuditEvent]:
    reread()
    stmt = select(AuditEvent).where(AuditEvent.action == "value_changed").order_by(AuditEvent.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(stmt))


def import_scores(runner, campaign_code: str, path: Path, stage: str = "self"):
    return runner.invoke(args=["import-scores", campaign_code, str(path), "--stage", stage])


def recompute(runner, campaign_code: str, *options: str):
    """Run the command as from a fresh process: nothing already loaded in the session."""
    reread()
    return runner.invoke(args=["recompute", campaign_code, *options])


# ---- a good file --------------------------------------------------------------------------


def test_a_good_file_sets_values_points_and_totals(runner, tmp_path, users, campaign):
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "scores.csv", GOOD))
    assert result.exit_code == 0, result.output
    assert "scores.csv: 9 changed, 0 unchanged, 0 submissions created" in result.output

    stp = unit_submission(campaign, "STP")
    entries = self_entries(stp)
    stored = {code: (e.value, e.points) for code, e in entries.items()}
    assert stored == {
        "1.1": ("Chậm", Decimal("1")),  # a choice gives that option's points
        "1.2": ("yes", Decimal("1")),
        "1.3": ("1.5", Decimal("1.5")),  # decimal comma read, stored with a point
        "2.1": ("9/10", Decimal("2")),  # 90 % reaches the 90 % tier
        "2.2": ("na", None),  # not applicable where allowed: no points
        "2.3": ("3", Decimal("2")),
        "2.4": ("3", Decimal("0.5")),  # 2 − 3 × 0.5
    }
    assert entries["1.1"].note == "Kế hoạch ban hành ngày 20/01"
    assert entries["2.4"].note == "Ba lần trễ hạn"
    assert all(e.version == 1 for e in entries.values())
    # 8 points of 17 applicable (19 less the 2 of 2.2); the self index is against the 13 the
    # unit scores itself (the 4 survey points left out): 61.54 %, band D.
    assert stp.self_points == Decimal("8")
    assert stp.max_points == Decimal("17")
    assert round(stp.self_index, 2) == Decimal("61.54")
    assert stp.self_band == "D"
    assert (stp.filled_count, stp.applicable_count) == (6, 6)

    syt = unit_submission(campaign, "SYT")
    entries = self_entries(syt)
    assert entries["1.1"].value == "Đúng hạn" and entries["1.1"].points == Decimal("2")
    assert entries["2.4"].points == Decimal("2")
    assert syt.self_points == Decimal("4") and syt.max_points == Decimal("19")
    assert (syt.filled_count, syt.applicable_count) == (2, 7)


def test_every_change_is_audited_with_the_file_name(runner, tmp_path, users, campaign):
    assert import_scores(runner, "PAR-TEST", write(tmp_path, "dot-1.csv", GOOD)).exit_code == 0
    events = value_events()
    assert len(events) == 9
    assert {e.reason for e in events} == {"dot-1.csv"}
    assert {e.stage for e in events} == {"self"}
    deduction = next(e for e in events if e.criterion_code == "2.4" and e.to_value == "3")
    assert (deduction.from_value, deduction.from_points) == (None, None)
    assert deduction.to_points == "0.50"
    na = next(e for e in events if e.criterion_code == "2.2")
    assert (na.to_value, na.to_points) == ("na", None)

    # A second file changes one value: from what to what, in values and in points.
    second = HEADER + "STP,1.1,Đúng hạn,\nSTP,1.2,yes,\n"
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "dot-2.csv", second))
    assert result.exit_code == 0, result.output
    assert "1 changed, 1 unchanged" in result.output
    (event,) = value_events(reason="dot-2.csv")
    assert event.criterion_code == "1.1"
    assert (event.from_value, event.to_value) == ("Chậm", "Đúng hạn")
    assert (event.from_points, event.to_points) == ("1.00", "2.00")
    assert event.submission_id == unit_submission(campaign, "STP").id
    # A line without a note keeps the note already there.
    assert self_entries(unit_submission(campaign, "STP"))["1.1"].note == (
        "Kế hoạch ban hành ngày 20/01"
    )
    assert unit_submission(campaign, "STP").self_points == Decimal("9")


def test_importing_over_the_units_own_values(runner, tmp_path, users, campaign, submission):
    save_self_entry(
        submission,
        "1.3",
        value="0,75",
        note=None,
        explanation=None,
        base_version=0,
        actor=users["officer"],
    )
    result = import_scores(
        runner, "PAR-TEST", write(tmp_path, "paper.csv", HEADER + "STP,1.3,2,\n")
    )
    assert result.exit_code == 0, result.output
    entry = self_entries(unit_submission(campaign, "STP"))["1.3"]
    assert (entry.value, entry.points, entry.version) == ("2", Decimal("2"), 2)
    (event,) = value_events(reason="paper.csv")
    assert (event.from_value, event.from_points, event.to_points) == ("0.75", "0.75", "2.00")
    assert unit_submission(campaign, "STP").self_points == Decimal("2")


def test_reimporting_the_same_file_changes_nothing(runner, tmp_path, campaign):
    path = write(tmp_path, "scores.csv", GOOD)
    assert import_scores(runner, "PAR-TEST", path).exit_code == 0
    before_events = count(AuditEvent)
    versions = {
        code: e.version for code, e in self_entries(unit_submission(campaign, "STP")).items()
    }
    result = import_scores(runner, "PAR-TEST", path)
    assert result.exit_code == 0, result.output
    assert "0 changed, 9 unchanged, 0 submissions created" in result.output
    assert count(AuditEvent) == before_events
    after = {code: e.version for code, e in self_entries(unit_submission(campaign, "STP")).items()}
    assert after == versions
    assert unit_submission(campaign, "STP").self_points == Decimal("8")


def test_a_bom_and_spaces_around_cells_are_accepted(runner, tmp_path, campaign):
    text = "\ufeffunit_code, criterion_code, value, note\r\n STP , 1.2 , no ,\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("utf-8"))
    result = import_scores(runner, "PAR-TEST", path)
    assert result.exit_code == 0, result.output
    entry = self_entries(unit_submission(campaign, "STP"))["1.2"]
    assert (entry.value, entry.points) == ("no", Decimal("0"))


# ---- a bad file ---------------------------------------------------------------------------


def test_every_bad_line_is_named_and_nothing_changes(runner, tmp_path, units, make_unit, campaign):
    make_unit("SXD", "Sở Xây dựng")  # a department: RULES takes wards only, so not eligible
    bad = (
        HEADER
        + "STP,1.1,Chậm,\n"  # 2: good
        + "NOPE,1.1,Chậm,\n"  # 3: unknown unit
        + "STP,9.9,1,\n"  # 4: unknown criterion
        + "STP,1.4,yes,\n"  # 5: 1.4 is for wards only
        + "STP,3.1,3,\n"  # 6: survey, never self-scored
        + "STP,1.2,yes,\n"  # 7: good
        + "STP,1.2,no,\n"  # 8: the same unit and criterion again
        + "STP,2.1,11/10,\n"  # 9: numerator above denominator
        + "SXD,1.1,Chậm,\n"  # 10: not eligible
        + "TINH,1.1,Chậm,\n"  # 11: no block, not eligible
        + "STP,2.3,na,\n"  # 12: 2.3 cannot be not applicable
        + "P-A,1.4,yes,\n"  # 13: good (an eligible ward)
        + "SYT,1.3,1.1,\n"  # 14: not on a 0.25 step
    )
    before = count(AuditEvent)
    submissions_before = count(Submission)
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "bad.csv", bad))
    assert result.exit_code != 0
    out = result.output
    lines = {
        int(line.split(":")[1]): line for line in out.splitlines() if line.startswith("bad.csv:")
    }
    assert sorted(lines) == [3, 4, 5, 6, 8, 9, 10, 11, 12, 14]
    assert "NOPE" in lines[3] and "unknown unit" in lines[3]
    assert "9.9" in lines[4] and "unknown criterion" in lines[4]
    assert "1.4" in lines[5] and "department" in lines[5]
    assert "3.1" in lines[6] and "survey" in lines[6].lower()
    assert "line 7" in lines[8]
    assert "2.1" in lines[9]
    assert "SXD" in lines[10] and "not a participant" in lines[10]
    assert "TINH" in lines[11] and "not a participant" in lines[11]
    assert "2.3" in lines[12]
    assert "1.3" in lines[14]
    assert "10 error(s); nothing was imported" in out
    # All or nothing: not even the good lines, no submission for the ward, no audit event.
    assert count(Entry) == 0
    assert count(AuditEvent) == before
    assert count(Submission) == submissions_before
    assert unit_submission(campaign, "P-A") is None
    assert unit_submission(campaign, "STP").self_points == 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("unit_code,criterion_code,note\nSTP,1.2,\n", "value"),
        (HEADER, "no values"),
        (HEADER + "STP,1.2,,\n", "1.2"),
    ],
)
def test_a_file_without_values_is_refused(runner, tmp_path, campaign, text, words):
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "x.csv", text))
    assert result.exit_code != 0
    assert "x.csv:" in result.output and words in result.output
    assert count(Entry) == 0


def test_unknown_campaign_is_refused(runner, tmp_path, campaign):
    result = import_scores(runner, "NOPE", write(tmp_path, "scores.csv", GOOD))
    assert result.exit_code != 0 and "NOPE" in result.output
    assert count(Entry) == 0


def test_import_is_refused_once_the_campaign_is_published(runner, tmp_path, campaign):
    campaign.published_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    before = count(AuditEvent)
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "late.csv", GOOD))
    assert result.exit_code != 0
    assert "late.csv:" in result.output and "published" in result.output
    assert count(Entry) == 0 and count(AuditEvent) == before


def test_import_works_in_any_phase_before_publication(runner, tmp_path, campaign):
    # Self-assessment closed long ago: a paper appraisal can still be loaded.
    campaign.self_opens_on, campaign.self_closes_on = date(2020, 1, 1), date(2020, 1, 31)
    db.session.commit()
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "paper.csv", GOOD))
    assert result.exit_code == 0, result.output
    assert count(Entry) == 9


# ---- units without a submission -----------------------------------------------------------


@pytest.fixture
def ward_campaign(app, units, rules_framework):
    """A campaign whose participants follow the framework's kinds (the wards)."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    return create_campaign(
        "PAR-PHUONG", "Chỉ số CCHC phường", rules_framework, PhaseDates(today(), today())
    )


def test_an_eligible_unit_without_a_submission_gets_one(
    runner, tmp_path, units, make_unit, ward_campaign
):
    assert unit_submission(ward_campaign, "P-A") is not None
    # A ward created after the campaign: eligible, but without a submission yet.
    make_unit("P-B", "Phường Bình", kind="ward", block_code="PHUONG")
    assert unit_submission(ward_campaign, "P-B") is None
    text = HEADER + "P-B,1.4,yes,\nP-B,1.1,Chậm,\nP-A,1.4,no,\n"
    result = import_scores(runner, "PAR-PHUONG", write(tmp_path, "phuong.csv", text))
    assert result.exit_code == 0, result.output
    assert "3 changed, 0 unchanged, 1 submissions created" in result.output
    created = unit_submission(ward_campaign, "P-B")
    assert created is not None and created.status == "draft"
    assert created.block_id == created.unit.block_id
    # 1.4 applies to wards: a ward has 8 criteria to fill.
    assert (created.filled_count, created.applicable_count) == (2, 8)
    assert created.self_points == Decimal("2") and created.max_points == Decimal("20")
    added = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_added"))
    assert added.to_value == "P-B" and added.reason == "phuong.csv"
    assert added.submission_id == created.id
    assert len(value_events(reason="phuong.csv")) == 3


def test_a_unit_created_by_import_brings_its_block(runner, tmp_path, units, campaign):
    # The fixture campaign takes only the departments (block SBN); the ward is eligible.
    result = import_scores(runner, "PAR-TEST", write(tmp_path, "p.csv", HEADER + "P-A,1.4,yes,\n"))
    assert result.exit_code == 0, result.output
    assert unit_submission(campaign, "P-A") is not None
    blocks = set(
        db.session.scalars(
            select(Block.code)
            .join(CampaignBlock, CampaignBlock.block_id == Block.id)
            .where(CampaignBlock.campaign_id == campaign.id)
        )
    )
    assert blocks == {"SBN", "PHUONG"}


# ---- recompute ----------------------------------------------------------------------------


@pytest.fixture
def ward_submission(make_user, units, ward_campaign) -> Submission:
    """The ward's submission in the ward campaign, with an officer of the ward."""
    make_user("ward_officer", ["officer"], units["ward"])
    return unit_submission(ward_campaign, "P-A")


def _normal_saves(runner, tmp_path, submission, campaign_code: str, officer) -> None:
    """Values from the form and from a file, as in ordinary use."""
    for code, value in (("1.1", "Đúng hạn"), ("2.1", "9/10"), ("1.3", "1,25"), ("2.2", "1/4")):
        save_self_entry(
            submission,
            code,
            value=value,
            note=None,
            explanation=None,
            base_version=0,
            actor=officer,
        )
    text = HEADER + f"{submission.unit.code},2.3,1,\n{submission.unit.code},2.4,1,\n"
    assert import_scores(runner, campaign_code, write(tmp_path, "s.csv", text)).exit_code == 0


def _officer(username: str):
    from reform.models import User

    return db.session.scalar(select(User).where(User.username == username))


def test_recompute_check_finds_no_drift_after_normal_saves(runner, tmp_path, ward_submission):
    _normal_saves(runner, tmp_path, ward_submission, "PAR-PHUONG", _officer("ward_officer"))
    ward = unit_submission(ward_submission.campaign, "P-A")
    # 2 + 2 + 1.25 + 0.5 + 1 + 1.5 = 8.25 of the 16 a ward scores itself (20 less 4 survey).
    assert (ward.self_points, ward.self_index) == (Decimal("8.25"), Decimal("51.5625"))
    result = recompute(runner, "PAR-PHUONG", "--check")
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


def test_recompute_check_names_tampered_figures_and_recompute_fixes_them(
    runner, tmp_path, ward_submission
):
    campaign = ward_submission.campaign
    _normal_saves(runner, tmp_path, ward_submission, "PAR-PHUONG", _officer("ward_officer"))
    ward = unit_submission(campaign, "P-A")
    entry = self_entries(ward)["1.1"]
    ward.self_points = Decimal(99)
    entry.points = Decimal("0.5")
    db.session.commit()

    result = recompute(runner, "PAR-PHUONG", "--check")
    assert result.exit_code != 0
    drift = [line for line in result.output.splitlines() if line.startswith("P-A: ")]
    assert len(drift) == 2, result.output
    assert any(line.startswith("P-A: self_points stored 99") for line in drift)
    assert any(line.startswith("P-A: points of 1.1 stored 0.5") for line in drift)
    assert "2 stored figure(s) differ" in result.output
    # --check only reports.
    assert unit_submission(campaign, "P-A").self_points == Decimal(99)

    result = recompute(runner, "PAR-PHUONG")
    assert result.exit_code == 0, result.output
    assert "2 figure(s) corrected" in result.output
    assert unit_submission(campaign, "P-A").self_points == Decimal("8.25")
    assert self_entries(unit_submission(campaign, "P-A"))["1.1"].points == Decimal("2")

    result = recompute(runner, "PAR-PHUONG", "--check")
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


def test_recompute_check_finds_no_drift_for_figures_with_many_decimals(
    runner, tmp_path, users, campaign, submission
):
    # A department's index is out of 19: points ÷ 19 × 100 has no exact 4-decimal form.
    _normal_saves(runner, tmp_path, submission, "PAR-TEST", users["officer"])
    result = recompute(runner, "PAR-TEST", "--check")
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


def test_recompute_check_sees_a_wrong_progress_total(runner, campaign, submission):
    stp = unit_submission(campaign, "STP")
    stp.applicable_count = 3
    db.session.commit()
    result = recompute(runner, "PAR-TEST", "--check")
    assert result.exit_code != 0
    assert "STP:" in result.output


def test_recompute_unknown_campaign(runner, campaign):
    result = recompute(runner, "NOPE", "--check")
    assert result.exit_code != 0 and "No campaign NOPE" in result.output
