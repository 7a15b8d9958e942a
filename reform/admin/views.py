"""Pages where the admin and the secretariat manage units, blocks and users."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reform.admin.forms import BlockForm, ImportUnitsForm, UnitForm, UserForm
from reform.extensions import db
from reform.i18n import role_label
from reform.models import ROLES, Block, Unit, User
from reform.models.users import ADMIN, SECRETARIAT
from reform.scoring import vi_sorted
from reform.security import roles_required
from reform.services import units as unit_service
from reform.services import users as user_service
from reform.validation import query_int
from reform.web import render, see_other

bp = Blueprint("admin", __name__, url_prefix="/admin")
MANAGERS = (ADMIN, SECRETARIAT)


def _unit_choices(exclude: Unit | None = None, keep: int | None = None) -> list[tuple[int, str]]:
    """Active units (and the one already chosen, even if deactivated since), by name."""
    units = db.session.scalars(
        select(Unit)
        .where(Unit.active.is_(True) | (Unit.id == (keep or 0)))
        .order_by(*unit_service.UNIT_ORDER)
    )
    return [(0, "—")] + [(u.id, f"{u.name} · {u.code}") for u in units if u is not exclude]


def _block_choices() -> list[tuple[int, str]]:
    blocks = unit_service.blocks_by_name()
    return [(0, "—")] + [(b.id, f"{b.name} · {b.code}") for b in blocks]


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


# ---- units -------------------------------------------------------------------------------


@bp.get("/units")
@roles_required(*MANAGERS)
def units():
    """The unit tree with search and filters; htmx refreshes only the list."""
    q = request.args.get("q", "")
    kind = request.args.get("kind", "")
    block_id = query_int("block")
    show_inactive = request.args.get("inactive") == "1"
    found = unit_service.search_units(
        q, kind=kind, block_id=block_id, include_inactive=show_inactive
    )
    filtered = bool(q or kind or block_id)
    rows = [(u, 0) for u in found] if filtered else unit_service.unit_tree(found)
    return render(
        "admin/units.html",
        "admin/partials/_unit_list.html",
        rows=rows,
        q=q,
        kind=kind,
        block_id=block_id,
        show_inactive=show_inactive,
        kinds=unit_service.kinds(),
        blocks=unit_service.blocks_by_name(),
    )


def _unit_form_page(form: UnitForm, unit: Unit | None, status: int = 200):
    return render("admin/unit_form.html", status=status, form=form, unit=unit)


def _save_unit(form: UnitForm, unit: Unit | None):
    form.parent_id.choices = _unit_choices(exclude=unit, keep=unit.parent_id if unit else None)
    form.block_id.choices = _block_choices()
    if not form.validate_on_submit():
        return None
    code = form.code.data.strip()
    clash = db.session.scalar(select(Unit).where(Unit.code == code))
    if clash is not None and clash is not unit:
        form.code.errors.append(_("Another unit already has this code."))
        return None
    parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
    if unit is not None and unit_service.would_cycle(unit, parent):
        form.parent_id.errors.append(_("A unit cannot be placed under itself or its own units."))
        return None
    if unit is None:
        unit = Unit(code=code, name="", kind="")
        db.session.add(unit)
    unit.code, unit.name, unit.kind = code, form.name.data.strip(), form.kind.data.strip()
    unit.place = (form.place.data or "").strip() or None
    unit.abbreviation = (form.abbreviation.data or "").strip() or None
    unit.parent = parent
    unit.block = db.session.get(Block, form.block_id.data) if form.block_id.data else None
    db.session.commit()
    return unit


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def unit_new():
    """Create a unit."""
    form = UnitForm()
    unit = _save_unit(form, None)
    if unit is not None:
        flash(_("Unit %(code)s created.", code=unit.code), "success")
        return see_other(url_for("admin.units"))
    return _unit_form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def unit_edit(unit_id: int):
    """Edit a unit's code, name, kind, parent and block."""
    unit = _get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit if request.method == "GET" else None)
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
        form.block_id.data = unit.block_id or 0
    saved = _save_unit(form, unit)
    if saved is not None:
        flash(_("Unit %(code)s saved.", code=saved.code), "success")
        return see_other(url_for("admin.units"))
    return _unit_form_page(form, unit, 422 if request.method == "POST" else 200)


@bp.post("/units/<int:unit_id>/active")
@roles_required(*MANAGERS)
def unit_set_active(unit_id: int):
    """Deactivate or reactivate a unit; its history stays."""
    unit = _get_or_404(Unit, unit_id)
    active = request.form.get("active") == "1"
    if not active and any(child.active for child in unit.children):
        flash(_("Deactivate or move its active units first."), "error")
        return see_other(url_for("admin.units"))
    unit.active = active
    db.session.commit()
    message = _("Unit %(code)s reactivated.") if active else _("Unit %(code)s deactivated.")
    flash(message % {"code": unit.code}, "success")
    return see_other(url_for("admin.units"))


@bp.route("/units/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def units_import():
    """Import units from a CSV file: all rows, or none with every error listed."""
    form = ImportUnitsForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read(current_app.config["UNITS_CSV_MAX_BYTES"] + 1)
        if len(data) > current_app.config["UNITS_CSV_MAX_BYTES"]:
            form.file.errors.append(_("The file is larger than allowed."))
        else:
            report = unit_service.import_units(data)
            if report.ok:
                flash(
                    _(
                        "Import done: %(created)s created, %(updated)s updated.",
                        created=report.created,
                        updated=report.updated,
                    ),
                    "success",
                )
                for line, message in report.warnings:
                    flash(_("Line %(n)s", n=line) + ": " + message, "warning")
                return see_other(url_for("admin.units"))
            db.session.rollback()
    status = 422 if request.method == "POST" else 200
    return render(
        "admin/units_import.html",
        status=status,
        form=form,
        report=report,
        columns=unit_service.CSV_COLUMNS,
        optional_columns=unit_service.OPTIONAL_COLUMNS,
    )


@bp.route("/blocks", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def blocks():
    """List blocks and add one."""
    form = BlockForm()
    status = 200
    if form.validate_on_submit():
        code = form.code.data.strip()
        if db.session.scalar(select(Block).where(Block.code == code)) is not None:
            form.code.errors.append(_("Another block already has this code."))
        else:
            db.session.add(Block(code=code, name=form.name.data.strip()))
            db.session.commit()
            flash(_("Block %(code)s created.", code=code), "success")
            return see_other(url_for("admin.blocks"))
    if request.method == "POST":
        status = 422
    return render(
        "admin/blocks.html",
        status=status,
        form=form,
        blocks=vi_sorted(
            db.session.scalars(select(Block).options(selectinload(Block.units))),
            lambda block: block.name,
        ),
    )


@bp.route("/blocks/<int:block_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def block_edit(block_id: int):
    """Rename a block."""
    block = _get_or_404(Block, block_id)
    form = BlockForm(obj=block if request.method == "GET" else None)
    if form.validate_on_submit():
        code = form.code.data.strip()
        clash = db.session.scalar(select(Block).where(Block.code == code))
        if clash is not None and clash is not block:
            form.code.errors.append(_("Another block already has this code."))
        else:
            block.code, block.name = code, form.name.data.strip()
            db.session.commit()
            flash(_("Block %(code)s saved.", code=code), "success")
            return see_other(url_for("admin.blocks"))
    status = 422 if request.method == "POST" else 200
    return render("admin/block_form.html", status=status, form=form, block=block)


# ---- users -------------------------------------------------------------------------------


@bp.get("/users")
@roles_required(*MANAGERS)
def users():
    """Users with search and a role filter; htmx refreshes only the list."""
    q = request.args.get("q", "")
    role = request.args.get("role", "")
    return render(
        "admin/users.html",
        "admin/partials/_user_list.html",
        users=user_service.search_users(q, role, for_user=current_user),
        q=q,
        role=role,
        # Nobody but an administrator sees administrators, so only they filter by that role.
        roles=[(r, role_label(r)) for r in ROLES if r != ADMIN or current_user.has_role(ADMIN)],
    )


def _user_form(obj: User | None = None) -> UserForm:
    form = UserForm(obj=obj if request.method == "GET" else None)
    form.unit_id.choices = _unit_choices(keep=obj.unit_id if obj else None)
    if obj is not None and request.method == "GET":
        form.roles.data = obj.roles
        form.unit_id.data = obj.unit_id or 0
    return form


def _apply_problem(form: UserForm, problem: user_service.UserProblem) -> None:
    field = getattr(form, problem.field, None)
    if field is None:
        flash(problem.message, "error")
    else:
        field.errors = [*field.errors, problem.message]


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def user_new():
    """Create a user; a temporary password is shown once."""
    form = _user_form()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            user, temp = user_service.create_user(
                form.username.data,
                form.full_name.data,
                form.roles.data or [],
                unit=unit,
                email=form.email.data,
                actor=current_user,
            )
        except user_service.UserProblem as problem:
            db.session.rollback()
            _apply_problem(form, problem)
        else:
            return render("admin/user_password.html", user=user, password=temp, created=True)
    status = 422 if request.method == "POST" else 200
    return render("admin/user_form.html", status=status, form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def user_edit(user_id: int):
    """Change a user's name, e-mail, roles and unit."""
    user = user_service.get_user_or_404(user_id, for_user=current_user)
    form = _user_form(user)
    form.username.data = user.username  # the username never changes
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            user_service.update_user(
                user,
                full_name=form.full_name.data,
                email=form.email.data,
                roles=form.roles.data or [],
                unit=unit,
                actor=current_user,
            )
        except user_service.UserProblem as problem:
            db.session.rollback()
            _apply_problem(form, problem)
        else:
            flash(_("User %(name)s saved.", name=user.username), "success")
            return see_other(url_for("admin.users"))
    status = 422 if request.method == "POST" else 200
    return render("admin/user_form.html", status=status, form=form, user=user)


@bp.post("/users/<int:user_id>/reset-password")
@roles_required(*MANAGERS)
def user_reset_password(user_id: int):
    """Give the user a temporary password and end their sessions."""
    user = user_service.get_user_or_404(user_id, for_user=current_user)
    try:
        temp = user_service.reset_password(user, actor=current_user)
    except user_service.UserProblem as problem:
        flash(problem.message, "error")
        return see_other(url_for("admin.user_edit", user_id=user.id))
    return render("admin/user_password.html", user=user, password=temp, created=False)


@bp.post("/users/<int:user_id>/active")
@roles_required(*MANAGERS)
def user_set_active(user_id: int):
    """Deactivate (signing the user out everywhere) or reactivate a user."""
    user = user_service.get_user_or_404(user_id, for_user=current_user)
    active = request.form.get("active") == "1"
    try:
        user_service.set_active(user, active, actor=current_user)
    except user_service.UserProblem as problem:
        flash(problem.message, "error")
    else:
        message = _("User %(name)s reactivated.") if active else _("User %(name)s deactivated.")
        flash(message % {"name": user.username}, "success")
    return see_other(url_for("admin.users"))
