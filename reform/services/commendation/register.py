"""The award register: every title and award conferred on people and collectives, by year,
with its decision; search, histories, statistics, and the facts eligibility reads from it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Award, Person, Unit, User
from reform.models.commendation import ENTERED, FAMILIES
from reform.models.titles import COLLECTIVE, INDIVIDUAL, TITLE
from reform.scoring import vi_fold, vi_sort_key
from reform.services.audit import record
from reform.services.commendation import catalogue
from reform.services.emulation.titles import LEVELS
from reform.validation import text_problem

EARLIEST_YEAR = 1990
LIST_LIMIT = 1000
SOURCE_LABELS = {
    "entered": _l("Entered"),
    "imported": _l("Imported"),
    "decided": _l("Decision in the application"),
}


@dataclass
class AwardData:
    """What the secretariat enters for one register entry."""

    year: int | None
    title_code: str
    unit_id: int | None
    recipient_name: str
    decision_number: str
    decision_date: date | None
    signer: str
    person_id: int | None = None
    note: str | None = None


def entries() -> list[dict]:
    """The entries of the catalogue in force, collectives first, by position."""
    version = catalogue.current()
    if version is None:
        return []
    return [view.entry for view in catalogue.entry_views(version)]


def recipient_key(award: Award) -> tuple:
    """Who an entry is for: the linked person, else the name (folded) within the unit."""
    if award.scope == COLLECTIVE:
        return ("unit", award.unit_id)
    if award.person_id is not None:
        return ("person", award.person_id)
    return ("name", award.unit_id, vi_fold(award.recipient_name))


def match_person(unit_id: int, name: str, code: str | None = None) -> Person | None:
    """The unit's person by staff number, else the only one with this name; None otherwise."""
    people = db.session.scalars(select(Person).where(Person.unit_id == unit_id)).all()
    if code:
        found = [p for p in people if p.code == code]
        return found[0] if found else None
    folded = vi_fold(name)
    named = [p for p in people if vi_fold(p.full_name) == folded]
    return named[0] if len(named) == 1 else None


def check(data: AwardData, *, today: date, current: Award | None = None) -> dict[str, str]:
    """What is wrong with the entered values, by field; empty when the entry can be saved."""
    problems: dict[str, str] = {}
    entry = next((e for e in entries() if e["code"] == data.title_code), None)
    if entry is None:
        problems["title_code"] = _("Choose a title or award of the catalogue.")
    if data.year is None or not EARLIEST_YEAR <= data.year <= today.year:
        problems["year"] = _(
            "A year from %(first)s to %(last)s.", first=EARLIEST_YEAR, last=today.year
        )
    unit = db.session.get(Unit, data.unit_id) if data.unit_id is not None else None
    if unit is None:
        problems["unit_id"] = _("Choose the unit.")
    if entry is not None and entry["scope"] == INDIVIDUAL:
        if data.person_id is not None:
            person = db.session.get(Person, data.person_id)
            if person is None or unit is None or person.unit_id != unit.id:
                problems["person_id"] = _("Choose someone of the unit's staff.")
        elif not data.recipient_name.strip():
            problems["recipient_name"] = _("Give the person's full name.")
    for name, value, size in (
        ("recipient_name", data.recipient_name, 300),
        ("decision_number", data.decision_number, 60),
        ("signer", data.signer, 300),
    ):
        problem = text_problem(value, max_length=size, multiline=False)
        if problem:
            problems[name] = problem
    if not data.decision_number.strip():
        problems["decision_number"] = _("Give the decision's number, e.g. 125/QĐ-UBND.")
    if not data.signer.strip():
        problems["signer"] = _("Give who signed the decision, with their position.")
    if data.decision_date is None:
        problems["decision_date"] = _("Give the date (dd/mm/yyyy).")
    elif not date(EARLIEST_YEAR, 1, 1) <= data.decision_date <= today:
        problems["decision_date"] = _("A date from 01/01/1990 to today.")
    elif data.year is not None and data.decision_date.year < data.year:
        problems["decision_date"] = _("The decision cannot come before the year it rewards.")
    problem = text_problem(data.note, max_length=2000)
    if problem:
        problems["note"] = problem
    if not problems and entry is not None and unit is not None:
        clash = _duplicate(data, entry, unit, current)
        if clash:
            problems["title_code"] = clash
    return problems


def _recipient(data: AwardData, entry: dict, unit: Unit) -> tuple[Person | None, str]:
    if entry["scope"] == COLLECTIVE:
        return None, " ".join(data.recipient_name.split()) or unit.name
    person = db.session.get(Person, data.person_id) if data.person_id else None
    name = " ".join(data.recipient_name.split())
    if person is None:
        person = match_person(unit.id, name)
    return person, name or (person.full_name if person else "")


def _duplicate(data: AwardData, entry: dict, unit: Unit, current: Award | None) -> str | None:
    """A title held twice in a year by the same recipient, or the same decision twice."""
    person, name = _recipient(data, entry, unit)
    probe = Award(
        scope=entry["scope"],
        unit_id=unit.id,
        person_id=person.id if person else None,
        recipient_name=name,
    )
    key = recipient_key(probe)
    same = db.session.scalars(
        select(Award).where(
            Award.year == data.year, Award.title_code == entry["code"], Award.unit_id == unit.id
        )
    ).all()
    for other in same:
        if other is current or (recipient_key(other) != key and not _same_name(other, probe)):
            continue
        if entry["kind"] == TITLE:
            return _("The register already holds this title for them in %(year)s.", year=data.year)
        if other.decision_number.strip().lower() == data.decision_number.strip().lower():
            return _("The register already holds this award under the same decision.")
    return None


def _same_name(a: Award, b: Award) -> bool:
    return a.scope == b.scope == INDIVIDUAL and vi_fold(a.recipient_name) == vi_fold(
        b.recipient_name
    )


def _apply(award: Award, data: AwardData, entry: dict, unit: Unit) -> None:
    person, name = _recipient(data, entry, unit)
    award.year = data.year
    award.scope = entry["scope"]
    award.unit_id = unit.id
    award.person_id = person.id if person else None
    award.recipient_name = name
    award.title_code = entry["code"]
    award.title_name = entry["name"]
    award.kind = entry["kind"]
    award.level = entry["level"]
    award.family = entry["family"]
    award.decision_number = data.decision_number.strip()
    award.decision_date = data.decision_date
    award.signer = " ".join(data.signer.split())
    award.note = (data.note or "").strip() or None


def describe(award: Award) -> str:
    """One line for the audit log."""
    return (
        f"{award.year} | {award.title_code} | {award.recipient_name} | {award.unit_id} | "
        f"{award.decision_number} {award.decision_date.isoformat()} | {award.signer}"
    )


def create(data: AwardData, *, actor: User | None, source: str = ENTERED) -> Award:
    """Add an entry (checked by `check` first)."""
    entry = next(e for e in entries() if e["code"] == data.title_code)
    unit = db.session.get(Unit, data.unit_id)
    award = Award(source=source, created_by_id=actor.id if actor else None)
    _apply(award, data, entry, unit)
    db.session.add(award)
    db.session.flush()
    record(
        "award_added",
        actor=actor,
        stage="awards",
        criterion_code=award.title_code,
        to_value=describe(award),
        person_id=award.person_id,
    )
    db.session.commit()
    return award


def update(award: Award, data: AwardData, *, actor: User | None) -> Award:
    """Correct an entry; the log keeps what it read before."""
    entry = next(e for e in entries() if e["code"] == data.title_code)
    unit = db.session.get(Unit, data.unit_id)
    before = describe(award)
    _apply(award, data, entry, unit)
    after = describe(award)
    if before != after:
        record(
            "award_changed",
            actor=actor,
            stage="awards",
            criterion_code=award.title_code,
            from_value=before,
            to_value=after,
            person_id=award.person_id,
        )
    db.session.commit()
    return award


def delete(award: Award, *, actor: User | None, reason: str) -> None:
    """Remove an entry recorded by mistake, with the reason in the log."""
    record(
        "award_deleted",
        actor=actor,
        stage="awards",
        criterion_code=award.title_code,
        from_value=describe(award),
        reason=reason,
        person_id=award.person_id,
    )
    db.session.delete(award)
    db.session.commit()


# ---- search and histories ---------------------------------------------------------------


@dataclass(frozen=True)
class AwardFilter:
    """A search of the register: name words, unit, year, level, scope, title."""

    text: str = ""
    unit_id: int | None = None
    year: int | None = None
    level: str | None = None
    scope: str | None = None
    title_code: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.text.strip()
            or self.unit_id
            or self.year
            or self.level
            or self.scope
            or self.title_code
        )


def search(wanted: AwardFilter, *, unit_ids: set[int] | None) -> list[Award]:
    """Entries matching the filter, in reporting order; `unit_ids` None means every unit."""
    stmt = select(Award).options(joinedload(Award.unit))
    if unit_ids is not None:
        stmt = stmt.where(Award.unit_id.in_(unit_ids))
    if wanted.unit_id is not None:
        stmt = stmt.where(Award.unit_id == wanted.unit_id)
    if wanted.year is not None:
        stmt = stmt.where(Award.year == wanted.year)
    if wanted.level in LEVELS:
        stmt = stmt.where(Award.level == wanted.level)
    if wanted.scope in (COLLECTIVE, INDIVIDUAL):
        stmt = stmt.where(Award.scope == wanted.scope)
    if wanted.title_code:
        stmt = stmt.where(Award.title_code == wanted.title_code)
    rows = list(db.session.scalars(stmt))
    words = vi_fold(wanted.text).split()
    if words:
        rows = [
            r
            for r in rows
            if all(w in vi_fold(f"{r.recipient_name} {r.title_name} {r.unit.name}") for w in words)
        ]
    return reporting_order(rows)


def reporting_order(rows: list[Award]) -> list[Award]:
    """Newest year first; then by the catalogue's order of titles, unit, name."""
    positions = {e["code"]: (e["scope"] != COLLECTIVE, e["position"]) for e in entries()}
    return sorted(
        rows,
        key=lambda r: (
            -r.year,
            positions.get(r.title_code, (r.scope != COLLECTIVE, 99_999)),
            r.title_name,
            vi_sort_key(r.unit.name),
            vi_sort_key(r.recipient_name),
        ),
    )


def unit_history(unit: Unit) -> tuple[list[Award], list[Award]]:
    """The unit's own titles and awards, and those of its people, newest first."""
    rows = list(
        db.session.scalars(
            select(Award).where(Award.unit_id == unit.id).options(joinedload(Award.unit))
        )
    )
    ordered = reporting_order(rows)
    return [r for r in ordered if r.scope == COLLECTIVE], [
        r for r in ordered if r.scope == INDIVIDUAL
    ]


def person_awards(person: Person) -> list[Award]:
    """A person's titles and awards: linked to them, or under their name in their unit."""
    rows = db.session.scalars(
        select(Award)
        .where(
            Award.scope == INDIVIDUAL,
            (Award.person_id == person.id)
            | ((Award.person_id.is_(None)) & (Award.unit_id == person.unit_id)),
        )
        .options(joinedload(Award.unit))
    ).all()
    folded = vi_fold(person.full_name)
    return reporting_order(
        [r for r in rows if r.person_id == person.id or vi_fold(r.recipient_name) == folded]
    )


def named_awards(unit_id: int, name: str) -> list[Award]:
    """The individual entries of a unit under a name (a candidate not on the staff list)."""
    folded = vi_fold(name)
    rows = db.session.scalars(
        select(Award).where(Award.scope == INDIVIDUAL, Award.unit_id == unit_id)
    ).all()
    return [r for r in rows if vi_fold(r.recipient_name) == folded]


def collective_awards(unit_id: int) -> list[Award]:
    """The unit's own titles and awards."""
    return list(
        db.session.scalars(select(Award).where(Award.scope == COLLECTIVE, Award.unit_id == unit_id))
    )


def covered_years(unit_id: int) -> frozenset[int]:
    """The years the register holds anything for the unit (itself or its people): only those
    years can tell that a title was not held."""
    return frozenset(
        db.session.scalars(select(Award.year).distinct().where(Award.unit_id == unit_id))
    )


def holders(unit_id: int, year: int) -> dict[str, int]:
    """How many of the unit's people hold each individual title in the year."""
    rows = db.session.scalars(
        select(Award).where(Award.scope == INDIVIDUAL, Award.unit_id == unit_id, Award.year == year)
    ).all()
    people: dict[str, set] = defaultdict(set)
    for row in rows:
        people[row.title_code].add(recipient_key(row))
    return {code: len(keys) for code, keys in people.items()}


def collective_holders(year: int) -> dict[str, int]:
    """How many collectives hold each collective title in the year, across the register."""
    rows = db.session.scalars(
        select(Award).where(Award.scope == COLLECTIVE, Award.year == year)
    ).all()
    units: dict[str, set] = defaultdict(set)
    for row in rows:
        units[row.title_code].add(row.unit_id)
    return {code: len(ids) for code, ids in units.items()}


def years() -> list[int]:
    """The years the register holds, newest first."""
    return sorted(db.session.scalars(select(Award.year).distinct()), reverse=True)


# ---- statistics -------------------------------------------------------------------------


@dataclass
class LevelCounts:
    """A level's counts by family (flags, certificates, titles, other) and scope."""

    level: str
    counts: Counter = field(default_factory=Counter)
    collective: int = 0
    individual: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class YearStatistics:
    """One year's figures: per level and family, and per title."""

    year: int
    levels: list[LevelCounts]
    titles: list[tuple[str, str, str, int]]  # name, scope, level, count

    @property
    def totals(self) -> Counter:
        found: Counter = Counter()
        for level in self.levels:
            found.update(level.counts)
        return found

    @property
    def total(self) -> int:
        return sum(level.total for level in self.levels)


def statistics(
    *, year: int | None = None, unit_ids: set[int] | None = None
) -> list[YearStatistics]:
    """Counts per year and level (flags, certificates, titles) and per title, newest year first."""
    stmt = select(Award)
    if year is not None:
        stmt = stmt.where(Award.year == year)
    if unit_ids is not None:
        stmt = stmt.where(Award.unit_id.in_(unit_ids))
    by_year: dict[int, list[Award]] = defaultdict(list)
    for row in db.session.scalars(stmt):
        by_year[row.year].append(row)
    result = []
    for y in sorted(by_year, reverse=True):
        levels: dict[str, LevelCounts] = {}
        titles: Counter = Counter()
        for row in by_year[y]:
            counts = levels.setdefault(row.level, LevelCounts(row.level))
            counts.counts[row.family if row.family in FAMILIES else "other"] += 1
            if row.scope == COLLECTIVE:
                counts.collective += 1
            else:
                counts.individual += 1
            titles[(row.title_name, row.scope, row.level)] += 1
        order = {level: n for n, level in enumerate(reversed(LEVELS))}
        result.append(
            YearStatistics(
                y,
                sorted(levels.values(), key=lambda c: order.get(c.level, 99)),
                sorted(
                    ((n, s, lv, c) for (n, s, lv), c in titles.items()),
                    key=lambda t: (order.get(t[2], 99), t[1] != COLLECTIVE, -t[3], t[0]),
                ),
            )
        )
    return result
