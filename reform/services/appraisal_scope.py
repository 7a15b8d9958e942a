"""Who may appraise a submission: assignments that cover it, recusals, conflicts of interest.

The read side of assignments, apart from the changes (reform.services.assignments) so that the
notices of those changes and of other steps can ask who the evaluators are without a circle.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from reform.extensions import db
from reform.models import Assignment, Campaign, Recusal, Submission, Unit, User
from reform.models.users import EVALUATOR


def conflict_reason(evaluator: User, unit: Unit) -> str | None:
    """Why the evaluator may not appraise the unit (own, above or below it), or None."""
    own = evaluator.unit
    if own is None:
        return None
    name = evaluator.full_name
    if own.id == unit.id:
        return _(
            "%(name)s belongs to %(unit)s: nobody appraises their own unit.",
            name=name,
            unit=unit.name,
        )
    if any(a.id == own.id for a in unit.ancestors()):
        return _(
            "%(name)s belongs to %(own)s, which is above %(unit)s in the unit tree.",
            name=name,
            own=own.name,
            unit=unit.name,
        )
    if any(a.id == unit.id for a in own.ancestors()):
        return _(
            "%(name)s belongs to %(own)s, which is under %(unit)s in the unit tree.",
            name=name,
            own=own.name,
            unit=unit.name,
        )
    return None


def covering_assignments(
    campaign_id: int, evaluator_id: int, *, block_id: int | None, submission_id: int | None = None
) -> list[Assignment]:
    """Assignments of the evaluator whose target includes this block or submission."""
    target = [Assignment.submission_id == submission_id] if submission_id else []
    if block_id is not None:
        target.append(and_(Assignment.block_id == block_id, Assignment.submission_id.is_(None)))
    return list(
        db.session.scalars(
            select(Assignment).where(
                Assignment.campaign_id == campaign_id,
                Assignment.evaluator_id == evaluator_id,
                or_(*target),
            )
        )
    )


def recusal_of(user: User, submission: Submission) -> Recusal | None:
    """The user's recusal from this submission, if any."""
    return db.session.scalar(
        select(Recusal).where(
            Recusal.evaluator_id == user.id, Recusal.submission_id == submission.id
        )
    )


def union_areas(assignments: list[Assignment]) -> set[str] | None:
    """None when one assignment covers every area, else the assigned area codes."""
    if any(a.area_code is None for a in assignments):
        return None
    return {a.area_code for a in assignments if a.area_code}


def assigned_areas(user: User, submission: Submission) -> set[str] | None | bool:
    """What the user may appraise here: False nothing, None every area, or the area codes."""
    from reform.services.emulation.review import reviews

    # An emulation cluster's head (or deputy) appraises its members' whole sheets.
    if reviews(user, submission):
        return None
    if not user.has_role(EVALUATOR):
        return False
    covering = covering_assignments(
        submission.campaign_id, user.id, block_id=submission.block_id, submission_id=submission.id
    )
    if not covering or recusal_of(user, submission) is not None:
        return False
    if conflict_reason(user, submission.unit):
        return False
    return union_areas(covering)


def evaluators_of(submission: Submission) -> list[User]:
    """The active evaluators who may appraise the submission now (assigned, not recused)."""
    covering = or_(
        Assignment.submission_id == submission.id,
        and_(Assignment.block_id == submission.block_id, Assignment.submission_id.is_(None)),
    )
    candidates = db.session.scalars(
        select(User)
        .where(
            User.active.is_(True),
            User.id.in_(
                select(Assignment.evaluator_id).where(
                    Assignment.campaign_id == submission.campaign_id, covering
                )
            ),
        )
        .order_by(User.id)
    )
    from reform.services.emulation.review import reviewers_of

    found = [user for user in candidates if assigned_areas(user, submission) is not False]
    return found + [user for user in reviewers_of(submission) if user not in found]


def campaign_evaluators(campaign: Campaign) -> list[User]:
    """The active evaluators holding an assignment in the campaign."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.id.in_(
                    select(Assignment.evaluator_id).where(Assignment.campaign_id == campaign.id)
                ),
            )
            .order_by(User.id)
        )
    )
