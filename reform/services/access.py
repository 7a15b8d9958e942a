"""Scoped loaders: objects are fetched only through the user who may see them."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, Unit, User
from reform.models.users import STAFF_ROLES


def can_see_unit(user: User, unit: Unit) -> bool:
    """Staff see every unit; a head or officer sees only their own."""
    if user.has_role(*STAFF_ROLES):
        return True
    return user.unit_id is not None and user.unit_id == unit.id


def get_unit_or_404(unit_id: int, *, for_user: User) -> Unit:
    """The unit if this user may see it; otherwise 404, so its existence is not revealed."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_see_unit(for_user, unit):
        abort(404)
    return unit


def can_see_submission(user: User, submission) -> bool:
    """Staff see every submission; a unit's head and officers see their unit's."""
    if user.has_role(*STAFF_ROLES):
        return True
    return user.unit_id is not None and user.unit_id == submission.unit_id


def get_submission_or_404(submission_id: int, *, for_user: User):
    """The submission (with campaign, framework and unit) if this user may see it, else 404."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from reform.models import Campaign, Submission

    submission = db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.campaign).joinedload(Campaign.framework),
            joinedload(Submission.unit),
        )
    )
    if submission is None or not can_see_submission(for_user, submission):
        abort(404)
    return submission


def get_campaign_or_404(code: str) -> Campaign:
    """The campaign with this code, its framework loaded; 404 if there is none."""
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.code == code).options(joinedload(Campaign.framework))
    )
    if campaign is None:
        abort(404)
    return campaign
