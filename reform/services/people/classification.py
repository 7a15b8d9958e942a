"""The yearly classification (Decree 335/2025): the year score from the confirmed periods, the
level it reaches, disqualifying facts, the quota of "xuất sắc" per unit and group of similar
duties, the head's conclusion, and the outputs (the evaluation form, the unit's summary)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import (
    Classification,
    DisqualifyingFact,
    Framework,
    Person,
    PersonPeriod,
    Unit,
    User,
)
from reform.models.people import (
    CONFIRMED,
    DEGRADATION,
    DISQUALIFYING_KINDS,
    MANAGED_CORRUPTION,
    MONTHS_IN,
    OTHER_CASE,
    REPRIMAND,
)
from reform.scoring import Band, PeriodScore, level_for, quota, round2, vi_sort_key, year_score
from reform.scoring.classification import (
    COMPLETED,
    EXCELLENT,
    GOOD,
    LEVELS,
    NOT_COMPLETED,
    Quota,
    rank_of,
)
from reform.services import audit
from reform.services.framework_cache import parsed_framework
from reform.services.notices import announce
from reform.services.people.staff import Conflict
from reform.services.people.tasks import Refused, default_framework
from reform.validation import text_problem

CLASSIFIED = "classified"  # notification kind
# The official names of the levels, as documents print them whatever the interface language.
OFFICIAL_NAMES = {
    EXCELLENT: "Hoàn thành xuất sắc nhiệm vụ",
    GOOD: "Hoàn thành tốt nhiệm vụ",
    COMPLETED: "Hoàn thành nhiệm vụ",
    NOT_COMPLETED: "Không hoàn thành nhiệm vụ",
}


def level_label(level: str | None) -> str:
    """A level in the interface language (the official Vietnamese name in Vietnamese)."""
    return _level_labels(str(get_locale())).get(level or "", "–")


@lru_cache(maxsize=8)
def _level_labels(locale: str) -> dict[str, str]:
    """The four names in one language, translated once (a unit's page names them thousands of
    times); `locale` is the key, the active one gives the words."""
    return {
        EXCELLENT: _("Excellently completed tasks"),
        GOOD: _("Well completed tasks"),
        COMPLETED: _("Completed tasks"),
        NOT_COMPLETED: _("Did not complete tasks"),
    }


def fact_kind_label(kind: str) -> str:
    """A disqualifying case in words."""
    labels = {
        REPRIMAND: _("Disciplined with a reprimand or above in the year"),
        DEGRADATION: _("Concluded to show political, ethical or lifestyle degradation"),
        MANAGED_CORRUPTION: _(
            "A body under their direct management was handled for corruption or waste (leaders)"
        ),
        OTHER_CASE: _("Another case the decree lists"),
    }
    return labels.get(kind, kind)


def group_key(name: str) -> str:
    """A short id for a group of similar duties, usable in a page's element ids."""
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def quota_settings() -> tuple[Decimal, str]:
    """The configured share and base of the quota of "xuất sắc"."""
    share = Decimal(str(current_app.config.get("PEOPLE_EXCELLENT_SHARE", "0.2")))
    base = str(current_app.config.get("PEOPLE_QUOTA_BASE", "good"))
    return share, base


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---- a year's figures -----------------------------------------------------------------------


@dataclass
class YearFigures:
    """One person's year: the confirmed periods, the score, the level it reaches."""

    person: Person
    year: int
    periods: list[PeriodFigure]
    score: Decimal | None
    facts: list[DisqualifyingFact]
    computed: str | None
    classification: Classification | None = None

    @property
    def counted(self) -> int:
        """How many confirmed periods make the score."""
        return len(self.periods)

    @property
    def disqualified(self) -> bool:
        """Whether a disqualifying fact of the year stands."""
        return any(fact.active for fact in self.facts)

    @property
    def level(self) -> str | None:
        """The concluded level, if the head has concluded."""
        return self.classification.level if self.classification else None

    @property
    def group(self) -> str:
        """The group of similar duties the person is counted in."""
        if self.classification is not None and self.classification.level is not None:
            return self.classification.duty_group
        return self.person.duty_group


@dataclass(frozen=True, slots=True)
class PeriodFigure:
    """What the year needs of a confirmed period (read as plain columns: a unit's year is
    thousands of them, and their values and sheets are not needed)."""

    id: int
    kind: str
    year: int
    number: int
    points: Decimal
    framework_id: int

    @property
    def months(self) -> int:
        """How many months the period covers."""
        return MONTHS_IN[self.kind]


class _Bands:
    """The levels' thresholds of each sheet, read once per call."""

    def __init__(self) -> None:
        self.found: dict[int | None, tuple[Band, ...]] = {}

    def of(self, periods: list[PeriodFigure]) -> tuple[Band, ...]:
        """The bands of the sheet of the person's latest period, else of the default sheet."""
        latest = max(periods, key=lambda p: (p.number * p.months, p.id), default=None)
        key = latest.framework_id if latest is not None else None
        if key not in self.found:
            framework = (
                db.session.get(Framework, key) if key is not None else None
            ) or default_framework()
            self.found[key] = parsed_framework(framework).bands
        return self.found[key]


def year_of(people: list[Person], year: int) -> list[YearFigures]:
    """The year's figures of many people at once (a unit of hundreds in four queries)."""
    ids = [person.id for person in people]
    if not ids:
        return []
    periods: dict[int, list[PeriodFigure]] = {}
    for person_id, *columns in db.session.execute(
        select(
            PersonPeriod.person_id,
            PersonPeriod.id,
            PersonPeriod.kind,
            PersonPeriod.year,
            PersonPeriod.number,
            PersonPeriod.points,
            PersonPeriod.framework_id,
        )
        .where(
            PersonPeriod.person_id.in_(ids),
            PersonPeriod.year == year,
            PersonPeriod.status == CONFIRMED,
        )
        .order_by(PersonPeriod.kind, PersonPeriod.number)
    ):
        periods.setdefault(person_id, []).append(PeriodFigure(*columns))
    facts: dict[int, list[DisqualifyingFact]] = {}
    for fact in db.session.scalars(
        select(DisqualifyingFact)
        .where(DisqualifyingFact.person_id.in_(ids), DisqualifyingFact.year == year)
        .order_by(DisqualifyingFact.decided_on, DisqualifyingFact.id)
    ):
        facts.setdefault(fact.person_id, []).append(fact)
    found = {
        c.person_id: c
        for c in db.session.scalars(
            select(Classification).where(
                Classification.person_id.in_(ids), Classification.year == year
            )
        )
    }
    sheets = _Bands()
    out = []
    for person in people:
        own = periods.get(person.id, [])
        score = year_score(PeriodScore(Decimal(p.points), p.months) for p in own)
        bands = sheets.of(own)
        person_facts = facts.get(person.id, [])
        computed = level_for(score, bands, disqualified=any(fact.active for fact in person_facts))
        out.append(
            YearFigures(person, year, own, score, person_facts, computed, found.get(person.id))
        )
    return out


def year_figures(person: Person, year: int) -> YearFigures:
    """One person's year."""
    return year_of([person], year)[0]


def classification_of(person: Person, year: int) -> Classification | None:
    """The person's classification of the year, if any of it is written."""
    return db.session.scalar(
        select(Classification).where(
            Classification.person_id == person.id, Classification.year == year
        )
    )


def _classification_for_write(person: Person, year: int, version: int | None) -> Classification:
    """The row to write, created when missing; Conflict when someone saved since `version`."""
    found = classification_of(person, year)
    if found is None:
        if version:
            raise Conflict(None)
        found = Classification(
            person_id=person.id,
            year=year,
            unit_id=person.unit_id,
            duty_group=person.duty_group,
            periods_counted=0,
        )
        db.session.add(found)
        return found
    if found.version != version:
        raise Conflict(found)
    return found


def _commit() -> None:
    """Commit; a row changed (or created) by someone else since it was read raises Conflict."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict(None) from exc


def _text(raw: str, field: str) -> str | None:
    text = raw.strip()
    if problem := text_problem(text):
        raise Refused({field: problem})
    return text or None


def _level(raw: str, field: str, *, required: bool = False) -> str | None:
    value = raw.strip()
    if not value and not required:
        return None
    if value not in LEVELS:
        raise Refused({field: _("Choose one of the four levels.")})
    return value


# ---- what the person and the manager write --------------------------------------------------


def save_self_assessment(
    person: Person, year: int, text: str, level: str, *, version: int | None, actor: User
) -> Classification:
    """The person's self-assessment of the year and the level they propose."""
    written, proposed = _text(text, "self_text"), _level(level, "self_level")
    found = _classification_for_write(person, year, version)
    if found.level is not None:
        raise Refused({"self_text": _("The head has already concluded this year.")})
    audit.record(
        "classification_self",
        actor=actor,
        person_id=person.id,
        stage=str(year),
        from_value=found.self_level,
        to_value=proposed,
        reason=written,
    )
    found.self_text, found.self_level = written, proposed
    _commit()
    return found


def save_manager_comment(
    person: Person, year: int, text: str, level: str, *, version: int | None, actor: User
) -> Classification:
    """The direct manager's comment on the year and the level they propose."""
    written, proposed = _text(text, "manager_text"), _level(level, "manager_level")
    found = _classification_for_write(person, year, version)
    if found.level is not None:
        raise Refused({"manager_text": _("The head has already concluded this year.")})
    audit.record(
        "classification_manager",
        actor=actor,
        person_id=person.id,
        stage=str(year),
        from_value=found.manager_level,
        to_value=proposed,
        reason=written,
    )
    found.manager_text, found.manager_level = written, proposed
    found.manager_by_id = actor.id
    _commit()
    return found


# ---- disqualifying facts --------------------------------------------------------------------


def record_fact(
    person: Person,
    year: int,
    kind: str,
    decision_number: str,
    decided_on: date | None,
    note: str,
    *,
    actor: User,
) -> DisqualifyingFact:
    """The head records a disqualifying fact of the year with its decision."""
    problems: dict[str, str] = {}
    if kind not in DISQUALIFYING_KINDS:
        problems["kind"] = _("Choose the case.")
    number = " ".join(decision_number.split())
    if not number:
        problems["decision_number"] = _("Give the decision's number.")
    elif problem := text_problem(number, max_length=60, multiline=False):
        problems["decision_number"] = problem
    if decided_on is None:
        problems["decided_on"] = _("Give the decision's date.")
    elif decided_on.year != year:
        problems["decided_on"] = _("The decision must be of %(year)s.", year=year)
    if problem := text_problem(note.strip(), max_length=1000):
        problems["note"] = problem
    if problems:
        raise Refused(problems)
    fact = DisqualifyingFact(
        person_id=person.id,
        year=year,
        kind=kind,
        decision_number=number,
        decided_on=decided_on,
        note=note.strip() or None,
        recorded_by_id=actor.id,
    )
    db.session.add(fact)
    audit.record(
        "disqualification_recorded",
        actor=actor,
        person_id=person.id,
        stage=str(year),
        to_value=f"{kind} {number} {decided_on.isoformat()}",  # type: ignore[union-attr]
        reason=note.strip() or None,
    )
    _reclassify_after_fact(person, year, actor)
    _commit()
    return fact


def withdraw_fact(fact: DisqualifyingFact, reason: str, *, actor: User) -> None:
    """A fact recorded in error stops counting; it stays in the record with the reason."""
    reason = reason.strip()
    if not reason:
        raise Refused({"reason": _("Give the reason.")})
    if problem := text_problem(reason, max_length=1000):
        raise Refused({"reason": problem})
    if fact.withdrawn_at is not None:
        return
    fact.withdrawn_at = _now()
    fact.withdrawn_reason = reason
    audit.record(
        "disqualification_withdrawn",
        actor=actor,
        person_id=fact.person_id,
        stage=str(fact.year),
        from_value=f"{fact.kind} {fact.decision_number}",
        reason=reason,
    )
    person = db.session.get(Person, fact.person_id)
    if person is not None:
        _reclassify_after_fact(person, fact.year, actor)
    _commit()


def _reclassify_after_fact(person: Person, year: int, actor: User) -> None:
    """A concluded level that a new fact rules out becomes "Không hoàn thành nhiệm vụ"; a
    withdrawn fact leaves the conclusion for the head to take again."""
    db.session.flush()
    found = classification_of(person, year)
    if found is None or found.level is None:
        return
    figures = year_figures(person, year)
    if figures.disqualified and found.level != NOT_COMPLETED:
        audit.record(
            "classification_concluded",
            actor=actor,
            person_id=person.id,
            stage=str(year),
            from_value=found.level,
            to_value=NOT_COMPLETED,
            reason=_("A disqualifying fact was recorded."),
        )
        found.level = NOT_COMPLETED
        found.exception_decision = None
    elif not figures.disqualified and found.level == NOT_COMPLETED:
        audit.record(
            "classification_reopened",
            actor=actor,
            person_id=person.id,
            stage=str(year),
            from_value=found.level,
            reason=_("The disqualifying fact was withdrawn."),
        )
        found.level = None
        found.decided_at = None


# ---- the quota ------------------------------------------------------------------------------


@dataclass
class GroupQuota:
    """The quota of one group of similar duties of a unit, with the exceptions decided."""

    unit_id: int
    year: int
    group: str
    quota: Quota
    excepted: int

    @property
    def ok(self) -> bool:
        """Within the quota, or every "xuất sắc" beyond it backed by a competent decision."""
        return self.quota.ok or self.excepted >= self.quota.over

    @property
    def key(self) -> str:
        """The group's id in the page."""
        return group_key(self.group)

    def message(self) -> str:
        """The numbers, in words."""
        share, base = quota_settings()
        percent = fmt_number(share * 100, 0)
        of = _("rated “tốt”") if base == "good" else _("rated “tốt” or “xuất sắc”")
        return _(
            "Group “%(group)s”: %(excellent)s rated “xuất sắc” for %(base)s %(of)s; at most "
            "%(allowed)s (%(percent)s%%).",
            group=self.group or _("(no group)"),
            excellent=self.quota.excellent,
            base=self.quota.base,
            of=of,
            allowed=self.quota.allowed,
            percent=percent,
        )


def group_quota(
    unit_id: int,
    year: int,
    group: str,
    *,
    change: tuple[int, str | None, bool] | None = None,
) -> GroupQuota:
    """The quota of a group as concluded, or as it would be after a change of one person's
    level (person id, level, whether a competent decision backs it)."""
    rows = db.session.execute(
        select(
            Classification.person_id, Classification.level, Classification.exception_decision
        ).where(
            Classification.unit_id == unit_id,
            Classification.year == year,
            Classification.duty_group == group,
            Classification.level.is_not(None),
        )
    ).all()
    levels = {person_id: (level, bool(decision)) for person_id, level, decision in rows}
    if change is not None:
        person_id, level, backed = change
        if level is None:
            levels.pop(person_id, None)
        else:
            levels[person_id] = (level, backed)
    excellent = sum(1 for level, _backed in levels.values() if level == EXCELLENT)
    good = sum(1 for level, _backed in levels.values() if level == GOOD)
    excepted = sum(1 for level, backed in levels.values() if level == EXCELLENT and backed)
    share, base = quota_settings()
    return GroupQuota(
        unit_id, year, group, quota(excellent, good, share=share, base=base), excepted
    )


class QuotaBroken(Refused):
    """A conclusion that would break the quota; `group` holds the numbers."""

    def __init__(self, group: GroupQuota) -> None:
        super().__init__(
            {
                "level": group.message()
                + " "
                + _(
                    "Lower a level, or record the competent authority's decision that allows "
                    "the exception."
                )
            }
        )
        self.group = group


# ---- the head's conclusion --------------------------------------------------------------------


def allowed_levels(figures: YearFigures) -> list[str]:
    """The levels the head may conclude: the one the score reaches, or a lower one."""
    if figures.computed is None:
        return []
    return [level for level in LEVELS if rank_of(level) >= rank_of(figures.computed)]


def conclude(
    person: Person,
    year: int,
    level: str,
    head_text: str,
    exception_decision: str,
    *,
    version: int | None,
    actor: User,
) -> Classification:
    """The head concludes a person's level of the year; QuotaBroken (with the numbers) when it
    would put the group over the quota without the competent authority's decision."""
    chosen = _level(level, "level", required=True)
    comment = _text(head_text, "head_text")
    decision = " ".join(exception_decision.split())
    if problem := text_problem(decision, max_length=300, multiline=False):
        raise Refused({"exception_decision": problem})
    figures = year_figures(person, year)
    if figures.computed is None:
        raise Refused(
            {"level": _("No confirmed period in %(year)s: nothing to classify on.", year=year)}
        )
    if chosen not in allowed_levels(figures):
        raise Refused(
            {
                "level": _(
                    "The year's score reaches “%(level)s”; the conclusion cannot be higher.",
                    level=level_label(figures.computed),
                )
            }
        )
    found = _classification_for_write(person, year, version)
    group = found.duty_group if found.level is not None else person.duty_group
    backed = chosen == EXCELLENT and bool(decision)
    after = group_quota(
        found.unit_id or person.unit_id, year, group, change=(person.id, chosen, backed)
    )
    if not after.ok:
        db.session.rollback()
        raise QuotaBroken(after)
    before = found.level
    found.unit_id = person.unit_id if found.level is None else found.unit_id
    found.duty_group = group
    found.level = chosen
    found.head_text = comment
    found.exception_decision = decision if chosen == EXCELLENT and decision else None
    found.year_score = figures.score
    found.periods_counted = figures.counted
    found.decided_by_id = actor.id
    found.decided_at = _now()
    audit.record(
        "classification_concluded",
        actor=actor,
        person_id=person.id,
        stage=str(year),
        from_value=before,
        to_value=chosen,
        to_points=figures.score,
        reason="; ".join(part for part in (comment, found.exception_decision) if part) or None,
    )
    if person.user is not None:
        announce(
            [person.user],
            CLASSIFIED,
            f"/people/{person.id}/year/{year}",
            lambda: _(
                "Your classification for %(year)s: %(level)s.",
                year=year,
                level=level_label(chosen),
            ),
            actor=actor,
        )
    _commit()
    return found


# ---- the unit's year --------------------------------------------------------------------------


@dataclass
class UnitYear:
    """A unit's people for one year, by group of similar duties, with each group's quota."""

    unit: Unit
    year: int
    groups: list[tuple[GroupQuota, list[YearFigures]]] = field(default_factory=list)

    @property
    def rows(self) -> list[YearFigures]:
        """Everyone, group by group."""
        return [row for _quota, rows in self.groups for row in rows]

    def counts(self) -> Mapping[str | None, int]:
        """How many people at each concluded level (None: not concluded)."""
        out: dict[str | None, int] = {}
        for row in self.rows:
            out[row.level] = out.get(row.level, 0) + 1
        return out


def unit_year(unit: Unit, year: int) -> UnitYear:
    """Everyone of the unit to classify for the year (the active, and anyone already classified
    there), grouped by group of similar duties in Vietnamese order, names in list order."""
    people = list(
        db.session.scalars(
            select(Person)
            .where(
                Person.unit_id == unit.id,
                or_(
                    Person.active.is_(True),
                    Person.id.in_(
                        select(Classification.person_id).where(
                            Classification.unit_id == unit.id, Classification.year == year
                        )
                    ),
                ),
            )
            .options(joinedload(Person.user))
            .order_by(Person.sort_key, Person.id)
        )
    )
    rows = year_of(people, year)
    by_group: dict[str, list[YearFigures]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    result = UnitYear(unit, year)
    for name in sorted(by_group, key=lambda name: (name == "", vi_sort_key(name))):
        result.groups.append((group_quota(unit.id, year, name), by_group[name]))
    return result


def history(person: Person) -> list[dict]:
    """The person's years: where, the score, the level, newest first."""
    years = set(
        db.session.scalars(
            select(PersonPeriod.year).where(PersonPeriod.person_id == person.id).distinct()
        )
    )
    found = {
        c.year: c
        for c in db.session.scalars(
            select(Classification)
            .where(Classification.person_id == person.id)
            .options(joinedload(Classification.unit))
        )
    }
    out = []
    for year in sorted(years | set(found), reverse=True):
        figures = year_figures(person, year)
        classification = found.get(year)
        out.append(
            {
                "year": year,
                "unit": classification.unit if classification else person.unit,
                "score": (
                    classification.year_score
                    if classification and classification.level
                    else figures.score
                ),
                "counted": figures.counted,
                "computed": figures.computed,
                "level": classification.level if classification else None,
            }
        )
    return out


# ---- outputs ------------------------------------------------------------------------------------


def summary_workbook(data: UnitYear) -> bytes:
    """The unit's summary table of the year as an Excel workbook (one sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from reform.services.spreadsheet import append_row, set_cell

    book = Workbook()
    sheet = book.active
    sheet.title = str(data.year)
    title = _("Summary of the classification of civil servants, %(year)s", year=data.year).upper()
    set_cell(sheet, 1, 1, data.unit.name.upper()).font = Font(bold=True)
    set_cell(sheet, 2, 1, title).font = Font(bold=True, size=13)
    headers = [
        _("No."),
        _("Full name"),
        _("Post or title"),
        _("Group of similar duties"),
        _("Confirmed periods"),
        _("Year score"),
        _("Level by the score"),
        _("Classification concluded"),
        _("Notes"),
    ]
    header_row = 4
    for column, text in enumerate(headers, start=1):
        cell = set_cell(sheet, header_row, column, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    number = 0
    for _group, rows in data.groups:
        for row in rows:
            number += 1
            notes = [
                f"{fact_kind_label(f.kind)} ({f.decision_number})" for f in row.facts if f.active
            ]
            if row.classification and row.classification.exception_decision:
                notes.append(
                    _("Exception: %(decision)s", decision=row.classification.exception_decision)
                )
            append_row(
                sheet,
                [
                    number,
                    row.person.full_name,
                    row.person.position or "",
                    row.group,
                    row.counted,
                    round2(row.score) if row.score is not None else None,
                    OFFICIAL_NAMES.get(row.computed or "", ""),
                    OFFICIAL_NAMES.get(row.level or "", ""),
                    "; ".join(notes),
                ],
            )
            sheet.cell(sheet.max_row, 6).number_format = "0.00"
    append_row(sheet, [])
    append_row(sheet, [_("Quota of “xuất sắc” per group of similar duties")])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for group, _rows in data.groups:
        append_row(sheet, ["", group.message() + ("" if group.ok else " " + _("Over the quota."))])
    append_row(sheet, [])
    counts = data.counts()
    for level in LEVELS:
        append_row(sheet, ["", OFFICIAL_NAMES[level], counts.get(level, 0)])
    append_row(sheet, ["", _("Not concluded yet"), counts.get(None, 0)])
    for column, width in zip("ABCDEFGHI", (6, 28, 24, 22, 10, 10, 26, 26, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
