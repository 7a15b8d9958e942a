"""The self-assessment: who may edit, saving values, totals, completeness, sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.i18n import fmt_date, is_vietnamese
from reform.models import Criterion, Entry, Evidence, Framework, Submission, User
from reform.models.submissions import (
    APPRAISAL,
    DRAFT,
    EDITABLE_STATUSES,
    PENDING_APPROVAL,
    RETURNED,
    SELF,
    SUBMITTED,
    SURVEY,
)
from reform.models.users import HEAD, OFFICER
from reform.scoring import NA, Scorecard, ValueProblem, score
from reform.scoring.numbers import fmt_plain
from reform.services import notices
from reform.services.audit import record
from reform.services.bands import bands_for_block
from reform.services.explanation_requests import open_request, past_due
from reform.services.framework_cache import (
    CriterionRef,
    applicable_leaves,
    criterion_refs,
    parsed_framework,
)
from reform.services.locking import StaleDataError, lock_submission
from reform.services.phases import phase_of
from reform.services.submission_work import SubmissionWork, open_work
from reform.validation import text_problem

# A save loads every stage's entries with the submission (one statement): the council's
# figures depend on all three.
STAGES = (SELF, APPRAISAL, SURVEY)


def self_edit_refusal(submission: Submission, user: User) -> str | None:
    """Why this user may not change the self-assessment now, or None when they may."""
    if not user.has_role(OFFICER, HEAD) or user.unit_id != submission.unit_id:
        return _("Only the unit's officers and head change its self-assessment.")
    campaign = submission.campaign
    state = phase_of(campaign)
    if not state.self_open:
        if state.phase == "upcoming":
            return _("Self-assessment opens on %(day)s.", day=fmt_date(campaign.self_opens_on))
        return _("Self-assessment closed on %(day)s.", day=fmt_date(campaign.self_closes_on))
    if submission.status == PENDING_APPROVAL:
        return _("Sent to the unit head for approval; read-only until it is returned.")
    if submission.status == SUBMITTED:
        return _("Submitted to the council; read-only.")
    if submission.status not in EDITABLE_STATUSES:
        return _("Read-only in this state.")
    return None


EXPLANATION = "explanation"


def evidence_permission(
    submission: Submission, criterion: Criterion | None, user: User
) -> tuple[str | None, str]:
    """(why not, stage): self evidence while editable, or explanation evidence on a reopened
    criterion (an open explanation request) for the unit's people."""
    refusal = self_edit_refusal(submission, user)
    if refusal is None:
        return None, SELF
    if (
        criterion is not None
        and user.has_role(OFFICER, HEAD)
        and user.unit_id == submission.unit_id
    ):
        request = open_request(submission, criterion.id)
        # After its deadline the criterion closes to the unit again.
        if request is not None and not past_due(request):
            return None, EXPLANATION
    return refusal, SELF


# ---- the framework as the scoring core sees it -------------------------------------------

# ---- reading a submission ----------------------------------------------------------------


def self_entries(submission: Submission) -> dict[str, Entry]:
    """The submission's self-assessment entries by criterion code, in one query."""
    rows = db.session.execute(
        select(Entry, Criterion.code)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Entry.stage == SELF)
        .options(joinedload(Entry.updated_by).lazyload(User.role_rows))
        # What the database holds now, even for entries this session loaded before a lock.
        .execution_options(populate_existing=True)
    ).all()
    return {code: entry for entry, code in rows}


def evidence_counts(submission: Submission) -> dict[int, int]:
    """Number of evidence files per criterion id."""
    rows = db.session.execute(
        select(Evidence.criterion_id, func.count())
        .where(Evidence.submission_id == submission.id)
        .group_by(Evidence.criterion_id)
    ).all()
    return dict(rows)


def criteria_by_code(framework: Framework) -> dict[str, Criterion]:
    """The framework's criterion rows by code."""
    rows = db.session.scalars(select(Criterion).where(Criterion.framework_id == framework.id))
    return {c.code: c for c in rows}


def scorecard(submission: Submission, entries: dict[str, Entry] | None = None) -> Scorecard:
    """The self-assessment scored by the core with the block's bands."""
    entries = self_entries(submission) if entries is None else entries
    fw = parsed_framework(submission.campaign.framework)
    values = {code: e.value for code, e in entries.items() if e.value is not None}
    bands = bands_for_block(submission.campaign, submission.block_id)
    return score(fw, submission.unit.kind, values, bands=bands)


@dataclass
class Problem:
    """Something to fix before sending, tied to a criterion."""

    code: str
    name: str
    message: str


def completeness(
    submission: Submission,
    entries: dict[str, Entry] | None = None,
    counts: dict[int, int] | None = None,
    criteria: dict[str, Criterion] | None = None,
) -> list[Problem]:
    """Criteria without a value, required evidence missing unexplained, N/A without a reason."""
    entries = self_entries(submission) if entries is None else entries
    counts = evidence_counts(submission) if counts is None else counts
    criteria = criteria_by_code(submission.campaign.framework) if criteria is None else criteria
    fw = parsed_framework(submission.campaign.framework)
    card = scorecard(submission, entries)
    problems = []
    # A whole section declared not applicable needs its reason too.
    for code, entry in entries.items():
        if entry.is_na and not fw.node(code).is_leaf and not (entry.explanation or "").strip():
            problems.append(
                Problem(code, fw.node(code).name, _("Not applicable: give the reason."))
            )
    for node in applicable_leaves(submission):
        entry = entries.get(node.code)
        explained = bool(entry and (entry.explanation or "").strip())
        if entry is not None and entry.is_na:
            if not explained:
                problems.append(
                    Problem(node.code, node.name, _("Not applicable: give the reason."))
                )
        elif not card.node(node.code).applicable:
            continue  # a section above it was declared not applicable
        elif entry is None or entry.value is None:
            problems.append(Problem(node.code, node.name, _("No value yet.")))
        elif (
            node.evidence == "required" and not counts.get(criteria[node.code].id) and not explained
        ):
            problems.append(
                Problem(node.code, node.name, _("Evidence required: attach it or explain why."))
            )
    return problems


def refresh_totals(
    submission: Submission,
    entries: dict[str, Entry] | None = None,
    counts: dict[int, int] | None = None,
) -> Scorecard:
    """Recompute and store the submission's self totals and progress; return the scorecard."""
    entries = self_entries(submission) if entries is None else entries
    card = scorecard(submission, entries)
    leaves = [n for n in applicable_leaves(submission) if card.node(n.code).applicable]
    counts = evidence_counts(submission) if counts is None else counts
    submission.self_points = card.points
    submission.max_points = card.max_points
    # Against what the unit can score itself: survey points are not its to win or lose.
    submission.self_index = card.self_index
    submission.self_band = card.self_band
    submission.applicable_count = len(leaves)
    submission.filled_count = sum(
        1 for n in leaves if n.code in entries and entries[n.code].value is not None
    )
    submission.evidence_missing_count = sum(
        1
        for n in leaves
        if n.evidence == "required"
        and n.code in entries
        and entries[n.code].value not in (None, "na")
        and not counts.get(entries[n.code].criterion_id)
        and not (entries[n.code].explanation or "").strip()
    )
    return card


# ---- saving one criterion ----------------------------------------------------------------


class EntryRefused(ValueError):
    """A value the criterion cannot take; field names the input to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class EntryConflict(Exception):
    """Someone else saved this criterion since the form was loaded."""

    def __init__(self, entry: Entry) -> None:
        super().__init__("stale version")
        self.entry = entry


def problem_text(problem: ValueProblem) -> str:
    """The core's message in the interface language."""
    return problem.vi if is_vietnamese() else problem.message


@dataclass
class Saved:
    """A saved criterion with everything the answer to the form needs, already loaded."""

    entry: Entry
    card: Scorecard
    entries: dict[str, Entry]
    criteria: dict[str, CriterionRef]


def save_self_entry(
    submission: Submission,
    code: str,
    *,
    value: str | None,
    note: str | None,
    explanation: str | None,
    base_version: int,
    actor: User,
    commit: bool = True,
    work: SubmissionWork | None = None,
) -> Saved:
    """Save one criterion's self value, note and explanation; stale saves are refused."""
    # Locked and loaded before anything is read: the status, the versions and the totals below
    # are the committed ones, and the next writer of this submission waits for our commit.
    if work is None:
        work = open_work(submission.id, STAGES)
    submission = work.submission
    refusal = self_edit_refusal(submission, actor)
    if refusal:
        raise PermissionError(refusal)
    fw = parsed_framework(submission.campaign.framework)
    if code not in fw:
        raise LookupError(code)
    node = fw.node(code)
    if not node.is_leaf and not node.allow_na:
        raise LookupError(code)
    if not fw.applies_to_unit(code, submission.unit.kind):
        raise LookupError(code)  # not on this unit's form
    raw = (value or "").strip() or None
    if raw is not None:
        try:
            parsed = node.parse_value(raw, stage=SELF)
        except ValueProblem as problem:
            raise EntryRefused("value", problem_text(problem)) from problem
        raw = canonical_value(parsed)
    if raw == "na" and not node.is_leaf and not (explanation or "").strip():
        # A whole section set aside needs its reason now, not later at the completeness check.
        raise EntryRefused("explanation", _("Not applicable: give the reason."))
    for label, text in (("note", note), ("explanation", explanation)):
        problem = text_problem(text)
        if problem:
            raise EntryRefused(label, problem)
    criteria = criterion_refs(submission.campaign.framework)
    criterion = criteria[code]
    entries = work.stage(SELF)
    entry = entries.get(code)
    note = (note or "").strip() or None
    explanation = (explanation or "").strip() or None
    if entry is not None and (entry.value, entry.note, entry.explanation) == (
        raw,
        note,
        explanation,
    ):
        # Nothing changes: a repeated or retried save succeeds whatever version it names.
        return Saved(entry, scorecard(submission, entries), entries, criteria)
    if entry is None:
        if base_version != 0:
            raise EntryConflict(Entry(value=None, version=0))
        if raw is None and note is None and explanation is None:
            return Saved(
                Entry(value=None, version=0), scorecard(submission, entries), entries, criteria
            )
        entry = Entry(submission_id=submission.id, criterion_id=criterion.id, stage=SELF, version=0)
        db.session.add(entry)
        entries[code] = entry
    elif entry.version != base_version:
        raise EntryConflict(entry)
    else:
        entry = work.writable(SELF, code)
    before_value, before_points = entry.value, entry.points
    before_note, before_expl = entry.note, entry.explanation
    entry.value = raw
    entry.note = note
    entry.explanation = explanation
    entry.version = (entry.version or 0) + 1
    entry.updated_by_id = actor.id
    entry.updated_by = actor
    entry.updated_at = _now()
    # No flush until the points are known: the entry is written once, in one UPDATE.
    with db.session.no_autoflush:
        card = refresh_totals(submission, entries, work.evidence)
        _refresh_results(submission, work, card)
        node_score = card.node(code)
        entry.points = node_score.points if (raw is not None and node_score.applicable) else None
    if (before_value, before_points) != (entry.value, entry.points):
        record(
            "value_changed",
            actor=actor,
            submission=submission,
            criterion_code=code,
            stage=SELF,
            from_value=before_value,
            to_value=entry.value,
            from_points=before_points,
            to_points=entry.points,
        )
    if (before_note, before_expl) != (entry.note, entry.explanation):
        record(
            "note_changed",
            actor=actor,
            submission=submission,
            criterion_code=code,
            stage=SELF,
            from_value=_join(before_note, before_expl),
            to_value=_join(entry.note, entry.explanation),
        )
    write_entries(entry, commit=commit)
    return Saved(entry, card, entries, criteria)


def write_entries(entry: Entry, *, commit: bool = True) -> None:
    """Flush the compare-and-set of an entry; a lost race answers as a conflict, not a 500."""
    try:
        db.session.flush()
    except StaleDataError as lost:
        # Only a writer that skipped the submission lock can get here; the form then shows
        # the other person's value as for any stale save.
        db.session.rollback()
        raise EntryConflict(db.session.get(Entry, entry.id) or entry) from lost
    if commit:
        db.session.commit()


def _refresh_results(submission: Submission, work: SubmissionWork, card: Scorecard) -> None:
    """Keep the council's stored figures current from every stage's values, loaded already."""
    from reform.services.results import refresh_results

    # Every stage counts, even before appraisal: a survey value (an N/A included) changes
    # the council's max. The unit's own card is the one just scored: not scored again.
    values = tuple(
        {code: e.value for code, e in work.stage(stage).items() if e.value is not None}
        for stage in STAGES
    )
    refresh_results(submission, values, own_card=card)


def _join(note: str | None, explanation: str | None) -> str | None:
    parts = [p for p in (note, explanation) if p]
    return " | ".join(parts) if parts else None


def canonical_value(parsed) -> str:
    """The value as stored: the contract's spelling, whatever the user typed."""
    if parsed is NA:
        return "na"
    if isinstance(parsed, bool):
        return "yes" if parsed else "no"
    if isinstance(parsed, Decimal):
        return fmt_plain(parsed)
    return str(parsed)


# ---- sending, approving, returning, withdrawing ------------------------------------------


class WorkflowRefused(ValueError):
    """A step of the self-assessment workflow that cannot be taken now."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _status(submission: Submission, status: str, actor: User, reason: str | None = None) -> None:
    record(
        "status_changed",
        actor=actor,
        submission=submission,
        stage=SELF,
        from_value=submission.status,
        to_value=status,
        reason=reason,
    )
    submission.status = status


def _require_complete(submission: Submission) -> None:
    problems = completeness(submission)
    if problems:
        raise WorkflowRefused(
            ngettext(
                "%(num)s criterion still needs attention; see the check list.",
                "%(num)s criteria still need attention; see the check list.",
                len(problems),
            )
        )


def send_to_head(submission: Submission, *, actor: User) -> None:
    """The officer hands a complete self-assessment to the unit head for approval."""
    lock_submission(submission)  # no autosave slips in between the check and the status
    refusal = self_edit_refusal(submission, actor)
    if refusal:
        raise WorkflowRefused(refusal)
    _require_complete(submission)
    submission.sent_at, submission.sent_by_id = _now(), actor.id
    _status(submission, PENDING_APPROVAL, actor)
    notices.sent_for_approval(submission, actor=actor)
    db.session.commit()


def _head_check(submission: Submission, actor: User) -> None:
    if not actor.has_role(HEAD) or actor.unit_id != submission.unit_id:
        raise PermissionError(_("Only the unit head approves, returns or withdraws."))
    if not phase_of(submission.campaign).self_open:
        raise WorkflowRefused(_("The self-assessment phase is closed."))


def approve_and_submit(submission: Submission, *, actor: User) -> None:
    """The head approves and submits to the council; the self-assessment is locked."""
    lock_submission(submission)
    _head_check(submission, actor)
    if submission.status == SUBMITTED:
        raise WorkflowRefused(_("Already submitted."))
    _require_complete(submission)
    submission.submitted_at, submission.submitted_by_id = _now(), actor.id
    _status(submission, SUBMITTED, actor)
    notices.submitted(submission, actor=actor)
    db.session.commit()


def return_to_officer(submission: Submission, *, actor: User, comment: str) -> None:
    """The head sends the self-assessment back with what to change."""
    lock_submission(submission)
    _head_check(submission, actor)
    if submission.status != PENDING_APPROVAL:
        raise WorkflowRefused(_("Only a self-assessment waiting for approval can be returned."))
    if not comment.strip():
        raise EntryRefused("comment", _("Say what needs to change."))
    if problem := text_problem(comment):
        raise EntryRefused("comment", problem)
    submission.head_comment = comment.strip()
    _status(submission, RETURNED, actor, reason=submission.head_comment)
    notices.returned(submission, actor=actor)
    db.session.commit()


def appraisal_started(submission: Submission) -> bool:
    """True once the council has appraised anything of this submission."""
    return (
        bool(
            db.session.scalar(
                select(func.count())
                .select_from(Entry)
                .where(Entry.submission_id == submission.id, Entry.stage == "appraisal")
            )
        )
        or phase_of(submission.campaign).appraisal_open
    )


def withdraw(submission: Submission, *, actor: User, reason: str = "") -> None:
    """The head takes a submitted self-assessment back while self-assessment is open."""
    lock_submission(submission)
    _head_check(submission, actor)
    if submission.status != SUBMITTED:
        raise WorkflowRefused(_("Only a submitted self-assessment can be withdrawn."))
    if appraisal_started(submission):
        raise WorkflowRefused(_("Appraisal has started; it can no longer be withdrawn."))
    if problem := text_problem(reason):
        raise EntryRefused("reason", problem)
    submission.submitted_at = None
    _status(submission, DRAFT, actor, reason=reason.strip() or None)
    notices.withdrawn(submission, actor=actor)
    db.session.commit()


STORED_FIGURES = (
    "self_points",
    "max_points",
    "self_index",
    "self_band",
    "filled_count",
    "applicable_count",
    "evidence_missing_count",
    "appraised_points",
    "survey_points",
    "points",
    "index",
    "band",
    "appraised_count",
    # The results row with its areas (strings): None before it was first stored counts as drift.
    "area_figures",
)
STORED_SCALE = Decimal("0.0001")  # the Numeric(14, 4) columns keep four places


def recompute_submission(submission: Submission) -> list[tuple[str, object, object]]:
    """Recompute stored totals and entry points; return what differed (what, stored, fresh)."""
    from reform.services.results import refresh_results

    lock_submission(submission)  # a save in flight commits first, or waits for us
    entries = self_entries(submission)
    stored = {name: getattr(submission, name) for name in STORED_FIGURES}
    stored_points = {code: e.points for code, e in entries.items()}
    card = refresh_totals(submission, entries)
    refresh_results(submission)
    drift = [
        (name, stored[name], getattr(submission, name))
        for name in STORED_FIGURES
        if not _same(stored[name], getattr(submission, name))
    ]
    for code, entry in entries.items():
        node_score = card.node(code)
        points = node_score.points if entry.value is not None and node_score.applicable else None
        if not _same(stored_points[code], points):
            drift.append((f"points of {code}", stored_points[code], points))
        entry.points = points
    return drift


def _same(a, b) -> bool:
    """Equal at the scale the database stores (exact figures keep more places in memory)."""
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        if a is None or b is None:
            return False
        # Half up, as the Figure column type rounds before writing.
        return Decimal(a).quantize(STORED_SCALE, rounding=ROUND_HALF_UP) == Decimal(b).quantize(
            STORED_SCALE, rounding=ROUND_HALF_UP
        )
    return a == b
