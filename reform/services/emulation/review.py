"""Cross-review inside a cluster: who appraises which member's sheet.

In an emulation campaign the cluster's head (the heads of its head unit) appraises the members'
sheets with the council's appraisal screens; it never appraises its own unit, nor a unit above
or below its own in the unit tree (the conflict rule evaluators follow): the deputy appraises
those, and nothing else. The units the secretariat names to the cluster's review group appraise
every other member's sheet beside them, under the same conflict rule. The secretariat may still
assign evaluators as for any campaign.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, ClusterMember, Framework, Submission, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD, REVIEWER
from reform.models.users import HEAD
from reform.services.emulation.clusters import EMULATION, is_emulation

# The places in a cluster that appraise other members' sheets.
APPRAISING = (CLUSTER_HEAD, CLUSTER_DEPUTY, REVIEWER)


def reviewing_role(
    unit_id: int, head_unit_id: int | None, deputy_unit_id: int | None
) -> str | None:
    """Which of the cluster's leaders appraises this member: CLUSTER_HEAD, CLUSTER_DEPUTY or
    None (the head's own unit and those related to it go to the deputy)."""
    from reform.services.units import related_unit_ids

    if head_unit_id is not None and unit_id not in related_unit_ids(head_unit_id):
        return CLUSTER_HEAD
    if deputy_unit_id is not None and unit_id not in related_unit_ids(deputy_unit_id):
        return CLUSTER_DEPUTY
    return None


def _leaders(cluster_id: int) -> tuple[int | None, int | None]:
    """The unit ids of the cluster's head and deputy."""
    rows = db.session.execute(
        select(ClusterMember.role, ClusterMember.unit_id).where(
            ClusterMember.cluster_id == cluster_id,
            ClusterMember.role.in_((CLUSTER_HEAD, CLUSTER_DEPUTY)),
        )
    ).all()
    found = dict(rows)
    return found.get(CLUSTER_HEAD), found.get(CLUSTER_DEPUTY)


def _acts_for_a_unit(user: User | None) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.unit_id is not None
        and user.has_role(HEAD)
    )


def reviews(user: User | None, submission: Submission) -> bool:
    """Whether the user appraises this submission as its cluster's head, deputy or reviewer."""
    if not _acts_for_a_unit(user) or user.unit_id == submission.unit_id:
        return False
    if not is_emulation(submission.campaign):
        return False
    rows = db.session.execute(
        select(ClusterMember.unit_id, ClusterMember.cluster_id, ClusterMember.role).where(
            ClusterMember.campaign_id == submission.campaign_id,
            ClusterMember.unit_id.in_((user.unit_id, submission.unit_id)),
        )
    ).all()
    places = {unit_id: (cluster_id, role) for unit_id, cluster_id, role in rows}
    mine, theirs = places.get(user.unit_id), places.get(submission.unit_id)
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return False
    if mine[1] == REVIEWER:
        return _may_review(user.unit_id, submission.unit_id)
    if mine[1] not in (CLUSTER_HEAD, CLUSTER_DEPUTY):
        return False
    return reviewing_role(submission.unit_id, *_leaders(mine[0])) == mine[1]


def _may_review(reviewer_unit_id: int, unit_id: int) -> bool:
    """Whether a review group's unit may appraise this member (not itself, nor a related unit)."""
    from reform.services.units import related_unit_ids

    return unit_id not in related_unit_ids(reviewer_unit_id)


def reviewed_submission_ids(user: User | None, campaign: Campaign | None = None) -> set[int]:
    """The submissions the user appraises as a cluster's head, deputy or reviewer (in one
    campaign, or in every emulation campaign)."""
    if not _acts_for_a_unit(user):
        return set()
    stmt = (
        select(ClusterMember)
        .join(Campaign, Campaign.id == ClusterMember.campaign_id)
        .join(Framework, Framework.id == Campaign.framework_id)
        .where(
            ClusterMember.unit_id == user.unit_id,
            ClusterMember.role.in_(APPRAISING),
            Framework.kind == EMULATION,
        )
    )
    if campaign is not None:
        stmt = stmt.where(ClusterMember.campaign_id == campaign.id)
    found: set[int] = set()
    for mine in db.session.scalars(stmt):
        head, deputy = _leaders(mine.cluster_id)
        rows = db.session.execute(
            select(Submission.id, Submission.unit_id)
            .join(
                ClusterMember,
                (ClusterMember.unit_id == Submission.unit_id)
                & (ClusterMember.campaign_id == Submission.campaign_id),
            )
            .where(
                ClusterMember.cluster_id == mine.cluster_id,
                Submission.unit_id != user.unit_id,
            )
        ).all()
        if mine.role == REVIEWER:
            found.update(sid for sid, unit_id in rows if _may_review(user.unit_id, unit_id))
            continue
        found.update(
            submission_id
            for submission_id, unit_id in rows
            if reviewing_role(unit_id, head, deputy) == mine.role
        )
    return found


def reviewers_of(submission: Submission) -> list[User]:
    """The active users who appraise the submission as its cluster's head, deputy or reviewer."""
    from reform.services.notify import unit_people

    if not is_emulation(submission.campaign):
        return []
    member = db.session.scalar(
        select(ClusterMember)
        .where(
            ClusterMember.campaign_id == submission.campaign_id,
            ClusterMember.unit_id == submission.unit_id,
        )
        .options(joinedload(ClusterMember.cluster))
    )
    if member is None:
        return []
    head, deputy = _leaders(member.cluster_id)
    role = reviewing_role(submission.unit_id, head, deputy)
    unit_id = head if role == CLUSTER_HEAD else deputy if role == CLUSTER_DEPUTY else None
    unit_ids = [unit_id] if unit_id is not None and unit_id != submission.unit_id else []
    group = db.session.scalars(
        select(ClusterMember.unit_id)
        .where(ClusterMember.cluster_id == member.cluster_id, ClusterMember.role == REVIEWER)
        .order_by(ClusterMember.id)
    )
    unit_ids += [u for u in group if u != submission.unit_id and _may_review(u, submission.unit_id)]
    return [user for u in unit_ids for user in unit_people(u, (HEAD,))]


def appraises_in_a_cluster(user: User | None) -> bool:
    """Whether the user acts as head, deputy or reviewer of a cluster in some emulation campaign."""
    if not _acts_for_a_unit(user):
        return False
    found = db.session.scalar(
        select(ClusterMember.id)
        .join(Campaign, Campaign.id == ClusterMember.campaign_id)
        .join(Framework, Framework.id == Campaign.framework_id)
        .where(
            ClusterMember.unit_id == user.unit_id,
            ClusterMember.role.in_(APPRAISING),
            Framework.kind == EMULATION,
        )
        .limit(1)
    )
    return found is not None
