"""The landing page and each role's home."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import ROLES, Block, Campaign, Framework, Submission, Unit, User
from reform.models.users import ADMIN, EVALUATOR, HEAD, LEADER, OFFICER, SECRETARIAT
from reform.scoring import vi_sorted
from reform.services import notify
from reform.services.access import results_access
from reform.services.phases import days_left, phase_of
from reform.web import render, see_other

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Send a visitor to sign in, a user to the home of their first role."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    roles = current_user.roles
    if not roles:
        return render("main/no_role.html")
    return redirect(url_for("main.home", role=roles[0]))


@bp.get("/home/<role>")
@login_required
def home(role: str):
    """The home page of one of the user's roles."""
    if role not in ROLES:
        abort(404)
    if not current_user.has_role(role):
        abort(403)
    context: dict = {"role": role}
    if role in (ADMIN, SECRETARIAT):
        context["counts"] = {
            "units": db.session.scalar(select(func.count()).select_from(Unit).where(Unit.active)),
            "blocks": db.session.scalar(select(func.count()).select_from(Block)),
            "users": db.session.scalar(select(func.count()).select_from(User).where(User.active)),
            "frameworks": db.session.scalar(select(func.count(func.distinct(Framework.code)))),
        }
    if role in (EVALUATOR, LEADER):
        context["blocks"] = _blocks_with_counts()
    if role in (HEAD, OFFICER):
        context["unit"] = current_user.unit
        context["assessments"] = _unit_assessments(current_user.unit_id)
    if role in (ADMIN, SECRETARIAT, EVALUATOR, LEADER):
        context["campaigns"] = db.session.scalars(
            select(Campaign).order_by(Campaign.created_at.desc()).limit(5)
        ).all()
    return render(f"main/home_{role}.html", **context)


def _unit_assessments(unit_id: int | None) -> list[dict]:
    """The unit's campaigns with status, progress, phase, days left and whether the user may
    open its results yet, newest first."""
    if unit_id is None:
        return []
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.unit_id == unit_id)
        .options(joinedload(Submission.campaign))
        .join(Campaign)
        .order_by(Campaign.self_closes_on.desc())
    ).all()
    return [
        {
            "submission": s,
            "phase": phase_of(s.campaign),
            "days_left": days_left(s.campaign.self_closes_on),
            "results": results_access(current_user, s.campaign, s.unit) is not None,
        }
        for s in submissions
    ]


def _blocks_with_counts() -> list[tuple[Block, int]]:
    """Every block with its number of active units, in one query; by name (Vietnamese order)."""
    rows = db.session.execute(
        select(Block, func.count(Unit.id))
        .outerjoin(Unit, (Unit.block_id == Block.id) & Unit.active)
        .group_by(Block.id)
    ).all()
    return vi_sorted([(block, count) for block, count in rows], lambda row: row[0].name)


@bp.app_context_processor
def _bell() -> dict:
    """The unread count shown on the bell of every page."""

    # A callable, so only full pages (which show the bell) pay for the query.
    def unread() -> int:
        if current_user and current_user.is_authenticated:
            return notify.unread_count(current_user)
        return 0

    return {"unread_notifications": unread}


@bp.get("/notifications")
@login_required
def notifications():
    """The user's notices, newest first."""
    return render("main/notifications.html", items=notify.recent(current_user))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    """Mark every notice as read."""
    notify.mark_all_read(current_user)
    return see_other(url_for("main.notifications"))
