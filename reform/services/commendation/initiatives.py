"""The register of initiatives (sáng kiến): what titles such as Chiến sĩ thi đua depend on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from reform.extensions import db
from reform.models import Initiative, InitiativeAuthor, Person, Unit, User
from reform.scoring import vi_fold, vi_sort_key
from reform.scoring.eligibility import BASE, INITIATIVE_LEVELS, NATIONAL, PROVINCE
from reform.services.audit import record
from reform.validation import text_problem

LEVEL_LABELS = {
    BASE: _l("Base level (cơ sở)"),
    PROVINCE: _l("Province level"),
    NATIONAL: _l("National level"),
}
MAX_AUTHORS = 30
EARLIEST = date(1990, 1, 1)
# A list shows this many at most; a search narrows it.
LIST_LIMIT = 500


class Conflict(Exception):
    """Someone else saved the initiative since the form was opened."""


@dataclass
class InitiativeData:
    """What a unit records about one initiative."""

    title: str
    level: str
    recognised_on: date | None
    decision_number: str
    decision_date: date | None
    decision_issuer: str
    summary: str | None = None
    person_ids: list[int] = field(default_factory=list)
    other_authors: list[str] = field(default_factory=list)


def level_label(level: str | None) -> str:
    """An initiative level in the interface language."""
    found = LEVEL_LABELS.get(level or "")
    return str(found) if found is not None else (level or "")


def split_names(text: str | None) -> list[str]:
    """Author names typed one per line (or separated by semicolons), tidied, without repeats."""
    names: list[str] = []
    for part in (text or "").replace(";", "\n").splitlines():
        name = " ".join(part.split())
        if name and vi_fold(name) not in {vi_fold(n) for n in names}:
            names.append(name)
    return names


def staff_choices(unit_id: int, initiative: Initiative | None = None) -> list[Person]:
    """The unit's active people, and anyone already linked as an author, by name."""
    linked = {a.person_id for a in initiative.authors if a.person_id} if initiative else set()
    people = db.session.scalars(select(Person).where(Person.unit_id == unit_id)).all()
    chosen = [p for p in people if p.active or p.id in linked]
    return sorted(chosen, key=lambda p: p.sort_key or "")


def check(unit: Unit, data: InitiativeData, *, today: date) -> dict[str, str]:
    """What is wrong with the entered values, by field; empty when they can be saved."""
    problems: dict[str, str] = {}
    if data.level not in INITIATIVE_LEVELS:
        problems["level"] = _("Choose the level the initiative was recognised at.")
    for name, value in (
        ("recognised_on", data.recognised_on),
        ("decision_date", data.decision_date),
    ):
        if value is None:
            problems[name] = _("Give the date (dd/mm/yyyy).")
        elif not EARLIEST <= value <= today:
            problems[name] = _("A date from 01/01/1990 to today.")
    if (
        "recognised_on" not in problems
        and "decision_date" not in problems
        and data.recognised_on < data.decision_date
    ):
        problems["recognised_on"] = _("An initiative is recognised by the decision, not before it.")
    allowed = {p.id for p in staff_choices(unit.id)}
    if any(pid not in allowed for pid in data.person_ids):
        problems["person_ids"] = _("Choose authors among the unit's staff.")
    for name in data.other_authors:
        problem = text_problem(name, max_length=200, multiline=False)
        if problem:
            problems["other_authors"] = problem
            break
    if not data.person_ids and not data.other_authors:
        problems["other_authors"] = _("Name at least one author.")
    elif len(data.person_ids) + len(data.other_authors) > MAX_AUTHORS:
        problems["other_authors"] = _("At most %(n)s authors.", n=MAX_AUTHORS)
    return problems


def _authors(data: InitiativeData) -> list[InitiativeAuthor]:
    people = {
        p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(data.person_ids)))
    }
    authors = [
        InitiativeAuthor(name=people[pid].full_name, person_id=pid)
        for pid in data.person_ids
        if pid in people
    ]
    taken = {vi_fold(a.name) for a in authors}
    authors += [InitiativeAuthor(name=n) for n in data.other_authors if vi_fold(n) not in taken]
    for position, author in enumerate(authors):
        author.position = position
    return authors


def _apply(initiative: Initiative, data: InitiativeData) -> None:
    initiative.title = " ".join(data.title.split())
    initiative.level = data.level
    initiative.recognised_on = data.recognised_on
    initiative.decision_number = data.decision_number.strip()
    initiative.decision_date = data.decision_date
    initiative.decision_issuer = " ".join(data.decision_issuer.split())
    initiative.summary = (data.summary or "").strip() or None


def describe(initiative: Initiative) -> str:
    """One line for the audit log: title, level, date, decision, authors."""
    authors = ", ".join(a.name for a in initiative.authors)
    return (
        f"{initiative.title} | {initiative.level} | {initiative.recognised_on.isoformat()} | "
        f"{initiative.decision_number} {initiative.decision_date.isoformat()} "
        f"{initiative.decision_issuer} | {authors}"
    )


def create(unit: Unit, data: InitiativeData, *, actor: User | None) -> Initiative:
    """Record an initiative of the unit."""
    initiative = Initiative(unit_id=unit.id, created_by_id=actor.id if actor else None)
    _apply(initiative, data)
    initiative.authors = _authors(data)
    db.session.add(initiative)
    db.session.flush()
    record(
        "initiative_added",
        actor=actor,
        stage="initiatives",
        criterion_code=str(initiative.id),
        to_value=describe(initiative),
    )
    db.session.commit()
    return initiative


def update(initiative: Initiative, data: InitiativeData, *, version: int, actor: User | None):
    """Change an initiative; a save over a newer one is refused (Conflict), nothing saved."""
    if version != initiative.version:
        raise Conflict()
    before = describe(initiative)
    authors = _authors(data)  # read before any change, so that only one UPDATE is sent
    _apply(initiative, data)
    initiative.authors = authors
    # Authors alone changing still updates the row (and its version), so a parallel edit
    # of the authors is caught too.
    flag_modified(initiative, "title")
    db.session.flush()
    after = describe(initiative)
    if before != after:
        record(
            "initiative_changed",
            actor=actor,
            stage="initiatives",
            criterion_code=str(initiative.id),
            from_value=before,
            to_value=after,
        )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict() from exc
    return initiative


@dataclass(frozen=True)
class InitiativeFilter:
    """A search of the register: words of the title or an author's name, unit, level, year."""

    text: str = ""
    unit_id: int | None = None
    level: str | None = None
    year: int | None = None


def search(wanted: InitiativeFilter, *, unit_ids: set[int] | None) -> list[Initiative]:
    """Initiatives matching the filter, newest first; `unit_ids` None means every unit."""
    stmt = select(Initiative).options(
        selectinload(Initiative.authors), selectinload(Initiative.unit)
    )
    if unit_ids is not None:
        stmt = stmt.where(Initiative.unit_id.in_(unit_ids))
    if wanted.unit_id is not None:
        stmt = stmt.where(Initiative.unit_id == wanted.unit_id)
    if wanted.level in INITIATIVE_LEVELS:
        stmt = stmt.where(Initiative.level == wanted.level)
    if wanted.year is not None:
        stmt = stmt.where(extract("year", Initiative.recognised_on) == wanted.year)
    rows = db.session.scalars(
        stmt.order_by(Initiative.recognised_on.desc(), Initiative.id.desc())
    ).all()
    words = vi_fold(wanted.text).split()
    if words:
        rows = [r for r in rows if all(w in _haystack(r) for w in words)]
    return list(rows[:LIST_LIMIT])


def _haystack(initiative: Initiative) -> str:
    names = " ".join(a.name for a in initiative.authors)
    return vi_fold(f"{initiative.title} {names} {initiative.decision_number}")


def of_person(person: Person) -> list[Initiative]:
    """The initiatives a person is an author of: linked to them, or under their name in their
    unit when the author was typed by name."""
    linked = select(InitiativeAuthor.initiative_id).where(InitiativeAuthor.person_id == person.id)
    rows = db.session.scalars(
        select(Initiative)
        .where(Initiative.id.in_(linked) | (Initiative.unit_id == person.unit_id))
        .options(selectinload(Initiative.authors))
    ).all()
    folded = vi_fold(person.full_name)
    return [
        r
        for r in rows
        if any(
            a.person_id == person.id or (a.person_id is None and vi_fold(a.name) == folded)
            for a in r.authors
        )
    ]


def of_name(unit_id: int, name: str) -> list[Initiative]:
    """The unit's initiatives with an author of this name (a candidate not on the staff list)."""
    folded = vi_fold(name)
    rows = db.session.scalars(
        select(Initiative)
        .where(Initiative.unit_id == unit_id)
        .options(selectinload(Initiative.authors))
    ).all()
    return [r for r in rows if any(vi_fold(a.name) == folded for a in r.authors)]


def of_unit(unit_id: int) -> list[Initiative]:
    """Every initiative of a unit."""
    return list(db.session.scalars(select(Initiative).where(Initiative.unit_id == unit_id)))


def units_for(unit_ids: set[int] | None) -> list[Unit]:
    """The units a filter offers, in Vietnamese name order."""
    stmt = select(Unit).where(Unit.active.is_(True))
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(unit_ids))
    return sorted(db.session.scalars(stmt), key=lambda u: vi_sort_key(u.name))
