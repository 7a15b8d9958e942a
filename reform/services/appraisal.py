"""Appraisal by the council: appraised values, required comments, explanation requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.i18n import fmt_date
from reform.models import Criterion, Entry, ExplanationRequest, Submission, User
from reform.models.submissions import APPRAISAL, SELF, SUBMITTED, SURVEY
from reform.models.users import ADMIN, EVALUATOR, HEAD, OFFICER, SECRETARIAT
from reform.scoring import Scorecard, ValueProblem, combine, score
from reform.services.assessment import (
    EntryConflict,
    EntryRefused,
    canonical_value,
    criteria_by_code,
    criterion_refs,
    parsed_framework,
    problem_text,
    write_entries,
)
from reform.services.audit import record
from reform.services.bands import bands_for_block
from reform.services.explanation_requests import ANSWERED, CLOSED, OPEN, open_request, past_due
from reform.services.framework_cache import area_of as framework_area_of
from reform.services.locking import lock_submission
from reform.services.phases import phase_of, today
from reform.services.results import refresh_results
from reform.services.submission_work import SubmissionWork, open_work
from reform.validation import text_problem


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stage_entries(submission: Submission, stage: str) -> dict[str, Entry]:
    """One stage's entries of a submission by criterion code, in one query."""
    rows = db.session.execute(
        select(Entry, Criterion.code)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Entry.stage == stage)
        .options(joinedload(Entry.updated_by).lazyload(User.role_rows))
        # What the database holds now, even for entries this session loaded before a lock.
        .execution_options(populate_existing=True)
    ).all()
    return {code: entry for entry, code in rows}


def _assigned_areas(user: User, submission: Submission):
    """The areas this user may appraise in the submission: None = all, False = none."""
    from reform.services.assignments import assigned_areas

    return assigned_areas(user, submission)


def can_view(user: User, submission: Submission) -> bool:
    """The council's secretariat and admin see every appraisal; an evaluator only assigned ones,
    an emulation cluster's head (or deputy) the members' it appraises."""
    if user.has_role(ADMIN, SECRETARIAT):
        return True
    return _assigned_areas(user, submission) is not False


def appraisal_refusal(user: User, submission: Submission, code: str | None = None) -> str | None:
    """Why this user may not appraise (this criterion of) the submission now, or None."""
    areas = _assigned_areas(user, submission)
    if areas is False and not user.has_role(EVALUATOR):
        return _("Only evaluators assigned to this unit appraise it.")
    if areas is False:
        return _("You are not assigned to this unit.")
    if code is not None and areas is not None and area_of(submission, code) not in areas:
        return _("You are not assigned to this area.")
    campaign = submission.campaign
    state = phase_of(campaign)
    if state.published:
        return _("The results are published; changes go through appeals.")
    if not (state.appraisal_open or state.explanation_open):
        if campaign.appraisal_opens_on and today() < campaign.appraisal_opens_on:
            return _("Appraisal opens on %(day)s.", day=fmt_date(campaign.appraisal_opens_on))
        return _("Appraisal is not open.")
    if submission.status != SUBMITTED:
        return _("The unit has not submitted its self-assessment yet.")
    if submission.appraisal_closed_at is not None:
        return _("The appraisal of this unit is closed; read-only.")
    return None


def area_of(submission: Submission, code: str) -> str:
    """The top-level area holding a criterion."""
    return framework_area_of(submission.campaign.framework, code)


@dataclass
class Cards:
    """The self and the appraised view of a submission, scored by the core."""

    own: Scorecard
    appraised: Scorecard
    self_entries: dict[str, Entry]
    appraisal_entries: dict[str, Entry]


def cards(submission: Submission, own=None, appraised=None) -> Cards:
    """Score the unit's values and the council's (appraised where set, else the unit's)."""
    own = stage_entries(submission, SELF) if own is None else own
    appraised = stage_entries(submission, APPRAISAL) if appraised is None else appraised
    fw = parsed_framework(submission.campaign.framework)
    surveys = fw.survey_codes
    own_values = {c: e.value for c, e in own.items() if e.value is not None and c not in surveys}
    council = {c: e.value for c, e in appraised.items() if e.value is not None}
    bands = bands_for_block(submission.campaign, submission.block_id)
    kind = submission.unit.kind
    return Cards(
        own=score(fw, kind, own_values, bands=bands),
        appraised=score(fw, kind, combine(own_values, council), bands=bands),
        self_entries=own,
        appraisal_entries=appraised,
    )


def save_appraisal(
    submission: Submission,
    code: str,
    *,
    value: str | None,
    comment: str | None,
    base_version: int,
    actor: User,
    work: SubmissionWork | None = None,
) -> Cards:
    """Set the appraised value of one criterion; a comment is required when points differ."""
    if work is None:  # locked and loaded once: versions and totals below are the committed ones
        work = open_work(submission.id, (SELF, APPRAISAL, SURVEY))
    submission = work.submission
    refusal = appraisal_refusal(actor, submission, code)
    if refusal:
        raise PermissionError(refusal)
    fw = parsed_framework(submission.campaign.framework)
    node = fw.node(code)
    if not node.is_leaf or node.is_survey:
        raise LookupError(code)
    if not fw.applies_to_unit(code, submission.unit.kind):
        raise LookupError(code)  # not on this unit's form
    raw = (value or "").strip() or None
    if raw is not None:
        try:
            raw = canonical_value(node.parse_value(raw, stage=APPRAISAL))
        except ValueProblem as problem:
            raise EntryRefused("value", problem_text(problem)) from problem
    comment = (comment or "").strip() or None
    if problem := text_problem(comment):
        raise EntryRefused("comment", problem)
    own, appraised = work.stage(SELF), work.stage(APPRAISAL)
    entry = appraised.get(code)
    if entry is not None and (entry.value, entry.note) == (raw, comment):
        return cards(submission, own, appraised)
    if (entry.version if entry else 0) != base_version:
        raise EntryConflict(entry or Entry(value=None, version=0))
    if entry is None:
        criterion = criterion_refs(submission.campaign.framework)[code]
        entry = Entry(submission_id=submission.id, criterion_id=criterion.id, stage=APPRAISAL)
        entry.version = 0
        db.session.add(entry)
        appraised[code] = entry
    else:
        entry = work.writable(APPRAISAL, code)
    before = (entry.value, entry.points, entry.note)
    entry.value, entry.note = raw, comment
    entry.version = (entry.version or 0) + 1
    entry.updated_by_id, entry.updated_by, entry.updated_at = actor.id, actor, _now()
    with db.session.no_autoflush:  # the entry is written once, with its points
        result = cards(submission, own, appraised)
    council = result.appraised.node(code)
    entry.points = council.points if raw is not None and council.applicable else None
    own_points = result.own.node(code).points
    if raw is not None and entry.points != own_points and not comment:
        raise EntryRefused(
            "comment", _("Explain why the appraised points differ from the unit's own.")
        )
    record(
        "value_changed",
        actor=actor,
        submission=submission,
        criterion_code=code,
        stage=APPRAISAL,
        from_value=before[0],
        to_value=raw,
        from_points=before[1],
        to_points=entry.points,
        reason=comment,
    )
    # Every stage's values are loaded already, and the core's two cards are scored.
    values = tuple(
        {c: e.value for c, e in work.stage(stage).items() if e.value is not None}
        for stage in (SELF, APPRAISAL, SURVEY)
    )
    with db.session.no_autoflush:
        refresh_results(submission, values, own_card=result.own, appraised_card=result.appraised)
    write_entries(entry)
    return result


# ---- explanation and supplement requests (giải trình, bổ sung) ----------------------------


def requests_for(submission: Submission) -> dict[str, list[ExplanationRequest]]:
    """Every explanation request of the submission by criterion code, oldest first."""
    rows = db.session.scalars(
        select(ExplanationRequest)
        .where(ExplanationRequest.submission_id == submission.id)
        .options(joinedload(ExplanationRequest.criterion))
        .order_by(ExplanationRequest.requested_at, ExplanationRequest.id)
    ).all()
    out: dict[str, list[ExplanationRequest]] = {}
    for request in rows:
        out.setdefault(request.criterion.code, []).append(request)
    return out


def request_explanation(
    submission: Submission, code: str, *, message: str, due_on: date | None, actor: User
) -> ExplanationRequest:
    """Reopen one criterion for the unit with a message and a deadline."""
    lock_submission(submission)  # two evaluators cannot open two requests on one criterion
    refusal = appraisal_refusal(actor, submission, code)
    if refusal:
        raise PermissionError(refusal)
    if not (message or "").strip():
        raise EntryRefused("message", _("Say what the unit should explain or add."))
    if problem := text_problem(message):
        raise EntryRefused("message", problem)
    if due_on is None or due_on < today():
        raise EntryRefused("due_on", _("Give a deadline from today on."))
    criterion = criteria_by_code(submission.campaign.framework)[code]
    if open_request(submission, criterion.id) is not None:
        raise EntryRefused("message", _("A request on this criterion is already open."))
    request = ExplanationRequest(
        submission_id=submission.id,
        criterion_id=criterion.id,
        message=message.strip(),
        due_on=due_on,
        status=OPEN,
        requested_by_id=actor.id,
    )
    db.session.add(request)
    record(
        "explanation_requested",
        actor=actor,
        submission=submission,
        criterion_code=code,
        stage=APPRAISAL,
        to_value=message.strip(),
        reason=due_on.isoformat(),
    )
    db.session.flush()  # the request's criterion is read back for the notice
    _notice("explanation_requested", request, actor)
    db.session.commit()
    return request


def answer_refusal(user: User, submission: Submission, request: ExplanationRequest) -> str | None:
    """Why this user may not answer the request now, or None."""
    if not user.has_role(HEAD, OFFICER) or user.unit_id != submission.unit_id:
        return _("Only the unit's officers and head answer.")
    if request.status != OPEN:
        return _("This request is no longer open.")
    if phase_of(submission.campaign).published:
        return _("The results are published.")
    return None


def answer_explanation(
    submission: Submission, request: ExplanationRequest, *, answer: str, actor: User
) -> None:
    """The unit's answer; the criterion closes to the unit again."""
    _lock_request(submission, request)
    refusal = answer_refusal(actor, submission, request)
    if refusal:
        raise PermissionError(refusal)
    if past_due(request):
        raise EntryRefused(
            "answer",
            _(
                "The deadline (%(day)s) has passed; ask the council to request it again.",
                day=fmt_date(request.due_on),
            ),
        )
    if not (answer or "").strip():
        raise EntryRefused("answer", _("Write the explanation."))
    if problem := text_problem(answer):
        raise EntryRefused("answer", problem)
    request.answer = answer.strip()
    request.answered_by_id, request.answered_at = actor.id, _now()
    request.status = ANSWERED
    record(
        "explanation_answered",
        actor=actor,
        submission=submission,
        criterion_code=request.criterion.code,
        stage="explanation",
        to_value=request.answer,
    )
    _notice("explanation_answered", request, actor)
    db.session.commit()


def decide_explanation(
    submission: Submission, request: ExplanationRequest, *, decision: str, actor: User
) -> None:
    """The evaluator closes the request, noting what was decided."""
    _lock_request(submission, request)
    refusal = appraisal_refusal(actor, submission, request.criterion.code)
    if refusal:
        raise PermissionError(refusal)
    if request.status == CLOSED:
        raise EntryRefused("decision", _("Already decided."))
    if not (decision or "").strip():
        raise EntryRefused("decision", _("Note what you decided."))
    if problem := text_problem(decision):
        raise EntryRefused("decision", problem)
    request.decision = decision.strip()
    request.decided_by_id, request.decided_at = actor.id, _now()
    request.status = CLOSED
    record(
        "explanation_decided",
        actor=actor,
        submission=submission,
        criterion_code=request.criterion.code,
        stage=APPRAISAL,
        to_value=request.decision,
    )
    _notice("explanation_decided", request, actor)
    db.session.commit()


def _lock_request(submission: Submission, request: ExplanationRequest) -> None:
    """Serialise on the submission, then read the request's state as committed."""
    lock_submission(submission)
    db.session.refresh(request)


def _notice(kind: str, request: ExplanationRequest, actor: User) -> None:
    """Tell the people concerned, in the application and by e-mail when configured (the
    e-mails leave when the step commits)."""
    from reform.services import notices

    getattr(notices, kind)(request, actor=actor)
