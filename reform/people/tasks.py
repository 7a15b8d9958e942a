"""Tasks and periodic scores: a person's month or quarter, the manager's review, the team."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Person, PersonPeriod, PersonTask, Unit
from reform.models.people import CONFIRMED, DRAFT, MONTH, PERIOD_KINDS, SUBMITTED
from reform.services.people import access
from reform.services.people import tasks as service
from reform.services.people.staff import Conflict
from reform.services.phases import today
from reform.validation import bounded_int, query_int
from reform.web import render, see_other

bp = Blueprint("people_tasks", __name__, url_prefix="/people")


@bp.app_template_global()
def my_person() -> Person | None:
    """The person the signed-in account is linked to (read once per request)."""
    if "my_person" not in g:
        g.my_person = access.linked_person(current_user)
    return g.my_person


@bp.app_template_global()
def follows_people() -> bool:
    """Whether the signed-in user follows anyone's periods: a unit head, or a manager."""
    if current_user.has_role("head"):
        return True
    person = my_person()
    if person is None:
        return False
    return (
        db.session.scalar(select(Person.id).where(Person.manager_id == person.id).limit(1))
        is not None
    )


@bp.app_template_global()
def sees_records(person: Person) -> bool:
    """Whether the signed-in user may open the person's tasks and scores."""
    return access.sees_records_of(current_user, person)


@bp.app_template_global()
def period_name(period: PersonPeriod) -> str:
    """A period's name in the interface language."""
    return service.period_label(period.kind, period.year, period.number)


@bp.app_template_global()
def period_label_of(kind: str, year: int, number: int) -> str:
    """A period not opened yet, by name."""
    return service.period_label(kind, year, number)


@bp.app_template_global()
def period_status_label(status: str) -> str:
    """A period's status in words."""
    return {
        DRAFT: _("Being recorded"),
        SUBMITTED: _("Waiting for the manager"),
        CONFIRMED: _("Confirmed by the manager"),
    }.get(status, status)


def _period_or_404(period_id: int) -> PersonPeriod:
    period = service.load_period(period_id)
    if period is None or not access.sees_records_of(current_user, period.person):
        abort(404)
    return period


def _task_or_404(task_id: int) -> PersonTask:
    task = db.session.get(PersonTask, task_id)
    if task is None:
        abort(404)
    _period_or_404(task.period_id)
    return task


def _version() -> int | None:
    return bounded_int(request.form.get("version", ""))


def _values(prefix: str = "v-") -> dict[str, str]:
    """Criterion values typed in a form (fields named v-<code>)."""
    return {
        key[len(prefix) :]: value
        for key, value in request.form.items()
        if key.startswith(prefix) and len(key) <= 60
    }


ACTION_WORDS = {
    "period_opened": lambda: _("period opened"),
    "period_self_scored": lambda: _("self-score changed"),
    "task_added": lambda: _("task recorded"),
    "task_changed": lambda: _("task changed"),
    "task_removed": lambda: _("task removed"),
    "task_objective": lambda: _("cause marked objective"),
    "task_not_objective": lambda: _("objective cause removed"),
    "period_submitted": lambda: _("sent to the manager"),
    "period_adjusted": lambda: _("adjusted by the reviewer"),
    "period_confirmed": lambda: _("confirmed"),
    "period_reopened": lambda: _("reopened"),
    "period_recomputed": lambda: _("recomputed from the people led"),
}


@bp.app_template_global()
def period_action_label(action: str) -> str:
    """An event of a period's history in words."""
    words = ACTION_WORDS.get(action)
    return words() if words is not None else action


def _history(period: PersonPeriod) -> list[AuditEvent]:
    """The period's changes, newest first (the audit log keeps every one)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.person_id == period.person_id,
                AuditEvent.stage == f"{period.kind}:{period.year}-{period.number:02d}",
            )
            .order_by(AuditEvent.id.desc())
            .limit(100)
        )
    )


def _page(period: PersonPeriod, status: int = 200, **extra):
    """The period page; after a refused write, with the problems and what was typed."""
    view = service.period_view(period)
    view.problems = extra.pop("problems", {})
    return render(
        "people/tasks/period.html",
        status=status,
        view=view,
        history=_history(period),
        period=period,
        can_edit_tasks=service.can_edit_tasks(current_user, period),
        can_self_score=service.can_self_score(current_user, period),
        can_review=service.can_review(current_user, period),
        reviewer=access.reviews(current_user, period.person),
        own=service.is_own(current_user, period),
        typed=extra.pop("typed", None),
        **extra,
    )


def _refused(period: PersonPeriod, problems: dict[str, str]):
    return _page(period, 422, problems=problems, typed=request.form)


def _conflict(period: PersonPeriod):
    db.session.rollback()
    db.session.expire_all()
    fresh = service.load_period(period.id)
    message = _(
        "Someone else saved this period meanwhile. Nothing of yours was saved; what you typed "
        "is still in the form. Check the current state and save again."
    )
    return _page(fresh, 409, problems={"conflict": message}, typed=request.form)


def _not_now(period: PersonPeriod, allowed_somehow: bool):
    """403 for someone who never may; 409 (with the state) for someone who may, but not now."""
    if not allowed_somehow:
        abort(403)
    message = _("This period is now: %(status)s.", status=period_status_label(period.status))
    return _page(period, 409, problems={"conflict": message})


# ---- the person's own pages ------------------------------------------------------------------


@bp.get("/me")
@login_required
def me():
    """The signed-in person's current period, or the way to open it."""
    person = my_person()
    if person is None:
        return render("people/tasks/not_linked.html")
    kind = service.settings_for(person.unit_id).period_kind
    day = today()
    number = service.current_number(kind, day)
    found = service.get_period(person, kind, day.year, number)
    if found is not None:
        return redirect(url_for("people_tasks.period", period_id=found.id))
    return redirect(url_for("people_tasks.periods", person_id=person.id))


@bp.get("/<int:person_id>/periods")
@login_required
def periods(person_id: int):
    """A person's periods of a year, with the ones not opened yet."""
    person = access.records_person_or_404(person_id, current_user)
    year = query_int("year", low=2000, high=2100) or today().year
    kind = service.settings_for(person.unit_id).period_kind
    opened = {(p.kind, p.number): p for p in service.person_periods(person, year)}
    numbers = range(service.last_number(kind), 0, -1)
    may_open = access.reviews(current_user, person) or person.user_id == current_user.id
    return render(
        "people/tasks/periods.html",
        person=person,
        year=year,
        kind=kind,
        numbers=numbers,
        opened=opened,
        others=[p for p in opened.values() if p.kind != kind],
        may_open=may_open,
        current=(today().year, service.current_number(kind, today())),
    )


@bp.post("/<int:person_id>/periods")
@login_required
def open_period(person_id: int):
    """Open a period to record it (the person, their manager or the head)."""
    person = access.records_person_or_404(person_id, current_user)
    if not (access.reviews(current_user, person) or person.user_id == current_user.id):
        abort(403)
    year = bounded_int(request.form.get("year", ""), low=2000, high=2100)
    number = bounded_int(request.form.get("number", ""), low=1, high=12)
    if year is None or number is None:
        flash(_("There is no such period."), "error")
        return see_other(url_for("people_tasks.periods", person_id=person.id))
    try:
        period = service.open_period(person, year, number, actor=current_user)
    except (service.Refused, Conflict):
        flash(_("There is no such period."), "error")
        return see_other(url_for("people_tasks.periods", person_id=person.id))
    return see_other(url_for("people_tasks.period", period_id=period.id))


@bp.get("/periods/<int:period_id>")
@login_required
def period(period_id: int):
    """A period: its tasks and products, the self-score, the manager's review."""
    return _page(_period_or_404(period_id))


@bp.post("/periods/<int:period_id>/self")
@login_required
def save_self(period_id: int):
    """The person saves their self-score of the general criteria."""
    period = _period_or_404(period_id)
    if not service.can_self_score(current_user, period):
        return _not_now(period, service.is_own(current_user, period))
    try:
        service.save_self(period, _values(), version=_version(), actor=current_user)
    except service.Refused as refused:
        return _refused(period, refused.problems)
    except Conflict:
        return _conflict(period)
    flash(_("Self-score saved."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id, _anchor="self"))


@bp.post("/periods/<int:period_id>/preview")
@login_required
def preview(period_id: int):
    """The total the values typed would give (nothing is saved)."""
    period = _period_or_404(period_id)
    values = {
        code: text
        for code, text in _values().items()
        if code in service.parsed_framework(period.framework)
    }
    try:
        checked = service.parse_values(period, values, "self")
        problems: dict[str, str] = {}
    except service.Refused as refused:
        checked = {k: v for k, v in values.items() if k not in refused.problems}
        problems = refused.problems
    view = service.period_view(period)
    card = service.scorecard(period, checked, led=view.led)
    return render(
        "people/tasks/partials/_total.html",
        "people/tasks/partials/_total.html",
        card=card,
        problems=problems,
        total_id=request.form.get("target", "self-total")[:40],
    )


@bp.post("/periods/<int:period_id>/submit")
@login_required
def submit(period_id: int):
    """The person sends the period to their manager."""
    period = _period_or_404(period_id)
    if not (period.status == DRAFT and service.is_own(current_user, period)):
        return _not_now(period, service.is_own(current_user, period))
    try:
        service.submit(period, version=_version(), actor=current_user)
    except service.Refused as refused:
        return _refused(period, refused.problems)
    except Conflict:
        return _conflict(period)
    flash(_("Sent to your manager."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id))


@bp.post("/periods/<int:period_id>/review")
@login_required
def review(period_id: int):
    """The manager (or the head) confirms or adjusts the period."""
    period = _period_or_404(period_id)
    if not service.can_review(current_user, period):
        return _not_now(period, access.reviews(current_user, period.person))
    try:
        service.review(
            period,
            _values(),
            request.form.get("comment", ""),
            version=_version(),
            actor=current_user,
        )
    except service.Refused as refused:
        return _refused(period, refused.problems)
    except Conflict:
        return _conflict(period)
    flash(_("The period is confirmed."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id))


@bp.post("/periods/<int:period_id>/reopen")
@login_required
def reopen(period_id: int):
    """The manager (or the head) takes the period one step back, with the reason."""
    period = _period_or_404(period_id)
    if not access.reviews(current_user, period.person):
        abort(403)
    try:
        service.reopen(
            period, request.form.get("reason", ""), version=_version(), actor=current_user
        )
    except service.Refused as refused:
        return _refused(period, refused.problems)
    except Conflict:
        return _conflict(period)
    flash(_("The period is reopened."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id))


# ---- tasks and products ----------------------------------------------------------------------


@bp.post("/periods/<int:period_id>/tasks")
@login_required
def add_task(period_id: int):
    """Record a task or product of the period."""
    period = _period_or_404(period_id)
    if not service.can_edit_tasks(current_user, period):
        return _not_now(
            period,
            service.is_own(current_user, period) or access.reviews(current_user, period.person),
        )
    try:
        data = service.parse_task(request.form)
        service.add_task(period, data, actor=current_user)
    except service.Refused as refused:
        return _refused(period, {f"new-{k}": v for k, v in refused.problems.items()})
    flash(_("Task recorded."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id, _anchor="tasks"))


@bp.post("/tasks/<int:task_id>")
@login_required
def update_task(task_id: int):
    """Change a task: what it is, its weight, whether done well and on time."""
    task = _task_or_404(task_id)
    period = task.period
    if not service.can_edit_tasks(current_user, period):
        return _not_now(
            period,
            service.is_own(current_user, period) or access.reviews(current_user, period.person),
        )
    try:
        data = service.parse_task(request.form)
        service.update_task(task, data, version=_version(), actor=current_user)
    except service.Refused as refused:
        return _refused(period, {f"{task.id}-{k}": v for k, v in refused.problems.items()})
    except Conflict:
        return _conflict(period)
    flash(_("Task saved."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id, _anchor=f"task-{task.id}"))


@bp.post("/tasks/<int:task_id>/delete")
@login_required
def delete_task(task_id: int):
    """Remove a task recorded by mistake."""
    task = _task_or_404(task_id)
    period = task.period
    if not service.can_edit_tasks(current_user, period):
        return _not_now(
            period,
            service.is_own(current_user, period) or access.reviews(current_user, period.person),
        )
    try:
        service.delete_task(task, version=_version(), actor=current_user)
    except Conflict:
        return _conflict(period)
    flash(_("Task removed."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id, _anchor="tasks"))


@bp.post("/tasks/<int:task_id>/objective")
@login_required
def objective(task_id: int):
    """The manager or the head marks the cause of a task's errors and delays objective."""
    task = _task_or_404(task_id)
    period = task.period
    if not access.reviews(current_user, period.person):
        abort(403)
    if period.status == CONFIRMED:
        return _not_now(period, True)
    try:
        service.set_objective(
            task,
            request.form.get("objective") == "1",
            request.form.get("objective_reason", ""),
            version=_version(),
            actor=current_user,
        )
    except service.Refused as refused:
        return _refused(period, {f"{task.id}-{k}": v for k, v in refused.problems.items()})
    except Conflict:
        return _conflict(period)
    flash(_("Cause recorded."), "success")
    return see_other(url_for("people_tasks.period", period_id=period.id, _anchor=f"task-{task.id}"))


# ---- the team and the unit ------------------------------------------------------------------


def _unit_for_team() -> Unit:
    """The unit whose people the user follows: asked for, else their own or their person's."""
    unit_id = query_int("unit")
    if unit_id is None:
        person = my_person()
        unit_id = current_user.unit_id or (person.unit_id if person else None)
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None:
        abort(404)
    return unit


@bp.get("/team")
@login_required
def team():
    """The people the user follows for one period: the manager's team, the head's unit."""
    unit = _unit_for_team()
    people = service.team_of(current_user, unit)
    if not people and not (
        access.is_central(current_user) or access.heads_unit(current_user, unit.id)
    ):
        abort(404)
    kind = service.settings_for(unit.id).period_kind
    day = today()
    year = query_int("year", low=2000, high=2100) or day.year
    number = query_int("number", low=1, high=service.last_number(kind))
    number = number or service.current_number(kind, day)
    found = service.periods_by_person(people, kind, year, number)
    return render(
        "people/tasks/team.html",
        unit=unit,
        rows=[(person, found.get(person.id)) for person in people],
        kind=kind,
        year=year,
        number=number,
        numbers=range(1, service.last_number(kind) + 1),
        label=service.period_label(kind, year, number),
        is_head=access.heads_unit(current_user, unit.id),
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """A unit's choice of monthly or quarterly periods and of the sheet (head, secretariat)."""
    unit_id = query_int("unit") or current_user.unit_id
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not (
        access.is_central(current_user) or access.heads_unit(current_user, unit.id)
    ):
        abort(404)
    current = service.settings_for(unit.id)
    frameworks = service.individual_frameworks()
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        kind = request.form.get("period_kind", "")
        framework_id = bounded_int(request.form.get("framework_id", "")) or None
        try:
            service.save_settings(unit, kind, framework_id, version=_version(), actor=current_user)
        except service.Refused as refused:
            problems, status = refused.problems, 422
        except Conflict:
            db.session.rollback()
            problems = {"conflict": _("Someone else changed these settings meanwhile.")}
            status = 409
            current = service.settings_for(unit.id)
        else:
            flash(_("Period settings saved."), "success")
            return see_other(url_for("people_tasks.settings", unit=unit.id))
    return render(
        "people/tasks/settings.html",
        status=status,
        unit=unit,
        current=current,
        frameworks=frameworks,
        kinds=PERIOD_KINDS,
        problems=problems,
        month=MONTH,
    )
