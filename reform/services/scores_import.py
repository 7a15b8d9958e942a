"""Importing stage values from CSV (reform import-scores): all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from reform.extensions import db
from reform.models import Campaign, Entry, Submission, Unit, User
from reform.models.submissions import SELF
from reform.scoring import ValueProblem
from reform.services import assessment
from reform.services.audit import record
from reform.services.campaigns import eligible_units

COLUMNS = ("unit_code", "criterion_code", "value", "note")


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


def import_scores(
    campaign: Campaign, data: bytes, *, stage: str, filename: str, actor: User | None = None
) -> ScoresReport:
    """Set stage values from CSV bytes; any bad line refuses the whole file."""
    report = ScoresReport()
    if stage != SELF:
        report.errors.append((0, f"stage {stage!r} is not supported by this command yet"))
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
    rows = []
    for row in reader:
        line = reader.line_num
        unit_code = (row.get("unit_code") or "").strip()
        code = (row.get("criterion_code") or "").strip()
        raw = (row.get("value") or "").strip()
        note = (row.get("note") or "").strip() or None
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
        try:
            parsed = node.parse_value(raw, stage=stage)
        except ValueProblem as problem:
            report.errors.append((line, f"{code}: {problem.message}"))
            continue
        rows.append((unit_code, code, assessment.canonical_value(parsed), note))
    if not rows and not report.errors:
        report.errors.append((1, "the file has no values"))
    if report.errors:
        return report

    criteria = assessment.criteria_by_code(campaign.framework)
    touched: dict[str, Submission] = {}
    changes: list[tuple[Submission, str, Entry, tuple]] = []
    for unit_code, code, value, note in rows:
        submission = existing.get(unit_code)
        if submission is None:
            unit = eligible[unit_code]
            submission = Submission(campaign=campaign, unit=unit, block_id=unit.block_id)
            db.session.add(submission)
            db.session.flush()
            existing[unit_code] = submission
            report.created_submissions += 1
            record(
                "participant_added",
                actor=actor,
                campaign=campaign,
                submission=submission,
                to_value=unit_code,
                reason=filename,
            )
        entry = db.session.scalar(
            select(Entry).where(
                Entry.submission_id == submission.id,
                Entry.criterion_id == criteria[code].id,
                Entry.stage == stage,
            )
        )
        if entry is not None and entry.value == value and (note is None or entry.note == note):
            report.unchanged += 1
            continue
        if entry is None:
            entry = Entry(
                submission_id=submission.id, criterion_id=criteria[code].id, stage=stage, version=0
            )
            db.session.add(entry)
        before = entry.value, entry.points
        entry.value = value
        if note is not None:
            entry.note = note
        entry.version = (entry.version or 0) + 1
        entry.updated_by_id = actor.id if actor else None
        touched[unit_code] = submission
        changes.append((submission, code, entry, before))
        report.changed += 1
    db.session.flush()
    for submission in touched.values():
        entries = assessment.self_entries(submission)
        card = assessment.refresh_totals(submission, entries, criteria)
        for code, entry in entries.items():
            node_score = card.node(code)
            entry.points = (
                node_score.points if entry.value is not None and node_score.applicable else None
            )
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
