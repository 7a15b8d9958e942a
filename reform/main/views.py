"""The landing page and each role's home."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import ROLES, Block, Framework, Unit, User
from reform.models.users import ADMIN, EVALUATOR, HEAD, LEADER, OFFICER, SECRETARIAT
from reform.web import render

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
            "frameworks": db.session.scalar(select(func.count()).select_from(Framework)),
        }
    if role in (EVALUATOR, LEADER):
        context["blocks"] = _blocks_with_counts()
    if role in (HEAD, OFFICER):
        context["unit"] = current_user.unit
    return render(f"main/home_{role}.html", **context)


def _blocks_with_counts() -> list[tuple[Block, int]]:
    """Every block with its number of active units, in one query."""
    rows = db.session.execute(
        select(Block, func.count(Unit.id))
        .outerjoin(Unit, (Unit.block_id == Block.id) & Unit.active)
        .group_by(Block.id)
        .order_by(Block.code)
    ).all()
    return [(block, count) for block, count in rows]
