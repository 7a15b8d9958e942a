"""Who appraises what: assignments by block, area or unit, conflicts of interest, recusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import (
    Assignment,
    Block,
    Campaign,
    CampaignBlock,
    Criterion,
    Entry,
    Recusal,
    Submission,
    Unit,
    User,
)
from reform.models.submissions import APPRAISAL
from reform.models.users import EVALUATOR
from reform.scoring import Framework as ScoringFramework
from reform.scoring import vi_sorted
from reform.services.appraisal_scope import (
    assigned_areas,
    conflict_reason,
    covering_assignments,
    recusal_of,
    union_areas,
)
from reform.services.audit import record
from reform.services.framework_cache import applicable_leaves, parsed_framework
from reform.services.phases import days_left
from reform.services.units import UNIT_ORDER, related_unit_ids, unit_order
from reform.validation import text_problem

TODO, IN_PROGRESS, DONE, CLOSED = "todo", "in_progress", "done", "closed"
STATES = (TODO, IN_PROGRESS, DONE, CLOSED)
REASON_MAX = 2000
# A block refusal names this many conflicting units, then counts the rest.
NAMED_CONFLICTS = 5


class AssignmentProblem(ValueError):
    """An assignment or recusal cannot be made as asked; field names the form field to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# ---- conflicts of interest ---------------------------------------------------------------


# ---- areas of a framework ----------------------------------------------------------------


def areas(campaign: Campaign) -> list[tuple[str, str]]:
    """The framework's top-level areas as (code, name), in file order."""
    return [(node.code, node.name) for node in parsed_framework(campaign.framework).criteria]


def _area_map(fw: ScoringFramework) -> dict[str, str]:
    """Every criterion code to the code of its top-level area."""
    return {node.code: top.code for top in fw.criteria for node in top.walk()}


def area_of(campaign: Campaign, criterion_code: str) -> str | None:
    """The top-level area holding a criterion, or None for an unknown code."""
    return _area_map(parsed_framework(campaign.framework)).get(criterion_code)


# ---- assigning ---------------------------------------------------------------------------


def describe(assignment: Assignment) -> str:
    """A short, untranslated account of an assignment for the audit log."""
    target = (
        f"block {assignment.block.code}"
        if assignment.block is not None
        else f"unit {assignment.submission.unit.code}"
        if assignment.submission is not None
        else "?"
    )
    area = f" area {assignment.area_code}" if assignment.area_code else ""
    return f"{assignment.evaluator.username}: {target}{area}"


def _block_submissions(campaign: Campaign, block_id: int) -> list[Submission]:
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.campaign_id == campaign.id, Submission.block_id == block_id)
            .options(joinedload(Submission.unit))
            .join(Unit, Submission.unit_id == Unit.id)
            .order_by(*UNIT_ORDER)
        )
    )


def assign(
    campaign: Campaign,
    evaluator: User,
    *,
    block_id: int | None = None,
    area_code: str | None = None,
    submission: Submission | None = None,
    actor: User,
) -> Assignment:
    """Assign an evaluator to a block (every unit of it) or one unit, optionally one area."""
    if not evaluator.active or not evaluator.has_role(EVALUATOR):
        raise AssignmentProblem("evaluator_id", _("This user is not an evaluator."))
    area_code = (area_code or "").strip() or None
    if area_code is not None and area_code not in dict(areas(campaign)):
        raise AssignmentProblem(
            "area_code", _("The framework has no area %(code)s.", code=area_code)
        )
    if (block_id is None) == (submission is None):
        field = "submission_id" if submission is not None else "block_id"
        raise AssignmentProblem(field, _("Choose a block or a unit."))
    if submission is not None:
        if submission.campaign_id != campaign.id:
            raise AssignmentProblem("submission_id", _("This unit does not take part."))
        reason = conflict_reason(evaluator, submission.unit)
        if reason:
            raise AssignmentProblem("submission_id", reason)
        recused = recusal_of(evaluator, submission)
        if recused is not None:
            raise AssignmentProblem(
                "submission_id",
                _(
                    "%(name)s stepped aside from this unit: %(reason)s",
                    name=evaluator.full_name,
                    reason=recused.reason,
                ),
            )
        covering = covering_assignments(
            campaign.id, evaluator.id, block_id=submission.block_id, submission_id=submission.id
        )
        field = "submission_id"
    else:
        taking_part = db.session.scalar(
            select(CampaignBlock.id).where(
                CampaignBlock.campaign_id == campaign.id, CampaignBlock.block_id == block_id
            )
        )
        if taking_part is None:
            raise AssignmentProblem("block_id", _("This block does not take part in the campaign."))
        _refuse_block_conflicts(campaign, evaluator, block_id)
        covering = covering_assignments(campaign.id, evaluator.id, block_id=block_id)
        field = "block_id"
    for existing in covering:
        if existing.area_code is None or existing.area_code == area_code:
            raise AssignmentProblem(
                field,
                _("Already assigned: %(what)s.", what=_label(existing)),
            )
    assignment = Assignment(
        campaign_id=campaign.id,
        evaluator=evaluator,
        block_id=block_id,
        submission=submission,
        area_code=area_code,
        created_by_id=actor.id,
    )
    if block_id is not None:
        assignment.block = db.session.get(Block, block_id)
    db.session.add(assignment)
    db.session.flush()
    record(
        "assignment_added",
        actor=actor,
        campaign=campaign,
        submission=submission,
        criterion_code=area_code,
        to_value=describe(assignment),
    )
    from reform.services import notices

    covered = [submission] if submission is not None else _block_submissions(campaign, block_id)
    # A unit the evaluator stepped aside from stays out of reach: it is not told.
    covered = [s for s in covered if recusal_of(evaluator, s) is None]
    notices.assigned(assignment, covered, actor=actor)
    db.session.commit()
    return assignment


def _label(assignment: Assignment) -> str:
    """An assignment as the secretariat reads it: block or unit, and area."""
    target = assignment.block.name if assignment.block else assignment.submission.unit.name
    if assignment.area_code:
        return _("%(target)s, area %(area)s", target=target, area=assignment.area_code)
    return _("%(target)s, every area", target=target)


def _refuse_block_conflicts(campaign: Campaign, evaluator: User, block_id: int) -> None:
    """Refuse a block holding a unit the evaluator may not appraise, naming the units."""
    related = related_unit_ids(evaluator.unit_id)
    if not related:
        return
    conflicting = [s.unit for s in _block_submissions(campaign, block_id) if s.unit_id in related]
    if not conflicting:
        return
    reasons = [conflict_reason(evaluator, unit) or unit.name for unit in conflicting]
    text = " ".join(reasons[:NAMED_CONFLICTS])
    more = len(reasons) - NAMED_CONFLICTS
    if more > 0:
        text += " " + ngettext("And %(num)s more unit.", "And %(num)s more units.", more)
    raise AssignmentProblem(
        "block_id",
        _(
            "Conflict of interest in this block. %(reasons)s Assign its other units one by one.",
            reasons=text,
        ),
    )


def unassign(assignment: Assignment, actor: User) -> None:
    """Remove an assignment (recusals stay on record)."""
    record(
        "assignment_removed",
        actor=actor,
        campaign=db.session.get(Campaign, assignment.campaign_id),
        submission=assignment.submission,
        criterion_code=assignment.area_code,
        from_value=describe(assignment),
    )
    from reform.services import notices

    notices.unassigned(assignment, actor=actor)
    db.session.delete(assignment)
    db.session.commit()


def campaign_assignments(campaign: Campaign) -> list[Assignment]:
    """A campaign's assignments with evaluator, block and unit loaded, by evaluator's name."""
    return vi_sorted(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.campaign_id == campaign.id)
            .options(
                joinedload(Assignment.evaluator).joinedload(User.unit),
                joinedload(Assignment.block),
                joinedload(Assignment.submission).joinedload(Submission.unit),
            )
            .order_by(Assignment.id)
        ),
        lambda a: a.evaluator.full_name or a.evaluator.username,
    )


# ---- recusal -----------------------------------------------------------------------------


def is_assigned(user: User, submission: Submission) -> bool:
    """Whether an assignment covers this submission for the user (recusals aside)."""
    return bool(
        covering_assignments(
            submission.campaign_id,
            user.id,
            block_id=submission.block_id,
            submission_id=submission.id,
        )
    )


def recuse(evaluator: User, submission: Submission, reason: str, actor: User) -> Recusal:
    """An assigned evaluator steps aside from one unit, giving the reason."""
    if not is_assigned(evaluator, submission):
        raise AssignmentProblem("reason", _("You are not assigned to this unit."))
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentProblem("reason", _("Give the reason for stepping aside."))
    if problem := text_problem(reason, max_length=REASON_MAX):
        raise AssignmentProblem("reason", problem)
    if recusal_of(evaluator, submission) is not None:
        raise AssignmentProblem("reason", _("You have already stepped aside from this unit."))
    recusal = Recusal(
        campaign_id=submission.campaign_id,
        evaluator=evaluator,
        submission=submission,
        reason=reason,
    )
    db.session.add(recusal)
    record(
        "recused",
        actor=actor,
        submission=submission,
        to_value=evaluator.username,
        reason=reason,
    )
    from reform.services import notices

    notices.recused(recusal, actor=actor)
    db.session.commit()
    return recusal


def recusals(campaign: Campaign) -> list[Recusal]:
    """The campaign's recusals with evaluator and unit, oldest first."""
    return list(
        db.session.scalars(
            select(Recusal)
            .where(Recusal.campaign_id == campaign.id)
            .options(
                joinedload(Recusal.evaluator),
                joinedload(Recusal.submission).joinedload(Submission.unit),
            )
            .order_by(Recusal.created_at, Recusal.id)
        )
    )


# ---- what a user may appraise ------------------------------------------------------------


def can_appraise(user: User, submission: Submission, criterion_code: str) -> bool:
    """Whether the criterion lies in an area the user may appraise in this submission."""
    allowed = assigned_areas(user, submission)
    if allowed is False:
        return False
    area = area_of(submission.campaign, criterion_code)
    if area is None:
        return False
    return allowed is None or area in allowed


# ---- the evaluator's queue ---------------------------------------------------------------


@dataclass
class QueueItem:
    """One submission an evaluator is to appraise, with progress in their areas."""

    submission: Submission
    unit: Unit
    block: Block | None
    campaign: Campaign
    areas: set[str] | None
    done: int
    total: int
    deadline: date | None
    status: str

    @property
    def state(self) -> str:
        """to do, in progress, done (every criterion appraised) or closed."""
        if self.status == CLOSED:
            return CLOSED
        if self.total and self.done >= self.total:
            return DONE
        return IN_PROGRESS if self.done else TODO

    @property
    def days_left(self) -> int | None:
        return days_left(self.deadline)

    @property
    def link(self) -> str:
        # A plain path: the appraisal blueprint is written separately.
        return f"/appraisal/{self.submission.id}"


def queue(evaluator: User, campaign: Campaign | None = None) -> list[QueueItem]:
    """The evaluator's assigned submissions (not recused, no conflict), with progress."""
    stmt = select(Assignment).where(Assignment.evaluator_id == evaluator.id)
    if campaign is not None:
        stmt = stmt.where(Assignment.campaign_id == campaign.id)
    assignments = list(db.session.scalars(stmt)) if evaluator.has_role(EVALUATOR) else []
    from reform.services.emulation.review import reviewed_submission_ids

    # The sheets the user appraises as an emulation cluster's head or deputy: every area.
    reviewing = reviewed_submission_ids(evaluator, campaign)
    if not assignments and not reviewing:
        return []
    recused = set(
        db.session.scalars(
            select(Recusal.submission_id).where(Recusal.evaluator_id == evaluator.id)
        )
    )
    related = related_unit_ids(evaluator.unit_id)
    by_submission: dict[int, list[Assignment]] = {}
    by_block: dict[tuple[int, int], list[Assignment]] = {}
    for a in assignments:
        if a.submission_id is not None:
            by_submission.setdefault(a.submission_id, []).append(a)
        elif a.block_id is not None:
            by_block.setdefault((a.campaign_id, a.block_id), []).append(a)
    targets = []
    if by_submission:
        targets.append(Submission.id.in_(sorted(by_submission)))
    for campaign_id, block_id in sorted(by_block):
        targets.append(and_(Submission.campaign_id == campaign_id, Submission.block_id == block_id))
    if reviewing:
        targets.append(Submission.id.in_(sorted(reviewing)))
    submissions = db.session.scalars(
        select(Submission)
        .where(or_(*targets))
        .options(
            joinedload(Submission.unit),
            joinedload(Submission.block),
            joinedload(Submission.campaign).joinedload(Campaign.framework),
        )
    ).all()
    items, countable = [], {}
    area_maps: dict[int, dict[str, str]] = {}
    for s in submissions:
        if s.id in recused or s.unit_id in related:
            continue
        mine = by_submission.get(s.id, []) + by_block.get((s.campaign_id, s.block_id or 0), [])
        allowed = None if s.id in reviewing else union_areas(mine)
        fw = parsed_framework(s.campaign.framework)
        area_map = area_maps.setdefault(s.campaign.framework_id, _area_map(fw))
        codes = frozenset(
            n.code
            for n in applicable_leaves(s)
            if allowed is None or area_map.get(n.code) in allowed
        )
        countable[s.id] = codes
        items.append(
            QueueItem(
                submission=s,
                unit=s.unit,
                block=s.block,
                campaign=s.campaign,
                areas=allowed,
                done=0,
                total=len(codes),
                deadline=s.campaign.appraisal_closes_on,
                status=CLOSED if s.appraisal_closed_at is not None else s.status,
            )
        )
    done = _appraised_counts(countable)
    for item in items:
        item.done = done.get(item.submission.id, 0)
    # Work still to do first; then the nearest deadline, and units by name (Vietnamese order).
    items.sort(
        key=lambda item: (
            item.state in (DONE, CLOSED),
            item.deadline is None,
            item.deadline or date.min,
            item.campaign.code,
            unit_order(item.unit),
        )
    )
    return items


def _appraised_counts(countable: dict[int, frozenset[str]]) -> dict[int, int]:
    """Appraised criteria per submission among its countable codes, in one grouped query."""
    # Submissions that count the same codes share one condition, so the query stays small.
    groups: dict[frozenset[str], list[int]] = {}
    for submission_id, codes in countable.items():
        if codes:
            groups.setdefault(codes, []).append(submission_id)
    if not groups:
        return {}
    rows = db.session.execute(
        select(Entry.submission_id, func.count())
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(
            Entry.stage == APPRAISAL,
            Entry.value.is_not(None),
            or_(
                *[
                    and_(Entry.submission_id.in_(ids), Criterion.code.in_(sorted(codes)))
                    for codes, ids in groups.items()
                ]
            ),
        )
        .group_by(Entry.submission_id)
    ).all()
    return {submission_id: count for submission_id, count in rows}


def counts(items: list[QueueItem]) -> dict[str, int]:
    """How many queue items are in each state."""
    tally = dict.fromkeys(STATES, 0)
    for item in items:
        tally[item.state] += 1
    return tally
