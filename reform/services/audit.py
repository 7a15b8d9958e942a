"""Appending to the audit log (never editing it)."""

from __future__ import annotations

from decimal import Decimal

from reform.extensions import db
from reform.models import AuditEvent, Campaign, Submission, User
from reform.scoring import fmt2


def record(
    action: str,
    *,
    actor: User | None = None,
    campaign: Campaign | None = None,
    submission: Submission | None = None,
    criterion_code: str | None = None,
    stage: str | None = None,
    from_value: str | None = None,
    to_value: str | None = None,
    from_points: Decimal | None = None,
    to_points: Decimal | None = None,
    reason: str | None = None,
    person_id: int | None = None,
) -> AuditEvent:
    """Add one event to the session; it is written with the change it describes."""
    if campaign is None and submission is not None:
        campaign = submission.campaign
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        campaign_id=campaign.id if campaign is not None else None,
        submission_id=submission.id if submission is not None else None,
        person_id=person_id,
        criterion_code=criterion_code,
        stage=stage,
        # The value before the change may predate input checks (SQLite kept NUL characters):
        # logged readable, so that correcting it is not refused.
        from_value=from_value.replace("\x00", "\ufffd") if from_value else from_value,
        to_value=to_value,
        from_points=fmt2(from_points) if from_points is not None else None,
        to_points=fmt2(to_points) if to_points is not None else None,
        reason=reason,
    )
    db.session.add(event)
    return event
