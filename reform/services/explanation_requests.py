"""Explanation requests (giải trình) as the unit's side sees them: which one is open, and due."""

from __future__ import annotations

from sqlalchemy import select

from reform.extensions import db
from reform.models import ExplanationRequest, Submission
from reform.services.phases import today

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"


def open_request(submission: Submission, criterion_id: int) -> ExplanationRequest | None:
    """The request on this criterion the unit may still answer, if any."""
    return db.session.scalar(
        select(ExplanationRequest).where(
            ExplanationRequest.submission_id == submission.id,
            ExplanationRequest.criterion_id == criterion_id,
            ExplanationRequest.status == OPEN,
        )
    )


def past_due(request: ExplanationRequest) -> bool:
    """Whether the request's deadline has passed (the unit can no longer answer it)."""
    return request.due_on is not None and request.due_on < today()
