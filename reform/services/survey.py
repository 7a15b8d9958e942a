"""Survey points (điều tra xã hội học): the secretariat enters them per unit and criterion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.i18n import is_vietnamese
from reform.models import Campaign, Criterion, Entry, Submission, Unit, User
from reform.models.submissions import SURVEY
from reform.scoring import Framework as ScoringFramework
from reform.scoring import Node, ValueProblem
from reform.scoring.numbers import fmt_plain
from reform.services.assessment import canonical_value, parsed_framework, problem_text
from reform.services.audit import record
from reform.services.locking import lock_submissions
from reform.services.results import refresh_results
from reform.services.units import UNIT_ORDER, by_block_and_name
from reform.validation import bounded_int

FIELD_PREFIX = "s-"


class SurveyRefused(ValueError):
    """Some values cannot be saved; errors maps each form field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"{len(errors)} value(s) refused")
        self.errors = errors


def field_name(submission_id: int, code: str) -> str:
    """The form field of one unit's survey criterion."""
    return f"{FIELD_PREFIX}{submission_id}-{code}"


def survey_leaves(fw: ScoringFramework) -> list[Node]:
    """The framework's survey criteria, in file order."""
    return [node for node in fw.leaves() if node.is_survey]


def applicable_survey_codes(fw: ScoringFramework, unit_kind: str) -> frozenset[str]:
    """Survey criteria that apply to a unit kind (its own and every ancestor's applies_to)."""
    found: set[str] = set()

    def walk(nodes, applies: bool) -> None:
        for node in nodes:
            here = applies and node.applies_to_kind(unit_kind)
            if node.is_leaf:
                if here and node.is_survey:
                    found.add(node.code)
            else:
                walk(node.children, here)

    walk(fw.criteria, True)
    return frozenset(found)


def shown_value(raw: str | None) -> str:
    """A stored survey value as the user reads it (decimal comma in Vietnamese)."""
    if raw is None:
        return ""
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    return fmt_plain(number, "," if is_vietnamese() else ".")


@dataclass
class SurveyRow:
    """One participant unit: the survey criteria that apply to it and their stored values."""

    submission: Submission
    applicable: frozenset[str]
    values: dict[str, str] = field(default_factory=dict)
    # The version of each cell as shown; a save names it, so a newer value is never overwritten.
    versions: dict[str, int] = field(default_factory=dict)


@dataclass
class SurveyGrid:
    """Every participant unit (rows) against the framework's survey criteria (columns)."""

    columns: list[Node]
    rows: list[SurveyRow]


def survey_entries(campaign: Campaign) -> dict[tuple[int, str], Entry]:
    """The campaign's survey entries by (submission id, criterion code), in one query."""
    rows = db.session.execute(
        select(Entry, Criterion.code)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .join(Submission, Entry.submission_id == Submission.id)
        .where(Submission.campaign_id == campaign.id, Entry.stage == SURVEY)
        .options(joinedload(Entry.updated_by).lazyload(User.role_rows))
        # What the database holds now, even for entries this session loaded before a lock.
        .execution_options(populate_existing=True)
    ).all()
    return {(entry.submission_id, code): entry for entry, code in rows}


def grid(campaign: Campaign, block_id: int | None = None) -> SurveyGrid:
    """The survey grid of a campaign (optionally one block), units by block and name."""
    fw = parsed_framework(campaign.framework)
    stmt = (
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
        .options(joinedload(Submission.unit), joinedload(Submission.block))
        .order_by(*UNIT_ORDER)
    )
    if block_id:
        stmt = stmt.where(Submission.block_id == block_id)
    submissions = by_block_and_name(list(db.session.scalars(stmt)))
    entries = survey_entries(campaign)
    rows = []
    for submission in submissions:
        applicable = applicable_survey_codes(fw, submission.unit.kind)
        values = {
            code: entries[submission.id, code].value
            for code in applicable
            if (submission.id, code) in entries and entries[submission.id, code].value is not None
        }
        versions = {
            code: entries[submission.id, code].version
            for code in applicable
            if (submission.id, code) in entries
        }
        rows.append(SurveyRow(submission, applicable, values, versions))
    return SurveyGrid(survey_leaves(fw), rows)


def missing_codes(fw: ScoringFramework, submission: Submission, survey: Mapping[str, str]) -> list:
    """Applicable survey criteria of the submission without a value yet."""
    wanted = applicable_survey_codes(fw, submission.unit.kind)
    return [
        node.code for node in survey_leaves(fw) if node.code in wanted and not survey.get(node.code)
    ]


VERSION_PREFIX = "v-"


def version_field_name(submission_id: int, code: str) -> str:
    """The hidden field that carries the version of a cell as the grid showed it."""
    return f"{VERSION_PREFIX}{submission_id}-{code}"


def _seen_version(form: Mapping[str, str], submission_id: int, code: str) -> int:
    """The version the poster saw; a cell posted without one claims it was empty."""
    text = (form.get(version_field_name(submission_id, code)) or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _changed_meanwhile(entry: Entry | None) -> str:
    """The conflict message of a cell, with the value and the person who saved it."""
    if entry is None or entry.value is None:
        return _("Changed by someone else meanwhile: now empty. Check it and save again.")
    who = entry.updated_by.full_name if entry.updated_by else _("someone else")
    return _(
        "Changed by %(who)s meanwhile: now %(value)s. Check it and save again.",
        who=who,
        value=shown_value(entry.value),
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def save_survey(campaign: Campaign, form: Mapping[str, str], *, actor: User | None) -> int:
    """Save every posted survey value or none (SurveyRefused); returns how many changed."""
    if campaign.published_at is not None:
        raise PermissionError(_("The results are published; survey points can no longer change."))
    fw = parsed_framework(campaign.framework)
    submissions = {
        s.id: s
        for s in db.session.scalars(
            select(Submission)
            .where(Submission.campaign_id == campaign.id)
            .options(joinedload(Submission.unit))
        )
    }
    errors: dict[str, str] = {}
    wanted: dict[tuple[int, str], str | None] = {}
    for name, raw in form.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        sid_text, _sep, code = name[len(FIELD_PREFIX) :].partition("-")
        submission = submissions.get(bounded_int(sid_text))  # type: ignore[arg-type]
        if submission is None or code not in fw:
            errors[name] = _("Unknown unit or criterion.")
            continue
        node = fw.node(code)
        text = (raw or "").strip()
        if not node.is_survey or not node.is_leaf:
            errors[name] = _("%(code)s is not a survey criterion.", code=code)
            continue
        if code not in applicable_survey_codes(fw, submission.unit.kind):
            errors[name] = _("%(code)s does not apply to this unit.", code=code)
            continue
        if not text:
            wanted[submission.id, code] = None
            continue
        try:
            parsed = node.parse_value(text, stage=SURVEY)
        except ValueProblem as problem:
            errors[name] = problem_text(problem)
            continue
        wanted[submission.id, code] = canonical_value(parsed)
    if errors:
        raise SurveyRefused(errors)

    # The posted cells' submissions are locked before their entries are read, so a second
    # grid saved at the same time waits and then sees this one's values and versions.
    lock_submissions(submissions[sid] for sid, _code in wanted)
    entries = survey_entries(campaign)
    criteria = {
        c.code: c
        for c in db.session.scalars(
            select(Criterion).where(Criterion.framework_id == campaign.framework_id)
        )
    }
    changes: list[tuple[Submission, str, Entry, str | None, Decimal | None]] = []
    for (sid, code), value in wanted.items():
        entry = entries.get((sid, code))
        if (entry.value if entry else None) == value:
            continue
        seen = _seen_version(form, sid, code)
        if (entry.version if entry else 0) != seen:
            errors[field_name(sid, code)] = _changed_meanwhile(entry)
            continue
        if entry is None:
            entry = Entry(submission_id=sid, criterion_id=criteria[code].id, stage=SURVEY)
            entry.version = 0
            db.session.add(entry)
        before_value, before_points = entry.value, entry.points
        entry.value = value
        entry.version = (entry.version or 0) + 1
        entry.updated_by_id = actor.id if actor else None
        entry.updated_at = _now()
        changes.append((submissions[sid], code, entry, before_value, before_points))
    if errors:
        raise SurveyRefused(errors)
    if not changes:
        return 0
    db.session.flush()
    touched = {submission.id: submission for submission, *_rest in changes}
    results = {sid: refresh_results(submission) for sid, submission in touched.items()}
    for submission, code, entry, before_value, before_points in changes:
        scored = results[submission.id].scorecard.node(code)
        entry.points = scored.points if entry.value is not None and scored.applicable else None
        record(
            "value_changed",
            actor=actor,
            submission=submission,
            criterion_code=code,
            stage=SURVEY,
            from_value=before_value,
            to_value=entry.value,
            from_points=before_points,
            to_points=entry.points,
        )
    db.session.commit()
    return len(changes)
