"""The unit directory and a unit's own page."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reform.extensions import db
from reform.models import User
from reform.models.users import STAFF_ROLES
from reform.scoring import vi_sorted
from reform.security import roles_required
from reform.services import units as unit_service
from reform.services.access import get_unit_or_404
from reform.web import render

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.get("/")
@roles_required(*STAFF_ROLES)
def directory():
    """Every active unit, grouped by block, with search."""
    q = request.args.get("q", "")
    found = unit_service.search_units(q)
    blocks = unit_service.blocks_by_name()
    grouped = {b.id: [] for b in blocks}
    without_block = []
    for unit in found:
        grouped.get(unit.block_id, without_block).append(unit)
    return render(
        "units/directory.html",
        "units/partials/_directory.html",
        q=q,
        groups=[(b, grouped[b.id]) for b in blocks if grouped[b.id]],
        without_block=without_block,
    )


@bp.get("/<int:unit_id>")
@login_required
def detail(unit_id: int):
    """A unit's page: its place in the tree, its block and its people."""
    unit = get_unit_or_404(unit_id, for_user=current_user)
    people = vi_sorted(
        db.session.scalars(
            select(User)
            .where(User.unit_id == unit.id, User.active.is_(True))
            .options(selectinload(User.role_rows))
        ),
        lambda user: user.full_name or user.username,
    )
    return render("units/detail.html", unit=unit, people=people)
