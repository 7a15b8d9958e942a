"""The staff pages: a unit's people, a person's record, create, edit, deactivate, import."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Person, Unit
from reform.people.forms import ImportStaffForm, PersonForm, StatusForm
from reform.security import roles_required
from reform.services.people import access
from reform.services.people import staff as service
from reform.services.units import UNIT_ORDER
from reform.validation import bounded_int, query_int
from reform.web import render, see_other

bp = Blueprint("people_staff", __name__, url_prefix="/people")


def _fill_choices(form: PersonForm, unit: Unit, person: Person | None) -> None:
    managers = service.manager_choices(unit.id, person)
    form.manager_id.choices = [(0, "—")] + [
        (p.id, f"{p.full_name} · {p.position}" if p.position else p.full_name) for p in managers
    ]
    accounts = service.account_choices(unit.id, person)
    form.user_id.choices = [(0, "—")] + [(u.id, f"{u.full_name} · {u.username}") for u in accounts]


def _data(form: PersonForm) -> service.PersonData:
    return service.PersonData(
        full_name=form.full_name.data.strip(),
        position=(form.position.data or "").strip(),
        category=form.category.data,
        is_leader=bool(form.is_leader.data),
        duty_group=" ".join((form.duty_group.data or "").split()),
        code=(form.code.data or "").strip() or None,
        manager_id=form.manager_id.data or None,
        user_id=form.user_id.data or None,
    )


def _form_page(form: PersonForm, unit: Unit, person: Person | None, status: int, **extra):
    return render(
        "people/staff/form.html",
        status=status,
        form=form,
        unit=unit,
        person=person,
        groups=service.duty_groups(unit.id),
        **extra,
    )


@bp.get("/")
@roles_required(*access.STAFF_KEEPERS)
def index():
    """A unit's people in Vietnamese name order; the secretariat first picks the unit."""
    unit_id = query_int("unit")
    if unit_id is None and access.is_central(current_user) and current_user.unit_id is None:
        units = db.session.scalars(
            select(Unit).where(Unit.active.is_(True)).order_by(*UNIT_ORDER)
        ).all()
        return render("people/staff/units.html", units=units)
    unit = access.staff_unit_or_404(unit_id, current_user)
    show_inactive = request.args.get("inactive") == "1"
    people = service.unit_people(unit.id, include_inactive=show_inactive)
    return render(
        "people/staff/index.html",
        unit=unit,
        people=people,
        show_inactive=show_inactive,
        category_label=service.category_label,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*access.STAFF_KEEPERS)
def new():
    """Add someone to the unit's staff."""
    unit = access.staff_unit_or_404(query_int("unit"), current_user)
    form = PersonForm()
    _fill_choices(form, unit, None)
    if form.validate_on_submit():
        data = _data(form)
        problems = service.check_person(unit, None, data)
        for name, message in problems.items():
            getattr(form, name).errors.append(message)
        if not problems:
            try:
                person = service.create_person(unit, data, actor=current_user)
            except service.Conflict:
                form.code.errors.append(
                    _("Someone else saved this record meanwhile; check and save again.")
                )
                return _form_page(form, unit, None, 409)
            flash(_("%(name)s added.", name=person.full_name), "success")
            return see_other(url_for("people_staff.index", unit=unit.id))
    return _form_page(form, unit, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*access.STAFF_KEEPERS)
def edit(person_id: int):
    """Change someone's record; a save over someone else's newer save is refused (409)."""
    person = access.staff_person_or_404(person_id, current_user)
    unit = person.unit
    form = PersonForm(obj=person if request.method == "GET" else None)
    _fill_choices(form, unit, person)
    if request.method == "GET":
        form.manager_id.data = person.manager_id or 0
        form.user_id.data = person.user_id or 0
        form.version.data = str(person.version)
    conflict = None
    if form.validate_on_submit():
        data = _data(form)
        problems = service.check_person(unit, person, data)
        for name, message in problems.items():
            getattr(form, name).errors.append(message)
        if not problems:
            version = bounded_int(form.version.data) or 0
            try:
                service.update_person(person, data, version=version, actor=current_user)
            except service.Conflict as clash:
                conflict = clash.current
                db.session.refresh(conflict)
                # The next save goes over what is there now; what was typed stays in the form.
                form.version.data = str(conflict.version)
            else:
                flash(_("Record of %(name)s saved.", name=person.full_name), "success")
                return see_other(url_for("people_staff.show", person_id=person.id))
    if conflict is not None:
        return _form_page(form, unit, person, 409, conflict=conflict)
    return _form_page(form, unit, person, 422 if request.method == "POST" else 200)


@bp.get("/<int:person_id>")
@roles_required(*access.STAFF_KEEPERS)
def show(person_id: int):
    """Someone's record: post, group, manager, account, and the history of their status."""
    person = access.staff_person_or_404(person_id, current_user)
    form = StatusForm()
    form.version.data = str(person.version)
    return _show_page(person, form, 200)


def _show_page(person: Person, form: StatusForm, status: int, conflict: bool = False):
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.person_id == person.id, AuditEvent.action.like("person_%"))
        .order_by(AuditEvent.id.desc())
        .limit(50)
    ).all()
    team = db.session.scalars(
        select(Person)
        .where(Person.manager_id == person.id, Person.active.is_(True))
        .order_by(Person.sort_key)
    ).all()
    return render(
        "people/staff/show.html",
        status=status,
        person=person,
        form=form,
        events=events,
        team=team,
        conflict=conflict,
        category_label=service.category_label,
    )


@bp.post("/<int:person_id>/status")
@roles_required(*access.STAFF_KEEPERS)
def set_status(person_id: int):
    """Deactivate (moved, retired...) or reactivate someone, with the date and the reason."""
    person = access.staff_person_or_404(person_id, current_user)
    form = StatusForm()
    active = request.form.get("active") == "1"
    if active == person.active:
        flash(_("Nothing to change: the record already has this status."), "warning")
        return see_other(url_for("people_staff.show", person_id=person.id))
    if not form.validate_on_submit():
        return _show_page(person, form, 422)
    try:
        service.set_active(
            person,
            active,
            effective_on=form.effective_on.data,
            reason=form.reason.data.strip(),
            version=bounded_int(form.version.data) or 0,
            actor=current_user,
        )
    except service.Conflict:
        form.version.data = str(person.version)
        return _show_page(person, form, 409, conflict=True)
    message = _("%(name)s is active again.") if active else _("%(name)s is now inactive.")
    flash(message % {"name": person.full_name}, "success")
    return see_other(url_for("people_staff.show", person_id=person.id))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*access.STAFF_KEEPERS)
def import_page():
    """Import the unit's staff list (CSV or Excel): every line, or none with each error listed."""
    unit = access.staff_unit_or_404(query_int("unit"), current_user)
    form = ImportStaffForm()
    report = None
    if form.validate_on_submit():
        limit = current_app.config["UNITS_CSV_MAX_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(_("The file is larger than allowed."))
        else:
            filename = form.file.data.filename or ""
            report = service.import_staff(unit, data, filename, actor=current_user)
            if report.ok:
                flash(
                    _(
                        "Import done: %(created)s created, %(updated)s updated.",
                        created=report.created,
                        updated=report.updated,
                    ),
                    "success",
                )
                return see_other(url_for("people_staff.index", unit=unit.id))
            db.session.rollback()
    return render(
        "people/staff/import.html",
        status=422 if request.method == "POST" else 200,
        form=form,
        unit=unit,
        report=report,
        columns=service.IMPORT_COLUMNS,
        optional_columns=service.OPTIONAL_IMPORT_COLUMNS,
    )
