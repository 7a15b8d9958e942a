"""The initiatives register's pages: list and search, add, show, edit."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reform.commendation.forms import InitiativeForm
from reform.extensions import db
from reform.models import Initiative, Unit
from reform.scoring.eligibility import INITIATIVE_LEVELS
from reform.security import roles_required
from reform.services.commendation import access
from reform.services.commendation import initiatives as service
from reform.services.phases import today
from reform.validation import bounded_int, query_int
from reform.web import render, see_other

bp = Blueprint("initiatives", __name__, url_prefix="/commendation/initiatives")
bp.add_app_template_global(service.level_label, "initiative_level_label")


def _visible_units() -> set[int] | None:
    """Every unit for the secretariat; the user's own for a unit's people."""
    if access.is_central(current_user):
        return None
    return {current_user.unit_id} if current_user.unit_id is not None else set()


@bp.get("/")
@roles_required(*access.INITIATIVE_KEEPERS)
def index():
    """The register: the unit's initiatives (every unit's for the secretariat), searchable."""
    visible = _visible_units()
    unit_id = query_int("unit")
    if unit_id is not None and visible is not None and unit_id not in visible:
        unit_id = None
    level = request.args.get("level") or None
    wanted = service.InitiativeFilter(
        text=request.args.get("q", "")[:200],
        unit_id=unit_id,
        level=level if level in INITIATIVE_LEVELS else None,
        year=query_int("year", low=1900, high=9999),
    )
    rows = service.search(wanted, unit_ids=visible)
    own = db.session.get(Unit, current_user.unit_id) if current_user.unit_id else None
    return render(
        "commendation/initiatives/index.html",
        rows=rows,
        wanted=wanted,
        units=service.units_for(visible),
        central=visible is None,
        own_unit=own
        if own is not None and access.keeps_initiatives_of(current_user, own.id)
        else None,
        limit=service.LIST_LIMIT,
        levels=INITIATIVE_LEVELS,
    )


def _data(form: InitiativeForm) -> service.InitiativeData:
    return service.InitiativeData(
        title=form.title.data.strip(),
        level=form.level.data,
        recognised_on=form.recognised_on.data,
        decision_number=form.decision_number.data.strip(),
        decision_date=form.decision_date.data,
        decision_issuer=form.decision_issuer.data.strip(),
        summary=form.summary.data,
        person_ids=list(form.person_ids.data or []),
        other_authors=service.split_names(form.other_authors.data),
    )


def _form_page(
    form: InitiativeForm, unit: Unit, initiative: Initiative | None, status: int, **extra
):
    return render(
        "commendation/initiatives/form.html",
        status=status,
        form=form,
        unit=unit,
        initiative=initiative,
        **extra,
    )


def _choices(form: InitiativeForm, unit: Unit, initiative: Initiative | None) -> None:
    form.person_ids.choices = [
        (p.id, f"{p.full_name} · {p.position}" if p.position else p.full_name)
        for p in service.staff_choices(unit.id, initiative)
    ]


def _save_problems(form: InitiativeForm, unit: Unit) -> service.InitiativeData | None:
    """The entered data when every field is right; otherwise None, messages beside the fields."""
    if not form.validate_on_submit():
        return None
    data = _data(form)
    problems = service.check(unit, data, today=today())
    for name, message in problems.items():
        getattr(form, name).errors.append(message)
    return None if problems else data


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*access.INITIATIVE_KEEPERS)
def new():
    """Record an initiative of the unit (the secretariat first picks the unit)."""
    if access.is_central(current_user) and request.args.get("unit") is None:
        return render(
            "commendation/unit_picker.html",
            units=service.units_for(None),
            action=url_for("initiatives.new"),
            heading=_("Record an initiative"),
        )
    unit = access.unit_or_404(query_int("unit"), current_user, allowed=access.keeps_initiatives_of)
    form = InitiativeForm()
    _choices(form, unit, None)
    data = _save_problems(form, unit)
    if data is not None:
        initiative = service.create(unit, data, actor=current_user)
        flash(_("Initiative “%(title)s” recorded.", title=initiative.title), "success")
        return see_other(url_for("initiatives.show", initiative_id=initiative.id))
    return _form_page(form, unit, None, 422 if request.method == "POST" else 200)


@bp.get("/<int:initiative_id>")
@roles_required(*access.INITIATIVE_KEEPERS)
def show(initiative_id: int):
    """An initiative with its authors and decision."""
    initiative = access.initiative_or_404(initiative_id, current_user)
    return render("commendation/initiatives/show.html", initiative=initiative)


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@roles_required(*access.INITIATIVE_KEEPERS)
def edit(initiative_id: int):
    """Correct an initiative; a save over someone else's newer save is refused (409)."""
    initiative = access.initiative_or_404(initiative_id, current_user)
    unit = initiative.unit
    form = InitiativeForm(obj=initiative if request.method == "GET" else None)
    _choices(form, unit, initiative)
    if request.method == "GET":
        form.person_ids.data = [a.person_id for a in initiative.authors if a.person_id]
        form.other_authors.data = "\n".join(a.name for a in initiative.authors if not a.person_id)
        form.version.data = str(initiative.version)
    data = _save_problems(form, unit)
    if data is not None:
        try:
            service.update(
                initiative, data, version=bounded_int(form.version.data) or 0, actor=current_user
            )
        except service.Conflict:
            db.session.rollback()
            fresh = access.initiative_or_404(initiative_id, current_user)
            form.version.data = str(fresh.version)
            return _form_page(form, unit, fresh, 409, conflict=fresh)
        flash(_("Initiative “%(title)s” saved.", title=initiative.title), "success")
        return see_other(url_for("initiatives.show", initiative_id=initiative.id))
    return _form_page(form, unit, initiative, 422 if request.method == "POST" else 200)
