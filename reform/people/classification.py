"""The yearly classification: a person's year and evaluation form, the head's classification of
the unit with the quota shown live, the unit's summary in Excel, a person's history."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reform.extensions import db
from reform.models import DisqualifyingFact, Person, Unit
from reform.models.people import DISQUALIFYING_KINDS
from reform.scoring.classification import LEVELS
from reform.services.people import access, agency
from reform.services.people import classification as service
from reform.services.people.staff import Conflict
from reform.services.people.tasks import Refused
from reform.services.phases import today
from reform.validation import bounded_int, query_int
from reform.web import is_htmx, render, see_other

bp = Blueprint("people_classification", __name__, url_prefix="/people")

for _helper in (service.level_label, service.fact_kind_label):
    bp.add_app_template_global(_helper)
bp.add_app_template_global(service.allowed_levels, "levels_allowed")


@bp.app_template_global()
def classify_words() -> dict[str, str]:
    """The fixed words of a row of the head's classification, translated once per request: a
    unit of hundreds repeats them thousands of times."""
    if "people_classify_words" not in g:
        g.people_classify_words = {
            "year_score": _("Year score"),
            "no_period": _("no confirmed period"),
            "by_score": _("Level by the score"),
            "disqualified": _("disqualifying fact"),
            "self_level": _("Self-assessed level"),
            "proposal": _("Manager's proposal"),
            "conclusion": _("Head's conclusion"),
            "not_concluded": _("not concluded"),
            "level": _("Level concluded"),
            "comment": _("Head's conclusion (comment)"),
            "exception": _("Competent authority's decision allowing “xuất sắc” beyond the quota"),
            "exception_hint": _("Only for the documented exception: its number, date and issuer."),
            "save": _("Save the classification"),
        }
    return g.people_classify_words


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _version() -> int | None:
    return bounded_int(request.form.get("version", ""))


def _year_page(person: Person, year: int, status: int = 200, problems=None, typed=None):
    figures = service.year_figures(person, year)
    return render(
        "people/classification/year.html",
        status=status,
        person=person,
        year=year,
        figures=figures,
        found=figures.classification,
        own=person.user_id == current_user.id,
        reviewer=access.reviews(current_user, person),
        is_head=access.heads_unit(current_user, person.unit_id),
        levels=LEVELS,
        kinds=DISQUALIFYING_KINDS,
        problems=problems or {},
        typed=typed,
    )


@bp.get("/<int:person_id>/year/<int:year>")
@login_required
def year(person_id: int, year: int):
    """A person's year: periods, score, level, self-assessment, manager's comment, conclusion."""
    person = access.records_person_or_404(person_id, current_user)
    return _year_page(person, _year(year))


def _write(person: Person, year: int, action, anchor: str):
    try:
        action()
    except Refused as refused:
        return _year_page(person, year, 422, refused.problems, request.form)
    except Conflict:
        db.session.rollback()
        problems = {"conflict": _("Someone else saved this meanwhile; nothing of yours was saved.")}
        return _year_page(person, year, 409, problems, request.form)
    flash(_("The year is saved."), "success")
    return see_other(
        url_for("people_classification.year", person_id=person.id, year=year, _anchor=anchor)
    )


@bp.post("/<int:person_id>/year/<int:year>/self")
@login_required
def self_assessment(person_id: int, year: int):
    """The person's self-assessment of the year."""
    person = access.records_person_or_404(person_id, current_user)
    if person.user_id != current_user.id:
        abort(403)
    return _write(
        person,
        _year(year),
        lambda: service.save_self_assessment(
            person,
            year,
            request.form.get("self_text", ""),
            request.form.get("self_level", ""),
            version=_version(),
            actor=current_user,
        ),
        "self",
    )


@bp.post("/<int:person_id>/year/<int:year>/manager")
@login_required
def manager_comment(person_id: int, year: int):
    """The direct manager's (or the head's) comment on the year."""
    person = access.records_person_or_404(person_id, current_user)
    if not access.reviews(current_user, person):
        abort(403)
    return _write(
        person,
        _year(year),
        lambda: service.save_manager_comment(
            person,
            year,
            request.form.get("manager_text", ""),
            request.form.get("manager_level", ""),
            version=_version(),
            actor=current_user,
        ),
        "manager",
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@bp.post("/<int:person_id>/year/<int:year>/facts")
@login_required
def record_fact(person_id: int, year: int):
    """The head records a disqualifying fact with its decision."""
    person = access.records_person_or_404(person_id, current_user)
    if not access.heads_unit(current_user, person.unit_id) or person.user_id == current_user.id:
        abort(403)
    return _write(
        person,
        _year(year),
        lambda: service.record_fact(
            person,
            year,
            request.form.get("kind", ""),
            request.form.get("decision_number", ""),
            _date(request.form.get("decided_on", "")),
            request.form.get("note", ""),
            actor=current_user,
        ),
        "facts",
    )


@bp.post("/facts/<int:fact_id>/withdraw")
@login_required
def withdraw_fact(fact_id: int):
    """The head withdraws a fact recorded in error (it stays in the record)."""
    fact = db.session.get(DisqualifyingFact, fact_id)
    if fact is None:
        abort(404)
    person = access.records_person_or_404(fact.person_id, current_user)
    if not access.heads_unit(current_user, person.unit_id):
        abort(403)
    return _write(
        person,
        fact.year,
        lambda: service.withdraw_fact(fact, request.form.get("reason", ""), actor=current_user),
        "facts",
    )


@bp.get("/<int:person_id>/year/<int:year>.pdf")
@login_required
def form_pdf(person_id: int, year: int):
    """The person's evaluation and classification form of the year, as a PDF."""
    from reform.services.pdf import render_pdf

    person = access.records_person_or_404(person_id, current_user)
    figures = service.year_figures(person, _year(year))
    day = today()
    # The place its documents are dated at, where the unit has one (else a gap to fill by hand).
    place_name = getattr(person.unit, "place_name", None)
    place = (place_name() if callable(place_name) else None) or "\u00a0" * 8
    date_line = _(
        "%(place)s, day %(d)s month %(m)s year %(y)s",
        place=place,
        d=f"{day.day:02d}",
        m=f"{day.month:02d}",
        y=day.year,
    )
    html = render_template(
        "people/classification/form_pdf.html",
        person=person,
        year=year,
        figures=figures,
        found=figures.classification,
        official=service.OFFICIAL_NAMES,
        date_line=date_line,
    )
    response = make_response(render_pdf(html))
    response.headers["Content-Type"] = "application/pdf"
    filename = f"phieu-danh-gia-{person.code or person.id}-{year}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<int:person_id>/history")
@login_required
def history(person_id: int):
    """The person's scores and levels over the years."""
    person = access.records_person_or_404(person_id, current_user)
    return render(
        "people/classification/history.html", person=person, years=service.history(person)
    )


# ---- the head classifies the unit ------------------------------------------------------------


def _unit_or_404(unit_id: int | None) -> Unit:
    """The unit the user classifies (head) or reads (secretariat, administrator)."""
    unit_id = unit_id or current_user.unit_id
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not (
        access.is_central(current_user) or access.heads_unit(current_user, unit.id)
    ):
        abort(404)
    return unit


@bp.get("/classification")
@login_required
def unit_page():
    """The unit's classification of the year, group by group, with each group's quota."""
    unit = _unit_or_404(query_int("unit"))
    year = query_int("year", low=2000, high=2100) or today().year
    return _unit_page(unit, year)


def _unit_page(unit: Unit, year: int, status: int = 200, agency_problems=None, typed=None):
    """The unit's page: the agency's own classification beside its reform-index result, then
    its people group by group."""
    return render(
        "people/classification/unit.html",
        status=status,
        unit=unit,
        year=year,
        data=service.unit_year(unit, year),
        is_head=access.heads_unit(current_user, unit.id),
        problems={},
        agency=agency.classification_of(unit, year),
        index_results=agency.index_results(unit, year, current_user),
        classifies_agency=access.is_central(current_user),
        agency_problems=agency_problems or {},
        agency_typed=typed,
    )


@bp.post("/classification/<int:unit_id>/<int:year>/agency")
@login_required
def agency_classification(unit_id: int, year: int):
    """The secretariat records the unit's own classification of the year and its decision."""
    if not 2000 <= year <= 2100:
        abort(404)
    unit = _unit_or_404(unit_id)
    if not access.is_central(current_user):
        abort(403)
    form = request.form
    decided_text = form.get("decided_on", "").strip()
    decided_on = _date(decided_text) if decided_text else None
    try:
        if decided_text and decided_on is None:
            raise Refused({"decided_on": _("Enter a date as dd/mm/yyyy.")})
        agency.record(
            unit,
            year,
            form.get("level", ""),
            form.get("decision_number", ""),
            decided_on,
            form.get("note", ""),
            version=bounded_int(form.get("version")),
            actor=current_user,
        )
    except Refused as refused:
        db.session.rollback()
        return _unit_page(unit, year, 422, refused.problems, form)
    except Conflict:
        db.session.rollback()
        problems = {"conflict": _("Someone else saved this meanwhile; nothing of yours was saved.")}
        return _unit_page(unit, year, 409, problems, form)
    flash(_("The agency's classification is saved."), "success")
    return see_other(
        url_for("people_classification.unit_page", unit=unit.id, year=year, _anchor="agency-title")
    )


def _row_response(person: Person, year: int, status: int, problems: dict[str, str]):
    """After a conclusion: the row and its group's quota (htmx), or the whole page."""
    data = service.unit_year(person.unit, year)
    row = next((row for row in data.rows if row.person.id == person.id), None)
    group = next((group for group, rows in data.groups if row in rows), None)
    context = {
        "unit": person.unit,
        "year": year,
        "data": data,
        "row": row,
        "group": group,
        "is_head": True,
        "problems": {person.id: problems} if problems else {},
        "typed": request.form if problems else None,
    }
    if is_htmx() and row is not None:
        return render(
            "people/classification/partials/_row_and_quota.html",
            "people/classification/partials/_row_and_quota.html",
            status=status,
            **context,
        )
    return render("people/classification/unit.html", status=status, **context)


@bp.post("/<int:person_id>/year/<int:year>/conclude")
@login_required
def conclude(person_id: int, year: int):
    """The head concludes one person's level; a break of the quota is refused (422, with the
    numbers) unless the competent authority's decision is recorded."""
    person = access.records_person_or_404(person_id, current_user)
    if not access.heads_unit(current_user, person.unit_id) or person.user_id == current_user.id:
        abort(403)
    year = _year(year)
    try:
        service.conclude(
            person,
            year,
            request.form.get("level", ""),
            request.form.get("head_text", ""),
            request.form.get("exception_decision", ""),
            version=_version(),
            actor=current_user,
        )
    except Refused as refused:
        return _row_response(person, year, 422, refused.problems)
    except Conflict:
        db.session.rollback()
        problems = {"conflict": _("Someone else saved this meanwhile; nothing of yours was saved.")}
        return _row_response(person, year, 409, problems)
    if is_htmx():
        return _row_response(person, year, 200, {})
    flash(_("Classification saved."), "success")
    return see_other(url_for("people_classification.unit_page", unit=person.unit_id, year=year))


@bp.post("/<int:person_id>/year/<int:year>/quota")
@login_required
def quota_preview(person_id: int, year: int):
    """The group's quota if the level chosen were concluded (nothing is saved)."""
    person = access.records_person_or_404(person_id, current_user)
    if not access.heads_unit(current_user, person.unit_id):
        abort(403)
    year = _year(year)
    level = request.form.get("level", "")
    found = service.classification_of(person, year)
    group = found.duty_group if found is not None and found.level else person.duty_group
    change = (
        person.id,
        level if level in LEVELS else None,
        bool(request.form.get("exception_decision", "").strip()),
    )
    quota = service.group_quota(
        found.unit_id if found is not None else person.unit_id, year, group, change=change
    )
    return render(
        "people/classification/partials/_quota.html",
        "people/classification/partials/_quota.html",
        group=quota,
        preview=True,
    )


@bp.get("/classification/<int:unit_id>/<int:year>.xlsx")
@login_required
def summary_xlsx(unit_id: int, year: int) -> Response:
    """The unit's summary table of the year, in Excel."""
    unit = _unit_or_404(unit_id)
    data = service.unit_year(unit, _year(year))
    response = make_response(service.summary_workbook(data))
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"xep-loai-{unit.code}-{year}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
