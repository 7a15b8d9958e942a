"""The award register's pages: search, histories, statistics, export, entry and import."""

from __future__ import annotations

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from reform.commendation.forms import AwardForm, DeleteAwardForm, ImportAwardsForm
from reform.extensions import db
from reform.models import Award, Person, Unit
from reform.models.titles import COLLECTIVE, SCOPES
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services.commendation import access
from reform.services.commendation import register as service
from reform.services.commendation import register_files as files
from reform.services.commendation.catalogue import FAMILY_LABELS, label
from reform.services.commendation.initiatives import units_for
from reform.services.emulation.titles import LEVELS
from reform.services.phases import today
from reform.validation import query_int
from reform.web import render, see_other

bp = Blueprint("awards", __name__, url_prefix="/commendation/awards")
MANAGERS = (ADMIN, SECRETARIAT)


@bp.app_template_global()
def award_source_label(source: str | None) -> str:
    """Entered, imported, or a decision in the application."""
    return label(service.SOURCE_LABELS, source)


@bp.app_template_global()
def award_family_label(family: str | None) -> str:
    """Flags, certificates, titles, other forms."""
    return label(FAMILY_LABELS, family)


def _visible_units() -> set[int] | None:
    """Every unit for the secretariat and leaders; the user's own for a unit's people."""
    if access.reads_every_unit(current_user):
        return None
    return {current_user.unit_id} if current_user.unit_id is not None else set()


def _filter() -> service.AwardFilter:
    visible = _visible_units()
    unit_id = query_int("unit")
    if unit_id is not None and visible is not None and unit_id not in visible:
        unit_id = None
    level = request.args.get("level") or None
    scope = request.args.get("scope") or None
    codes = {e["code"] for e in service.entries()}
    title = request.args.get("title") or None
    return service.AwardFilter(
        text=request.args.get("q", "")[:200],
        unit_id=unit_id,
        year=query_int("year", low=1900, high=9999),
        level=level if level in LEVELS else None,
        scope=scope if scope in SCOPES else None,
        title_code=title if title in codes else None,
    )


@bp.get("/")
@roles_required(*access.REGISTER_READERS)
def index():
    """The register: every title and award by year, searchable by name, unit, year and level."""
    wanted = _filter()
    visible = _visible_units()
    rows = service.search(wanted, unit_ids=visible)
    return render(
        "commendation/awards/index.html",
        rows=rows[: service.LIST_LIMIT],
        total=len(rows),
        wanted=wanted,
        units=units_for(visible),
        wide=visible is None,
        can_manage=current_user.has_role(*MANAGERS),
        entries=service.entries(),
        levels=LEVELS,
        years=service.years(),
        limit=service.LIST_LIMIT,
    )


@bp.get("/export.xlsx")
@roles_required(*access.REGISTER_READERS)
def export():
    """The search's entries as the emulation office's reporting list (Excel)."""
    wanted = _filter()
    rows = service.search(wanted, unit_ids=_visible_units())
    parts = []
    if wanted.year:
        parts.append(_("Year %(year)s", year=wanted.year))
    if wanted.unit_id:
        unit = db.session.get(Unit, wanted.unit_id)
        parts.append(unit.name if unit else "")
    if not access.reads_every_unit(current_user) and current_user.unit is not None:
        parts.append(current_user.unit.name)
    subtitle = " · ".join(p for p in parts if p) or _("All years")
    body = files.awards_xlsx(rows, subtitle=subtitle)
    name = f"khen-thuong-{wanted.year}.xlsx" if wanted.year else "khen-thuong.xlsx"
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/statistics")
@roles_required(*access.REGISTER_WIDE)
def statistics():
    """Counts per year and level: flags, certificates of merit, titles."""
    year = query_int("year", low=1900, high=9999)
    return render(
        "commendation/awards/statistics.html",
        stats=service.statistics(year=year),
        year=year,
        years=service.years(),
        families=list(FAMILY_LABELS),
    )


@bp.get("/units/<int:unit_id>")
@roles_required(*access.REGISTER_READERS)
def unit_history(unit_id: int):
    """A unit's titles and awards over the years, and those of its people."""
    unit = access.unit_or_404(unit_id, current_user, allowed=access.reads_register_of)
    own, people = service.unit_history(unit)
    return render("commendation/awards/unit.html", unit=unit, own=own, people=people)


@bp.get("/people/<int:person_id>")
@roles_required(*access.REGISTER_READERS)
def person_history(person_id: int):
    """A person's titles and awards over the years."""
    person = access.person_or_404(person_id, current_user)
    return render(
        "commendation/awards/person.html", person=person, rows=service.person_awards(person)
    )


# ---- the secretariat's entries ----------------------------------------------------------


def _fill(form: AwardForm, unit: Unit) -> None:
    form.title_code.choices = [
        (
            e["code"],
            f"{e['name']} ({_('collective') if e['scope'] == COLLECTIVE else _('individual')})",
        )
        for e in service.entries()
    ]
    people = db.session.scalars(
        db.select(Person).where(Person.unit_id == unit.id).order_by(Person.sort_key)
    ).all()
    form.person_id.choices = [(0, "—")] + [(p.id, p.full_name) for p in people]


def _data(form: AwardForm, unit: Unit) -> service.AwardData:
    return service.AwardData(
        year=form.year.data,
        title_code=form.title_code.data,
        unit_id=unit.id,
        person_id=form.person_id.data or None,
        recipient_name=(form.recipient_name.data or "").strip(),
        decision_number=(form.decision_number.data or "").strip(),
        decision_date=form.decision_date.data,
        signer=(form.signer.data or "").strip(),
        note=form.note.data,
    )


def _checked(form: AwardForm, unit: Unit, current: Award | None) -> service.AwardData | None:
    if not form.validate_on_submit():
        return None
    data = _data(form, unit)
    problems = service.check(data, today=today(), current=current)
    for name, message in problems.items():
        getattr(form, name if hasattr(form, name) else "title_code").errors.append(message)
    return None if problems else data


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    """Add a title or award to the register (the unit first)."""
    if request.args.get("unit") is None:
        return render(
            "commendation/unit_picker.html",
            units=units_for(None),
            action=url_for("awards.new"),
            heading=_("Add to the register"),
        )
    unit = access.unit_or_404(query_int("unit"), current_user, allowed=access.reads_register_of)
    form = AwardForm()
    _fill(form, unit)
    if request.method == "GET":
        form.year.data = today().year - 1
        person_id = query_int("person")
        if person_id:
            form.person_id.data = person_id
    data = _checked(form, unit, None)
    if data is not None:
        award = service.create(data, actor=current_user)
        flash(
            _("%(title)s for %(name)s added.", title=award.title_name, name=award.recipient_name),
            "success",
        )
        return see_other(url_for("awards.index", unit=unit.id, year=award.year))
    return render(
        "commendation/awards/form.html",
        status=422 if request.method == "POST" else 200,
        form=form,
        unit=unit,
        award=None,
    )


@bp.route("/<int:award_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(award_id: int):
    """Correct an entry of the register."""
    award = access.award_or_404(award_id)
    unit = award.unit
    form = AwardForm(obj=award if request.method == "GET" else None)
    _fill(form, unit)
    if request.method == "GET":
        form.person_id.data = award.person_id or 0
    data = _checked(form, unit, award)
    if data is not None:
        service.update(award, data, actor=current_user)
        flash(_("Entry saved."), "success")
        return see_other(url_for("awards.index", unit=unit.id, year=award.year))
    return render(
        "commendation/awards/form.html",
        status=422 if request.method == "POST" else 200,
        form=form,
        unit=unit,
        award=award,
        delete_form=DeleteAwardForm(formdata=None),
    )


@bp.post("/<int:award_id>/delete")
@roles_required(*MANAGERS)
def delete(award_id: int):
    """Remove an entry made by mistake, with the reason."""
    award = access.award_or_404(award_id)
    form = DeleteAwardForm()
    if not form.validate_on_submit():
        edit_form = AwardForm(obj=award, formdata=None)
        _fill(edit_form, award.unit)
        edit_form.person_id.data = award.person_id or 0
        return render(
            "commendation/awards/form.html",
            status=422,
            form=edit_form,
            unit=award.unit,
            award=award,
            delete_form=form,
        )
    unit_id, year = award.unit_id, award.year
    service.delete(award, actor=current_user, reason=form.reason.data.strip())
    flash(_("Entry removed from the register."), "success")
    return see_other(url_for("awards.index", unit=unit_id, year=year))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_page():
    """Import past years' lists (Excel or CSV): every line, or none with each error listed."""
    form = ImportAwardsForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(files.MAX_BYTES + 1)
        report = files.import_awards(data, upload.filename or "", actor=current_user, today=today())
        if report.ok:
            flash(imported_message(report.stored, report.years), "success")
            return see_other(url_for("awards.index"))
        db.session.rollback()
    status = 422 if request.method == "POST" else 200
    return render(
        "commendation/awards/import.html",
        status=status,
        form=form,
        report=report,
        columns=[key for key, _label in files.COLUMNS if key != "no"],
    )


def imported_message(stored: int, years: list[int]) -> str:
    """“12 entries imported (2023, 2024).”"""
    return ngettext(
        "%(num)s entry imported (%(years)s).",
        "%(num)s entries imported (%(years)s).",
        stored,
        years=", ".join(str(y) for y in years),
    )
