"""Importing stage values from CSV (reform import-scores): all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from reform.extensions import db
from reform.models import Campaign, CampaignBlock, Criterion, Entry, Submission, Unit, User
from reform.models.submissions import APPRAISAL, SELF, SURVEY
from reform.scoring import ValueProblem, combine, score
from reform.scoring.numbers import fmt2
from reform.services import assessment
from reform.services.audit import record
from reform.services.campaigns import eligible_units
from reform.services.locking import lock_submissions
from reform.services.results import refresh_results, stage_values
from reform.validation import text_problem

COLUMNS = ("unit_code", "criterion_code", "value", "note")
IMPORT_STAGES = (SELF, APPRAISAL, SURVEY)
# The appraisal rule of the council's page, applied to every imported line.
COMMENT_RULE = (
    "a comment (note column) is required when the appraised points differ from the self points"
)


@dataclass
class ScoresReport:
    """What an import changed, or every reason it was refused (line, message)."""

    changed: int = 0
    unchanged: int = 0
    created_submissions: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    unit_code: str
    code: str
    value: str
    note: str | None


def import_scores(
    campaign: Campaign, data: bytes, *, stage: str, filename: str, actor: User | None = None
) -> ScoresReport:
    """Set stage values (self, appraisal or survey) from CSV bytes; any bad line refuses all."""
    report = ScoresReport()
    if stage not in IMPORT_STAGES:
        report.errors.append((0, f"unknown stage {stage!r}: use {', '.join(IMPORT_STAGES)}"))
        return report
    if campaign.published_at is not None:
        report.errors.append((0, "the campaign is published; its values can no longer change"))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((1, "the file is not UTF-8 text"))
        return report
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing:
        report.errors.append((1, f"missing columns: {', '.join(missing)}"))
        return report
    reader.fieldnames = header

    fw = assessment.parsed_framework(campaign.framework)
    eligible = {u.code: u for u in eligible_units(campaign.framework)}
    existing = {
        s.unit.code: s
        for s in db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id))
    }
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    seen: dict[tuple[str, str], int] = {}
    rows: list[_Row] = []
    for row in reader:
        line = reader.line_num
        unit_code = (row.get("unit_code") or "").strip()
        code = (row.get("criterion_code") or "").strip()
        raw = (row.get("value") or "").strip()
        note = (row.get("note") or "").strip() or None
        if problem := text_problem(note):
            report.errors.append((line, f"{code or '(empty)'}: note: {problem}"))
            continue
        if unit_code not in existing and unit_code not in eligible:
            why = "unknown unit" if unit_code not in units else "not a participant"
            report.errors.append((line, f"{unit_code or '(empty)'}: {why}"))
            continue
        if code not in fw:
            report.errors.append((line, f"{code or '(empty)'}: unknown criterion"))
            continue
        if (unit_code, code) in seen:
            report.errors.append(
                (line, f"{unit_code} {code}: already on line {seen[unit_code, code]}")
            )
            continue
        seen[unit_code, code] = line
        node = fw.node(code)
        kind = (existing[unit_code].unit if unit_code in existing else eligible[unit_code]).kind
        if not node.applies_to_kind(kind):
            report.errors.append((line, f"{code}: does not apply to a unit of kind {kind}"))
            continue
        if stage == APPRAISAL and unit_code in existing:
            closed = existing[unit_code].appraisal_closed_at is not None
            if closed:
                report.errors.append(
                    (line, f"{unit_code}: the appraisal of this unit is closed; reopen it first")
                )
                continue
        try:
            parsed = node.parse_value(raw, stage=stage)
        except ValueProblem as problem:
            report.errors.append((line, f"{code}: {problem.message}"))
            continue
        rows.append(_Row(line, unit_code, code, assessment.canonical_value(parsed), note))
    if not rows and not report.errors:
        report.errors.append((1, "the file has no values"))
    if not report.errors:
        # Held until commit: an autosave of these units waits, then sees the imported values.
        lock_submissions({existing[r.unit_code] for r in rows if r.unit_code in existing})
    if not report.errors and stage == APPRAISAL:
        report.errors.extend(_missing_comments(fw, campaign, rows, existing, eligible))
    if report.errors:
        return report

    criteria = assessment.criteria_by_code(campaign.framework)
    touched: dict[str, Submission] = {}
    changes: list[tuple[Submission, str, Entry, tuple]] = []
    # The stage's entries of the whole campaign in one query: a national file has some 360,000
    # lines, and a query per line made the import take minutes.
    current = {
        (entry.submission_id, entry.criterion_id): entry
        for entry in db.session.scalars(
            select(Entry)
            .join(Submission, Entry.submission_id == Submission.id)
            .where(Submission.campaign_id == campaign.id, Entry.stage == stage)
            .execution_options(populate_existing=True)
        )
    }
    for item in rows:
        submission = existing.get(item.unit_code)
        if submission is None:
            unit = eligible[item.unit_code]
            if all(b.block_id != unit.block_id for b in campaign.blocks):
                # The unit's block joins the campaign, as when a participant is added by hand.
                campaign.blocks.append(CampaignBlock(block_id=unit.block_id))
            submission = Submission(campaign=campaign, unit=unit, block_id=unit.block_id)
            db.session.add(submission)
            db.session.flush()
            existing[item.unit_code] = submission
            report.created_submissions += 1
            record(
                "participant_added",
                actor=actor,
                campaign=campaign,
                submission=submission,
                to_value=item.unit_code,
                reason=filename,
            )
        entry = current.get((submission.id, criteria[item.code].id))
        if (
            entry is not None
            and entry.value == item.value
            and (item.note is None or entry.note == item.note)
        ):
            report.unchanged += 1
            continue
        if entry is None:
            entry = Entry(
                submission_id=submission.id,
                criterion_id=criteria[item.code].id,
                stage=stage,
                version=0,
            )
            db.session.add(entry)
            current[submission.id, entry.criterion_id] = entry
        before = entry.value, entry.points
        entry.value = item.value
        if item.note is not None:
            entry.note = item.note
        entry.version = (entry.version or 0) + 1
        entry.updated_by_id = actor.id if actor else None
        touched[item.unit_code] = submission
        changes.append((submission, item.code, entry, before))
        report.changed += 1
    db.session.flush()
    for submission in touched.values():
        _refresh(submission, stage, criteria)
    # Recorded once the points are known, so each event says from what to what.
    for submission, code, entry, (old_value, old_points) in changes:
        record(
            "value_changed",
            actor=actor,
            submission=submission,
            criterion_code=code,
            stage=stage,
            from_value=old_value,
            to_value=entry.value,
            from_points=old_points,
            to_points=entry.points,
            reason=filename,
        )
    db.session.commit()
    return report


def _missing_comments(fw, campaign, rows, existing, eligible) -> list[tuple[int, str]]:
    """Lines whose appraised points differ from the unit's own without a comment."""
    errors = []
    by_unit: dict[str, list[_Row]] = {}
    for item in rows:
        by_unit.setdefault(item.unit_code, []).append(item)
    for unit_code, items in by_unit.items():
        submission = existing.get(unit_code)
        if submission is not None:
            own, appraised, _survey = stage_values(submission)
            kind = submission.unit.kind
            notes = {
                code: entry.note
                for code, entry in _stage_entries(submission, APPRAISAL).items()
                if entry.note
            }
        else:
            own, appraised, notes, kind = {}, {}, {}, eligible[unit_code].kind
        own = {c: v for c, v in own.items() if c not in fw.survey_codes}
        council = dict(appraised) | {item.code: item.value for item in items}
        own_card = score(fw, kind, own)
        council_card = score(fw, kind, combine(own, council))
        for item in items:
            self_points = own_card.node(item.code).points
            new_points = council_card.node(item.code).points
            if new_points != self_points and not (item.note or notes.get(item.code)):
                errors.append(
                    (
                        item.line,
                        f"{unit_code} {item.code}: {COMMENT_RULE} "
                        f"({fmt2(self_points)} → {fmt2(new_points)})",
                    )
                )
    return errors


def _stage_entries(submission: Submission, stage: str) -> dict[str, Entry]:
    """One stage's entries of a submission by criterion code."""
    rows = db.session.execute(
        select(Entry, Criterion.code)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Entry.stage == stage)
        .execution_options(populate_existing=True)
    ).all()
    return {code: entry for entry, code in rows}


def _refresh(submission: Submission, stage: str, criteria) -> None:
    """Store the entries' points and the submission's figures after the import's writes."""
    if stage == SELF:
        entries = assessment.self_entries(submission)
        card = assessment.refresh_totals(submission, entries)
    else:
        entries = _stage_entries(submission, stage)
        result = refresh_results(submission)
        card = result.scorecard
        if stage == APPRAISAL:
            # The council's points of a criterion: its value where set, the unit's elsewhere.
            fw = assessment.parsed_framework(submission.campaign.framework)
            own, appraised, _survey = stage_values(submission)
            own = {c: v for c, v in own.items() if c not in fw.survey_codes}
            card = score(fw, submission.unit.kind, combine(own, appraised))
    for code, entry in entries.items():
        node_score = card.node(code)
        entry.points = (
            node_score.points if entry.value is not None and node_score.applicable else None
        )
    if stage == SELF:
        refresh_results(submission)
