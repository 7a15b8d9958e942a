"""A person's periods: tasks and products, the self-score, the submission, the manager's review.

Every write names the version it started from (compare-and-set): a save over someone else's
newer save is refused with Conflict and changes nothing. Every change of a value, a task or a
total is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import Framework, PeopleSettings, Person, PersonPeriod, PersonTask, Unit, User
from reform.models.people import (
    CONFIRMED,
    DRAFT,
    MONTH,
    PERIOD_KINDS,
    QUARTER,
    SUBMITTED,
)
from reform.models.users import HEAD
from reform.scoring import Framework as Sheet
from reform.scoring import Node, Product, Scorecard, TaskSheet, ValueProblem, round2, score
from reform.scoring.numbers import fits_figure, parse_user_number
from reform.scoring.rules import TaskRule
from reform.scoring.tasks import TaskPercentages, average
from reform.services import audit
from reform.services import frameworks as framework_service
from reform.services.framework_cache import parsed_framework
from reform.services.notices import announce
from reform.services.notify import unit_people
from reform.services.people.access import manages, reviews
from reform.services.people.staff import Conflict
from reform.validation import text_problem

DEFAULT_SHEET = Path(__file__).resolve().parents[2] / "frameworks" / "cc-335-2026.yaml"
# Notification kinds.
PERIOD_SUBMITTED = "period_submitted"
PERIOD_REVIEWED = "period_reviewed"
PERIOD_RETURNED = "period_returned"
MAX_FAULTS = 99
ROMAN = ("I", "II", "III", "IV")


class Refused(ValueError):
    """Input a period cannot take; `problems` maps a field (a criterion code) to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


# ---- periods and the sheet they use ---------------------------------------------------------


def period_label(kind: str, year: int, number: int) -> str:
    """ "Tháng 3/2026" or "Quý I/2026" in the interface language."""
    if kind == QUARTER:
        return _("Quarter %(roman)s, %(year)s", roman=ROMAN[number - 1], year=year)
    return _("Month %(n)s/%(year)s", n=number, year=year)


def current_number(kind: str, day: date) -> int:
    """The month or the quarter a day falls in."""
    return day.month if kind == MONTH else (day.month - 1) // 3 + 1


def last_number(kind: str) -> int:
    """How many periods of the kind a year has."""
    return 12 if kind == MONTH else 4


def settings_for(unit_id: int) -> PeopleSettings:
    """The unit's settings (the defaults, unsaved, when it has none yet)."""
    found = db.session.get(PeopleSettings, unit_id)
    return found if found is not None else PeopleSettings(unit_id=unit_id, period_kind=MONTH)


def individual_frameworks() -> list[Framework]:
    """Every imported individual framework version, newest first."""
    return list(
        db.session.scalars(
            select(Framework)
            .where(Framework.kind == "individual")
            .order_by(Framework.version.desc(), Framework.id.desc())
        )
    )


def default_framework() -> Framework:
    """The latest individual framework; the shipped Decree 335 sheet is imported if none is."""
    found = individual_frameworks()
    if found:
        return found[0]
    from reform.services.frameworks import import_framework

    return import_framework(DEFAULT_SHEET.read_bytes())


def sheet_framework(unit_id: int) -> Framework:
    """The framework version a new period of the unit takes."""
    chosen = settings_for(unit_id).framework_id
    framework = db.session.get(Framework, chosen) if chosen else None
    return framework if framework is not None else default_framework()


def save_settings(
    unit: Unit, period_kind: str, framework_id: int | None, *, version: int | None, actor: User
) -> PeopleSettings:
    """Set a unit's period kind and sheet (periods already opened keep theirs)."""
    if period_kind not in PERIOD_KINDS:
        raise Refused({"period_kind": _("Choose monthly or quarterly.")})
    if framework_id is not None:
        framework = db.session.get(Framework, framework_id)
        if framework is None or framework.kind != "individual":
            raise Refused({"framework_id": _("Choose an individual framework.")})
    found = db.session.get(PeopleSettings, unit.id)
    if found is None:
        found = PeopleSettings(unit_id=unit.id)
        db.session.add(found)
    elif found.version != version:
        raise Conflict(found)
    before = f"{found.period_kind or ''} {found.framework_id or ''}".strip()
    found.period_kind, found.framework_id = period_kind, framework_id
    audit.record(
        "people_settings",
        actor=actor,
        from_value=before or None,
        to_value=f"unit={unit.id} {period_kind} {framework_id or ''}".strip(),
    )
    _commit()
    return found


def get_period(person: Person, kind: str, year: int, number: int) -> PersonPeriod | None:
    """The person's period of that kind, year and number, if opened."""
    return db.session.scalar(
        select(PersonPeriod).where(
            PersonPeriod.person_id == person.id,
            PersonPeriod.kind == kind,
            PersonPeriod.year == year,
            PersonPeriod.number == number,
        )
    )


def open_period(person: Person, year: int, number: int, *, actor: User) -> PersonPeriod:
    """The person's period (opened now in their unit's period kind and sheet if needed)."""
    kind = settings_for(person.unit_id).period_kind
    if not 1 <= number <= last_number(kind) or not 2000 <= year <= 2100:
        raise Refused({"number": _("There is no such period.")})
    found = get_period(person, kind, year, number)
    if found is not None:
        return found
    framework = sheet_framework(person.unit_id)
    period = PersonPeriod(
        person_id=person.id,
        unit_id=person.unit_id,
        framework_id=framework.id,
        year=year,
        kind=kind,
        number=number,
        status=DRAFT,
        self_values={},
    )
    db.session.add(period)
    # From now on this version is what the period's points mean.
    framework_service.lock(framework)
    db.session.flush()
    audit.record(
        "period_opened",
        actor=actor,
        person_id=person.id,
        stage=_stage(period),
        to_value=period_label(kind, year, number),
    )
    try:
        _commit()
    except Conflict:
        # Opened by someone else at the same moment (two taps): theirs is the period.
        found = get_period(person, kind, year, number)
        if found is None:
            raise
        return found
    return period


def load_period(period_id: int) -> PersonPeriod | None:
    """A period with its person, unit, framework and tasks."""
    return db.session.scalar(
        select(PersonPeriod)
        .where(PersonPeriod.id == period_id)
        .options(
            joinedload(PersonPeriod.person).joinedload(Person.manager),
            joinedload(PersonPeriod.unit),
            joinedload(PersonPeriod.framework),
            selectinload(PersonPeriod.tasks),
        )
    )


def person_periods(person: Person, year: int | None = None) -> list[PersonPeriod]:
    """The person's periods (of one year), the latest first."""
    stmt = select(PersonPeriod).where(PersonPeriod.person_id == person.id)
    if year is not None:
        stmt = stmt.where(PersonPeriod.year == year)
    return list(
        db.session.scalars(
            stmt.order_by(PersonPeriod.year.desc(), PersonPeriod.number.desc(), PersonPeriod.id)
        )
    )


# ---- scoring ---------------------------------------------------------------------------------


def person_kind(person: Person) -> str:
    """What an individual framework's applies_to names: 'leader' or 'staff'."""
    return "leader" if person.is_leader else "staff"


def task_codes(sheet: Sheet) -> list[str]:
    """The criteria computed from the tasks."""
    return [node.code for node in sheet.leaves() if isinstance(node.rule, TaskRule)]


def general_criteria(sheet: Sheet, person: Person) -> list[tuple[Node, int]]:
    """The criteria the person scores (and the headings above them), with their depth."""
    rows: list[tuple[Node, int]] = []
    kind = person_kind(person)

    def walk(nodes: Iterable[Node], depth: int) -> None:
        for node in nodes:
            if not sheet.applies_to_unit(node.code, kind):
                continue
            if node.is_leaf and isinstance(node.rule, TaskRule):
                continue
            if not node.is_leaf and all(
                isinstance(leaf.rule, TaskRule) for leaf in node.walk() if leaf.is_leaf
            ):
                continue
            rows.append((node, depth))
            walk(node.children, depth + 1)

    walk(sheet.criteria, 0)
    return rows


def products_of(tasks: Iterable[PersonTask]) -> tuple[Product, ...]:
    """The scoring core's products for a period's tasks."""
    return tuple(
        Product(
            weight=Decimal(task.weight),
            completed=task.completed,
            quality_met=task.quality_met,
            errors=task.errors,
            delays=task.delays,
            objective=task.objective,
        )
        for task in tasks
    )


def led_people(person: Person) -> list[Person]:
    """Everyone below a person in the chain of direct managers of their unit."""
    people = db.session.scalars(select(Person).where(Person.unit_id == person.unit_id)).all()
    below: dict[int | None, list[Person]] = {}
    for each in people:
        below.setdefault(each.manager_id, []).append(each)
    found: list[Person] = []
    seen = {person.id}
    queue = list(below.get(person.id, []))
    while queue:
        each = queue.pop()
        if each.id in seen:
            continue
        seen.add(each.id)
        found.append(each)
        queue.extend(below.get(each.id, []))
    return found


def led_percentages(period: PersonPeriod) -> TaskPercentages | None:
    """For a leader, the mean percentages of the people they lead, confirmed in the same period."""
    if not period.person.is_leader:
        return None
    ids = [each.id for each in led_people(period.person)]
    if not ids:
        return None
    rows = db.session.execute(
        select(PersonPeriod.quantity, PersonPeriod.quality, PersonPeriod.progress).where(
            PersonPeriod.person_id.in_(ids),
            PersonPeriod.kind == period.kind,
            PersonPeriod.year == period.year,
            PersonPeriod.number == period.number,
            PersonPeriod.status == CONFIRMED,
            PersonPeriod.quantity.is_not(None),
        )
    ).all()
    return average(TaskPercentages(*(Decimal(figure) for figure in row)) for row in rows)


def scorecard(
    period: PersonPeriod, values: Mapping[str, str], *, led: TaskPercentages | None = None
) -> Scorecard:
    """The period scored with these general-criteria values and its tasks as they stand."""
    sheet = parsed_framework(period.framework)
    given: dict[str, object] = {
        code: raw for code, raw in values.items() if code in sheet and raw not in ("", None)
    }
    if period.tasks:
        task_sheet = TaskSheet(products_of(period.tasks), led)
        for code in task_codes(sheet):
            given[code] = task_sheet
    return score(sheet, person_kind(period.person), given)  # type: ignore[arg-type]


def task_figures(
    period: PersonPeriod, led: TaskPercentages | None = None
) -> TaskPercentages | None:
    """The period's three percentages (a leader's blended as their sheet says), or None."""
    if not period.tasks:
        return None
    sheet = parsed_framework(period.framework)
    codes = task_codes(sheet)
    rule = sheet.node(codes[0]).rule if codes else None
    products = TaskSheet(products_of(period.tasks), led)
    if isinstance(rule, TaskRule):
        return rule.figures(products)
    return products.percentages()


@dataclass
class PeriodView:
    """What the period page shows: the criteria, the two scorecards, the percentages."""

    period: PersonPeriod
    sheet: Sheet
    criteria: list[tuple[Node, int]]
    self_card: Scorecard
    review_card: Scorecard | None
    figures: TaskPercentages | None
    led: TaskPercentages | None
    problems: dict[str, str] = field(default_factory=dict)


def period_view(period: PersonPeriod) -> PeriodView:
    """Score the period for its page."""
    sheet = parsed_framework(period.framework)
    led = led_percentages(period)
    review_values = period.review_values if period.review_values is not None else None
    return PeriodView(
        period=period,
        sheet=sheet,
        criteria=general_criteria(sheet, period.person),
        self_card=scorecard(period, period.self_values or {}, led=led),
        review_card=scorecard(period, review_values, led=led) if review_values else None,
        figures=task_figures(period, led),
        led=led,
    )


# ---- who may do what now --------------------------------------------------------------------


def is_own(user: User, period: PersonPeriod) -> bool:
    """Whether the signed-in user is the period's person."""
    return period.person.user_id is not None and period.person.user_id == user.id


def can_edit_tasks(user: User, period: PersonPeriod) -> bool:
    """The person records tasks while drafting; the reviewers adjust them until confirmed."""
    if period.status == DRAFT:
        return is_own(user, period) or reviews(user, period.person)
    return period.status == SUBMITTED and reviews(user, period.person)


def can_self_score(user: User, period: PersonPeriod) -> bool:
    """Only the person, while drafting."""
    return period.status == DRAFT and is_own(user, period)


def can_review(user: User, period: PersonPeriod) -> bool:
    """The manager or the head, once the person has submitted."""
    return period.status == SUBMITTED and reviews(user, period.person)


# ---- writes ---------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _stage(period: PersonPeriod) -> str:
    return f"{period.kind}:{period.year}-{period.number:02d}"


def _commit() -> None:
    """Commit; a row changed (or created) by someone else since it was read raises Conflict."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict(None) from exc


def _check_version(row: object, version: int | None) -> None:
    if version is None or getattr(row, "version", None) != version:
        raise Conflict(row)


def parse_values(period: PersonPeriod, raw: Mapping[str, str], stage: str) -> dict[str, str]:
    """The general-criteria values typed, checked by each criterion's rule; Refused by code."""
    sheet = parsed_framework(period.framework)
    allowed = {node.code for node, _depth in general_criteria(sheet, period.person) if node.is_leaf}
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    for code in sorted(allowed):
        text = (raw.get(code) or "").strip()
        if not text:
            continue
        try:
            sheet.node(code).parse_value(text, stage)
        except ValueProblem as problem:
            problems[code] = problem.vi if _is_vietnamese() else problem.message
            continue
        values[code] = text
    if problems:
        raise Refused(problems)
    return values


def _is_vietnamese() -> bool:
    from reform.i18n import is_vietnamese

    return is_vietnamese()


def save_self(
    period: PersonPeriod, raw: Mapping[str, str], *, version: int | None, actor: User
) -> PersonPeriod:
    """The person's self-score of the general criteria (a draft only)."""
    values = parse_values(period, raw, "self")
    _check_version(period, version)
    before = dict(period.self_values or {})
    for code in sorted(set(before) | set(values)):
        if before.get(code) != values.get(code):
            audit.record(
                "period_self_scored",
                actor=actor,
                person_id=period.person_id,
                stage=_stage(period),
                criterion_code=code,
                from_value=before.get(code),
                to_value=values.get(code),
            )
    period.self_values = values
    _commit()
    return period


@dataclass
class TaskData:
    """What the task form says."""

    name: str
    weight: Decimal
    completed: bool
    quality_met: bool
    errors: int
    delays: int


def parse_task(form: Mapping[str, str]) -> TaskData:
    """Read a task form; Refused with a message per field."""
    problems: dict[str, str] = {}
    name = " ".join((form.get("name") or "").split())
    if not name:
        problems["name"] = _("Name the task or product.")
    elif problem := text_problem(name, max_length=300, multiline=False):
        problems["name"] = problem
    weight = parse_user_number(form.get("weight") or "")
    if weight is None or weight <= 0 or not fits_figure(weight, 6, 4):
        problems["weight"] = _("The weight after conversion is a number greater than 0.")
    counts = {}
    for key in ("errors", "delays"):
        text = (form.get(key) or "0").strip()
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_FAULTS:
            problems[key] = _("A whole number from 0 to %(n)s.", n=MAX_FAULTS)
        else:
            counts[key] = int(text)
    if problems:
        raise Refused(problems)
    return TaskData(
        name=name,
        weight=weight,  # type: ignore[arg-type]
        completed=form.get("completed") in ("1", "y", "on", "true"),
        quality_met=form.get("quality_met") in ("1", "y", "on", "true"),
        errors=counts["errors"],
        delays=counts["delays"],
    )


def task_summary(task: PersonTask) -> str:
    """A task in one line, as the audit log keeps it."""
    flags = [
        "completed" if task.completed else "not completed",
        "quality met" if task.quality_met else "quality not met",
        f"errors={task.errors}",
        f"delays={task.delays}",
    ]
    if task.objective:
        flags.append("objective")
    return f"{task.name} | weight={round2(Decimal(task.weight))} | " + ", ".join(flags)


def add_task(period: PersonPeriod, data: TaskData, *, actor: User) -> PersonTask:
    """Add a task or product to the period."""
    position = max((task.position for task in period.tasks), default=0) + 1
    task = PersonTask(
        period_id=period.id,
        position=position,
        name=data.name,
        weight=data.weight,
        completed=data.completed,
        quality_met=data.quality_met,
        errors=data.errors,
        delays=data.delays,
        objective=False,
    )
    period.tasks.append(task)
    db.session.flush()
    audit.record(
        "task_added",
        actor=actor,
        person_id=period.person_id,
        stage=_stage(period),
        criterion_code=f"task:{task.id}",
        to_value=task_summary(task),
    )
    _commit()
    return task


def update_task(task: PersonTask, data: TaskData, *, version: int | None, actor: User) -> None:
    """Change a task as read at `version`."""
    _check_version(task, version)
    before = task_summary(task)
    task.name, task.weight = data.name, data.weight
    task.completed, task.quality_met = data.completed, data.quality_met
    task.errors, task.delays = data.errors, data.delays
    after = task_summary(task)
    if after != before:
        audit.record(
            "task_changed",
            actor=actor,
            person_id=task.period.person_id,
            stage=_stage(task.period),
            criterion_code=f"task:{task.id}",
            from_value=before,
            to_value=after,
        )
    _commit()


def delete_task(task: PersonTask, *, version: int | None, actor: User) -> None:
    """Remove a task recorded by mistake."""
    _check_version(task, version)
    period = task.period
    audit.record(
        "task_removed",
        actor=actor,
        person_id=period.person_id,
        stage=_stage(period),
        criterion_code=f"task:{task.id}",
        from_value=task_summary(task),
    )
    period.tasks.remove(task)
    _commit()


def set_objective(
    task: PersonTask, objective: bool, reason: str, *, version: int | None, actor: User
) -> None:
    """Mark (or unmark) the cause of a task's errors and delays as objective, with the reason.

    The caller checks that the actor is the person's manager or the unit head.
    """
    reason = reason.strip()
    if objective and not reason:
        raise Refused({"objective_reason": _("Give the objective cause.")})
    if problem := text_problem(reason, max_length=1000):
        raise Refused({"objective_reason": problem})
    _check_version(task, version)
    before = task_summary(task)
    task.objective = objective
    task.objective_reason = reason if objective else None
    task.objective_by_id = actor.id if objective else None
    audit.record(
        "task_objective" if objective else "task_not_objective",
        actor=actor,
        person_id=task.period.person_id,
        stage=_stage(task.period),
        criterion_code=f"task:{task.id}",
        from_value=before,
        to_value=task_summary(task),
        reason=reason or None,
    )
    _commit()


def missing_criteria(view: PeriodView, values: Mapping[str, str]) -> list[Node]:
    """General criteria with no value yet."""
    return [node for node, _depth in view.criteria if node.is_leaf and not values.get(node.code)]


def submit(period: PersonPeriod, *, version: int | None, actor: User) -> PersonPeriod:
    """Send the period to the manager: every general criterion scored, at least one task."""
    _check_version(period, version)
    view = period_view(period)
    problems: dict[str, str] = {}
    if not period.tasks:
        problems["tasks"] = _("Record at least one task or product of the period.")
    missing = missing_criteria(view, period.self_values or {})
    if missing:
        problems["self"] = _(
            "Score every general criterion first: %(codes)s.",
            codes=", ".join(node.code for node in missing),
        )
    if problems:
        raise Refused(problems)
    period.status = SUBMITTED
    period.submitted_at = _now()
    period.self_points = view.self_card.points
    period.review_values = None
    audit.record(
        "period_submitted",
        actor=actor,
        person_id=period.person_id,
        stage=_stage(period),
        to_points=view.self_card.points,
    )
    # Named in each recipient's language, inside the message.
    label = partial(period_label, period.kind, period.year, period.number)
    name = period.person.full_name
    announce(
        _reviewers(period.person),
        PERIOD_SUBMITTED,
        f"/people/periods/{period.id}",
        lambda: _("%(name)s submitted %(period)s for your review.", name=name, period=label()),
        actor=actor,
    )
    _commit()
    return period


def _reviewers(person: Person) -> list[User]:
    """Who is told a period waits: the manager's account, else the unit's heads."""
    manager = person.manager
    if manager is not None and manager.user is not None and manager.user.active:
        return [manager.user]
    return unit_people(person.unit_id, (HEAD,))


def review(
    period: PersonPeriod,
    raw: Mapping[str, str],
    comment: str,
    *,
    version: int | None,
    actor: User,
) -> PersonPeriod:
    """The manager confirms the period, or adjusts it: a comment is required when the confirmed
    total differs from the person's own."""
    values = parse_values(period, raw, "appraisal")
    view = period_view(period)
    missing = missing_criteria(view, values)
    if missing:
        raise Refused(
            {
                missing[0].code: _(
                    "Score every general criterion: %(codes)s.",
                    codes=", ".join(node.code for node in missing),
                )
            }
        )
    comment = comment.strip()
    if problem := text_problem(comment):
        raise Refused({"comment": problem})
    led = view.led
    card = scorecard(period, values, led=led)
    differs = period.self_points is None or round2(card.points) != round2(period.self_points)
    if differs and not comment:
        raise Refused(
            {"comment": _("Your total differs from the person's own: say why in the comment.")}
        )
    _check_version(period, version)
    for code in sorted(set(values) | set(period.self_values or {})):
        if values.get(code) != (period.self_values or {}).get(code):
            audit.record(
                "period_adjusted",
                actor=actor,
                person_id=period.person_id,
                stage=_stage(period),
                criterion_code=code,
                from_value=(period.self_values or {}).get(code),
                to_value=values.get(code),
                reason=comment or None,
            )
    _store_totals(period, card, task_figures(period, led))
    period.review_values = values
    period.review_comment = comment or None
    period.status = CONFIRMED
    period.reviewed_at = _now()
    period.reviewed_by_id = actor.id
    audit.record(
        "period_confirmed",
        actor=actor,
        person_id=period.person_id,
        stage=_stage(period),
        from_points=period.self_points,
        to_points=card.points,
        reason=comment or None,
    )
    # Named in each recipient's language, inside the message.
    label = partial(period_label, period.kind, period.year, period.number)
    points = round2(card.points)
    adjusted = differs
    if period.person.user is not None:
        announce(
            [period.person.user],
            PERIOD_REVIEWED,
            f"/people/periods/{period.id}",
            lambda: (
                _(
                    "Your %(period)s was adjusted: %(points)s points.",
                    period=label(),
                    points=fmt_number(points),
                )
                if adjusted
                else _(
                    "Your %(period)s was confirmed: %(points)s points.",
                    period=label(),
                    points=fmt_number(points),
                )
            ),
            actor=actor,
        )
    db.session.flush()
    _refresh_leaders(period, actor)
    _commit()
    return period


def _store_totals(period: PersonPeriod, card: Scorecard, figures: TaskPercentages | None) -> None:
    period.points = card.points
    period.quantity = figures.quantity if figures else None
    period.quality = figures.quality if figures else None
    period.progress = figures.progress if figures else None


def _refresh_leaders(period: PersonPeriod, actor: User) -> None:
    """Confirmed periods of the leaders above take the new figures of those they lead."""
    seen = {period.person_id}
    manager = period.person.manager
    while manager is not None and manager.id not in seen:
        seen.add(manager.id)
        above = get_period(manager, period.kind, period.year, period.number)
        if above is not None and above.status == CONFIRMED and manager.is_leader:
            led = led_percentages(above)
            card = scorecard(above, above.review_values or {}, led=led)
            if round2(card.points) != round2(Decimal(above.points or 0)):
                audit.record(
                    "period_recomputed",
                    actor=actor,
                    person_id=above.person_id,
                    stage=_stage(above),
                    from_points=above.points,
                    to_points=card.points,
                    reason=_("Results of the people they lead changed."),
                )
            _store_totals(above, card, task_figures(above, led))
            db.session.flush()
        manager = manager.manager


def reopen(period: PersonPeriod, reason: str, *, version: int | None, actor: User) -> PersonPeriod:
    """One step back, with the reason: a confirmed period to review again, a submitted one back
    to the person for changes."""
    reason = reason.strip()
    if not reason:
        raise Refused({"reason": _("Give the reason.")})
    if problem := text_problem(reason):
        raise Refused({"reason": problem})
    _check_version(period, version)
    before = period.status
    if before == CONFIRMED:
        period.status = SUBMITTED
        period.points = period.quantity = period.quality = period.progress = None
    elif before == SUBMITTED:
        period.status = DRAFT
        period.self_points = None
    else:
        raise Refused({"reason": _("A draft has nothing to reopen.")})
    audit.record(
        "period_reopened",
        actor=actor,
        person_id=period.person_id,
        stage=_stage(period),
        from_value=before,
        to_value=period.status,
        reason=reason,
    )
    # Named in each recipient's language, inside the message.
    label = partial(period_label, period.kind, period.year, period.number)
    if period.person.user is not None:
        announce(
            [period.person.user],
            PERIOD_RETURNED,
            f"/people/periods/{period.id}",
            lambda: _("Your %(period)s was reopened: %(reason)s", period=label(), reason=reason),
            actor=actor,
        )
    db.session.flush()
    _refresh_leaders(period, actor)
    _commit()
    return period


# ---- overviews ------------------------------------------------------------------------------


def team_of(user: User, unit: Unit) -> list[Person]:
    """Whom the user follows in the unit: the head and the central roles everyone, a manager
    their direct reports."""
    from reform.services.people.access import heads_unit, is_central

    people = db.session.scalars(
        select(Person)
        .where(Person.unit_id == unit.id, Person.active.is_(True))
        .options(joinedload(Person.manager))
        .order_by(Person.sort_key, Person.id)
    ).all()
    if is_central(user) or heads_unit(user, unit.id):
        return list(people)
    return [person for person in people if manages(user, person)]


def periods_by_person(
    people: Iterable[Person], kind: str, year: int, number: int
) -> dict[int, PersonPeriod]:
    """The people's periods of that kind, year and number, by person id."""
    ids = [person.id for person in people]
    if not ids:
        return {}
    return {
        period.person_id: period
        for period in db.session.scalars(
            select(PersonPeriod).where(
                PersonPeriod.person_id.in_(ids),
                PersonPeriod.kind == kind,
                PersonPeriod.year == year,
                PersonPeriod.number == number,
            )
        )
    }
