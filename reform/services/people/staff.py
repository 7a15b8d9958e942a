"""A unit's staff list: create, edit, deactivate and reactivate people, import the list."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from reform.extensions import db
from reform.models import Person, PersonStatusChange, Unit, User
from reform.models.people import CADRE, CATEGORIES, CIVIL_SERVANT, PUBLIC_EMPLOYEE, WORKER
from reform.scoring import vi_fold, vi_sorted
from reform.services import audit
from reform.services.units import ImportReport
from reform.validation import text_problem

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
IMPORT_COLUMNS = ("code", "full_name", "position", "category", "leader", "duty_group")
OPTIONAL_IMPORT_COLUMNS = ("manager_code", "username")
MAX_IMPORT_ROWS = 5000
# The words a staff list may use for each category, compared without case or diacritics.
_CATEGORY_WORDS = {
    CADRE: ("cadre", "can bo"),
    CIVIL_SERVANT: ("civil_servant", "civil servant", "cong chuc"),
    PUBLIC_EMPLOYEE: ("public_employee", "public employee", "vien chuc"),
    WORKER: ("worker", "nguoi lao dong", "lao dong"),
}
_YES = frozenset({"yes", "y", "x", "1", "true", "co"})
_NO = frozenset({"", "no", "n", "0", "false", "khong"})


class Conflict(Exception):
    """Someone else saved the record since the form was opened; nothing was written."""

    def __init__(self, current: object) -> None:
        super().__init__("changed meanwhile")
        self.current = current


@dataclass
class PersonData:
    """What the person form (or one line of a staff list) says about someone."""

    full_name: str
    position: str = ""
    category: str = CIVIL_SERVANT
    is_leader: bool = False
    duty_group: str = ""
    code: str | None = None
    manager_id: int | None = None
    user_id: int | None = None


def category_label(category: str) -> str:
    """A category in the interface language."""
    labels = {
        CADRE: _("Cadre (cán bộ)"),
        CIVIL_SERVANT: _("Civil servant (công chức)"),
        PUBLIC_EMPLOYEE: _("Public employee (viên chức)"),
        WORKER: _("Worker (người lao động)"),
    }
    return labels.get(category, category)


def unit_people(unit_id: int, *, include_inactive: bool = False) -> list[Person]:
    """A unit's people in the order of Vietnamese staff lists (given name, then full name)."""
    stmt = select(Person).where(Person.unit_id == unit_id)
    if not include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    return list(db.session.scalars(stmt.order_by(Person.sort_key, Person.id)))


def duty_groups(unit_id: int) -> list[str]:
    """The groups of similar duties named in a unit, in Vietnamese order."""
    names = db.session.scalars(
        select(Person.duty_group).where(Person.unit_id == unit_id, Person.duty_group != "")
    ).all()
    return vi_sorted(set(names), lambda name: name)


def would_cycle(person: Person | None, manager: Person | None) -> bool:
    """Whether making `manager` the person's manager would make someone their own manager."""
    if person is None or person.id is None:
        return False
    seen: set[int] = set()
    node = manager
    while node is not None and node.id not in seen:
        if node.id == person.id:
            return True
        seen.add(node.id)
        node = node.manager
    return False


def manager_choices(unit_id: int, person: Person | None = None) -> list[Person]:
    """Who may be the person's direct manager: the unit's active people, not below them."""
    return [
        candidate
        for candidate in unit_people(unit_id)
        if person is None or (candidate.id != person.id and not would_cycle(person, candidate))
    ]


def account_choices(unit_id: int, person: Person | None = None) -> list[User]:
    """Accounts of the unit that the person may be linked to (not linked to someone else)."""
    taken = set(db.session.scalars(select(Person.user_id).where(Person.user_id.is_not(None))).all())
    own = person.user_id if person is not None else None
    users = db.session.scalars(
        select(User).where(User.unit_id == unit_id, User.active.is_(True))
    ).all()
    return vi_sorted(
        (user for user in users if user.id not in taken or user.id == own),
        lambda user: user.full_name,
    )


def check_person(unit: Unit, person: Person | None, data: PersonData) -> dict[str, str]:
    """Problems with the data, by form field; empty when it can be saved."""
    problems: dict[str, str] = {}
    if data.code:
        clash = db.session.scalar(
            select(Person).where(Person.unit_id == unit.id, Person.code == data.code)
        )
        if clash is not None and clash is not person:
            problems["code"] = _("Another person of this unit already has this staff number.")
    if data.category not in CATEGORIES:
        problems["category"] = _("Choose a category.")
    if data.manager_id is not None:
        manager = db.session.get(Person, data.manager_id)
        if manager is None or manager.unit_id != unit.id or not manager.active:
            problems["manager_id"] = _("Choose an active person of this unit.")
        elif person is not None and (manager.id == person.id or would_cycle(person, manager)):
            problems["manager_id"] = _("Someone cannot manage themselves or their own manager.")
    if data.user_id is not None:
        user = db.session.get(User, data.user_id)
        linked = db.session.scalar(select(Person).where(Person.user_id == data.user_id))
        if user is None or user.unit_id != unit.id:
            problems["user_id"] = _("Choose an account of this unit.")
        elif linked is not None and linked is not person:
            problems["user_id"] = _(
                "This account is already linked to %(name)s.", name=linked.full_name
            )
    return problems


def _summary(person: Person) -> str:
    """The person's record in one line, as the audit log keeps it."""
    parts = [
        person.full_name,
        person.position or "",
        person.category,
        "leader" if person.is_leader else "",
        person.duty_group or "",
        f"manager={person.manager_id or ''}",
        f"account={person.user_id or ''}",
        f"code={person.code or ''}",
    ]
    return " | ".join(parts)


def _apply(person: Person, data: PersonData) -> None:
    person.code = data.code or None
    person.full_name = data.full_name
    person.position = data.position
    person.category = data.category
    person.is_leader = data.is_leader
    person.duty_group = data.duty_group
    person.manager_id = data.manager_id
    person.user_id = data.user_id


def create_person(unit: Unit, data: PersonData, *, actor: User | None) -> Person:
    """Add someone to a unit's staff (the caller has checked the data); committed."""
    person = Person(unit_id=unit.id, full_name=data.full_name, active=True)
    _apply(person, data)
    db.session.add(person)
    try:
        db.session.flush()
        audit.record("person_created", actor=actor, person_id=person.id, to_value=_summary(person))
        db.session.commit()
    except IntegrityError as exc:
        # The staff number or the account was taken by someone else's save meanwhile.
        db.session.rollback()
        raise Conflict(None) from exc
    return person


def update_person(person: Person, data: PersonData, *, version: int, actor: User | None) -> Person:
    """Save the form over a person read at `version`; Conflict if someone saved meanwhile."""
    if person.version != version:
        raise Conflict(person)
    before = _summary(person)
    _apply(person, data)
    after = _summary(person)
    if after != before:
        audit.record(
            "person_changed", actor=actor, person_id=person.id, from_value=before, to_value=after
        )
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        # The row changed between the read and the write, or its number or account was taken.
        db.session.rollback()
        raise Conflict(db.session.get(Person, person.id)) from exc
    return person


def set_active(
    person: Person,
    active: bool,
    *,
    effective_on: date,
    reason: str,
    version: int,
    actor: User | None,
) -> PersonStatusChange:
    """Deactivate (moved, retired...) or reactivate someone, keeping the change in their history.

    Their records stay; nobody keeps them as a manager while they are inactive.
    """
    if person.version != version:
        raise Conflict(person)
    person.active = active
    change = PersonStatusChange(
        person_id=person.id,
        active=active,
        effective_on=effective_on,
        reason=reason,
        recorded_by_id=actor.id if actor is not None else None,
    )
    db.session.add(change)
    if not active:
        for report in db.session.scalars(select(Person).where(Person.manager_id == person.id)):
            report.manager_id = None
    audit.record(
        "person_reactivated" if active else "person_deactivated",
        actor=actor,
        person_id=person.id,
        to_value=effective_on.isoformat(),
        reason=reason,
    )
    db.session.commit()
    return change


# ---- the staff list import -------------------------------------------------------------------


def _cell(value: object) -> str:
    """A spreadsheet cell as the text a CSV file would hold (12.0 is "12")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]] | str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text. Save it as CSV UTF-8.")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        return _("The CSV file cannot be read (%(problem)s).", problem=exc)
    return header, rows


def _rows_from_xlsx(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]] | str:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return _("The file is not an Excel workbook (.xlsx).")
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [_cell(value) for value in next(lines, ())]
        rows = []
        for number, values in enumerate(lines, start=2):
            if number > MAX_IMPORT_ROWS + 1:
                rows.append((number, ["…"]))
                break
            rows.append((number, [_cell(value) for value in values]))
    finally:
        workbook.close()
    return header, rows


def read_staff_file(
    data: bytes, filename: str
) -> tuple[list[dict[str, str]], list[tuple[int, str]]]:
    """The rows of a staff list (CSV or Excel) by column name, or the problems by line."""
    is_excel = filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"
    read = _rows_from_xlsx(data) if is_excel else _rows_from_csv(data)
    if isinstance(read, str):
        return [], [(1, read)]
    header, lines = read
    names = [name.strip().lower() for name in header]
    missing = [column for column in IMPORT_COLUMNS if column not in names]
    if missing:
        return [], [(1, _("Missing columns: %(cols)s.", cols=", ".join(missing)))]
    columns = IMPORT_COLUMNS + tuple(c for c in OPTIONAL_IMPORT_COLUMNS if c in names)
    rows = []
    for line, values in lines:
        if not any(value.strip() for value in values):
            continue  # blank lines at the end of a sheet
        cells = {
            name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)
        }
        rows.append({column: cells.get(column, "") for column in columns} | {"_line": str(line)})
    if not rows:
        return [], [(1, _("The file lists nobody."))]
    if len(rows) > MAX_IMPORT_ROWS:
        return [], [(1, _("At most %(n)s people per file.", n=MAX_IMPORT_ROWS))]
    return rows, []


def parse_category(text: str) -> str | None:
    """The category a staff list names (empty: civil servant), or None when it is unknown."""
    folded = vi_fold(text)
    if not folded:
        return CIVIL_SERVANT
    for category, words in _CATEGORY_WORDS.items():
        if folded in words:
            return category
    return None


def parse_yes_no(text: str) -> bool | None:
    """yes/no as a staff list writes it (có/không, x, 1/0; empty is no), None when unclear."""
    folded = vi_fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def import_staff(unit: Unit, data: bytes, filename: str, *, actor: User | None) -> ImportReport:
    """Create or update the unit's people from a staff list; any bad line refuses the whole file.

    People are matched on their staff number (`code`); people not in the file are left as they
    are, and nobody's active status changes (that takes a date and a reason).
    """
    report = ImportReport()
    rows, problems = read_staff_file(data, filename)
    if problems:
        report.errors.extend(problems)
        return report
    existing = {p.code: p for p in unit_people(unit.id, include_inactive=True) if p.code}
    users = {
        u.username.lower(): u
        for u in db.session.scalars(select(User).where(User.unit_id == unit.id))
    }
    linked = {
        p.user_id: p for p in db.session.scalars(select(Person).where(Person.user_id.is_not(None)))
    }
    seen_codes: dict[str, int] = {}
    seen_users: dict[int, int] = {}
    parsed: list[tuple[int, PersonData, str]] = []
    errors = report.errors
    file_codes = {row["code"] for row in rows}
    for row in rows:
        line = int(row["_line"])
        code = row["code"]
        if not code:
            errors.append((line, _("The staff number (code) is empty.")))
        elif not CODE_RE.match(code):
            errors.append(
                (line, _("Code “%(code)s” may hold only letters, digits, . _ -.", code=code))
            )
        elif code in seen_codes:
            errors.append(
                (
                    line,
                    _(
                        "Code “%(code)s” already appears on line %(n)s.",
                        code=code,
                        n=seen_codes[code],
                    ),
                )
            )
        else:
            seen_codes[code] = line
        name = row["full_name"]
        if not name:
            errors.append((line, _("The full name is empty.")))
        elif problem := text_problem(name, max_length=200, multiline=False):
            errors.append((line, problem))
        for column, limit in (("position", 200), ("duty_group", 100)):
            if problem := text_problem(row[column], max_length=limit, multiline=False):
                errors.append((line, f"{column}: {problem}"))
        category = parse_category(row["category"])
        if category is None:
            errors.append(
                (
                    line,
                    _(
                        "Category “%(text)s” is not one of: cán bộ, công chức, viên chức, "
                        "người lao động.",
                        text=row["category"],
                    ),
                )
            )
        leader = parse_yes_no(row["leader"])
        if leader is None:
            errors.append(
                (
                    line,
                    _("Leader must be yes or no (có/không), not “%(text)s”.", text=row["leader"]),
                )
            )
        manager_code = row.get("manager_code", "")
        if manager_code and manager_code == code:
            errors.append((line, _("Someone cannot manage themselves.")))
        elif manager_code and manager_code not in file_codes and manager_code not in existing:
            errors.append(
                (line, _("Manager “%(code)s” is not a person of this unit.", code=manager_code))
            )
        elif manager_code and manager_code not in file_codes and not existing[manager_code].active:
            errors.append((line, _("Manager “%(code)s” is no longer active.", code=manager_code)))
        user_id = None
        username = row.get("username", "")
        if username:
            user = users.get(username.lower())
            if user is None:
                errors.append(
                    (line, _("“%(name)s” is not an account of this unit.", name=username))
                )
            else:
                user_id = user.id
                owner = linked.get(user.id)
                if user.id in seen_users:
                    errors.append(
                        (
                            line,
                            _(
                                "Account “%(name)s” already appears on line %(n)s.",
                                name=username,
                                n=seen_users[user.id],
                            ),
                        )
                    )
                elif owner is not None and owner.code != code:
                    errors.append(
                        (
                            line,
                            _(
                                "Account “%(name)s” is already linked to %(person)s.",
                                name=username,
                                person=owner.full_name,
                            ),
                        )
                    )
                seen_users[user.id] = line
        parsed.append(
            (
                line,
                PersonData(
                    full_name=name,
                    position=row["position"],
                    category=category or CIVIL_SERVANT,
                    is_leader=bool(leader),
                    duty_group=row["duty_group"],
                    code=code,
                    user_id=user_id,
                ),
                manager_code,
            )
        )
    errors.extend(_manager_cycles(parsed, existing))
    if errors:
        errors.sort()
        return report

    by_code = dict(existing)
    before = {code: _summary(person) for code, person in existing.items()}
    for _line, data, _manager in parsed:
        person = by_code.get(data.code or "")
        if person is None:
            person = Person(unit_id=unit.id, full_name=data.full_name, active=True)
            db.session.add(person)
            by_code[data.code or ""] = person
            report.created += 1
        else:
            report.updated += 1
        data.manager_id = None
        keep_manager = person.manager_id
        _apply(person, data)
        person.manager_id = keep_manager
    db.session.flush()
    for _line, data, manager_code in parsed:
        person = by_code[data.code or ""]
        person.manager_id = by_code[manager_code].id if manager_code else None
        after = _summary(person)
        if before.get(data.code or "") == after:
            continue
        audit.record(
            "person_imported",
            actor=actor,
            person_id=person.id,
            from_value=before.get(data.code or ""),
            to_value=after,
            reason=filename[:200] or None,
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        report.created = report.updated = 0
        report.errors.append(
            (1, _("Someone else changed the staff list meanwhile; import the file again."))
        )
    return report


def _manager_cycles(
    parsed: list[tuple[int, PersonData, str]], existing: dict[str, Person]
) -> list[tuple[int, str]]:
    """Lines whose managers, as the file would leave them, lead back to the same person."""
    managers: dict[str, str] = {
        code: (person.manager.code or "") if person.manager is not None else ""
        for code, person in existing.items()
    }
    lines: dict[str, int] = {}
    for line, data, manager_code in parsed:
        managers[data.code or ""] = manager_code
        lines[data.code or ""] = line
    problems = []
    for code, line in lines.items():
        seen = {code}
        node = managers.get(code, "")
        while node:
            if node in seen:
                problems.append(
                    (line, _("Managers go round in a circle from “%(code)s”.", code=code))
                )
                break
            seen.add(node)
            node = managers.get(node, "")
    return problems
