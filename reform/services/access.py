"""Scoped loaders: objects are fetched only through the user who may see them; and the rule
that says who sees which results of a campaign, and when."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, Unit, User
from reform.models.users import STAFF_ROLES, UNIT_ROLES

F = TypeVar("F", bound=Callable[..., Any])


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
    """Staff see every submission; a unit's head and officers see their unit's; an emulation
    cluster's head (or deputy) sees the members' it appraises."""
    if user.has_role(*STAFF_ROLES):
        return True
    if user.unit_id is not None and user.unit_id == submission.unit_id:
        return True
    from reform.services.emulation.review import reviews

    return reviews(user, submission)


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


def open_work_or_404(submission_id: int, *, for_user: User, stages: tuple[str, ...]):
    """The submission's unit of work (locked, loaded once) if this user may see it, else 404."""
    from reform.services.submission_work import open_work

    work = open_work(submission_id, stages)
    if work is None or not can_see_submission(for_user, work.submission):
        abort(404)
    return work


def get_campaign_or_404(code: str) -> Campaign:
    """The campaign with this code, its framework loaded; 404 if there is none."""
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.code == code).options(joinedload(Campaign.framework))
    )
    if campaign is None:
        abort(404)
    return campaign


# ---- results: who sees which figures, and when ------------------------------------------------
#
# The rule (the user guide states it too): staff (admin, secretariat, evaluator, leader) see the
# results as they stand, every unit's, in every phase. Before a campaign's results are published,
# a unit's own people (head, officer) see only their self-assessment: their form, its report, its
# self points and index. Never the council's appraised or survey figures, a rank or another
# unit's figures: every page that would show those answers 404 to them. After publication they
# see their unit's published figures (the latest published version, never live ones), and every
# unit's on the public results page like anyone else. Every page showing results asks here.

LIVE = "live"
PUBLISHED = "published"
# The stages whose values are the council's, not the unit's.
COUNCIL_STAGES = ("appraisal", "survey")


def sees_live_results(user: Any) -> bool:
    """Whether the user sees results as they stand, before publication too: staff only."""
    return bool(user is not None and user.is_authenticated and user.has_role(*STAFF_ROLES))


def results_published(campaign: Campaign) -> bool:
    """Whether the campaign's results are published (a version everyone may read exists)."""
    return campaign.published_at is not None


def _own_unit(user: Any, unit: Unit) -> bool:
    """Whether the user is one of the unit's own people (its head or an officer)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_role(*UNIT_ROLES)
        and user.unit_id is not None
        and user.unit_id == unit.id
    )


def results_access(user: Any, campaign: Campaign, unit: Unit | None = None) -> str | None:
    """Which results of the campaign (of one unit, when given) the user may see.

    LIVE: the figures as they stand, and every published version (staff). PUBLISHED: the latest
    published version only (after publication: anyone for the whole campaign, a unit's own
    people for their unit). None: nothing (before publication, or another unit's pages).
    """
    if sees_live_results(user):
        return LIVE
    if unit is not None and not _own_unit(user, unit):
        return None
    return PUBLISHED if results_published(campaign) else None


def results_access_or_404(user: Any, campaign: Campaign, unit: Unit | None = None) -> str:
    """`results_access`, answering 404 where it is None: the page does not exist for this user."""
    access = results_access(user, campaign, unit)
    if access is None:
        abort(404)
    return access


def staff_results_page(view: F) -> F:
    """For pages that show every unit's figures as they stand (rankings, heat map, what-if, past
    years, the campaign's report and its files): staff only; anyone else signed in gets 404,
    as for every result not theirs to see, and a visitor is sent to sign in."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any):
        if not sees_live_results(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
