"""The award register as files: the emulation office's reporting list in Excel (STT, name,
unit, title, year, decision), and the import of past years' lists from Excel or CSV, all lines
or none, so that conditions over consecutive years work from the first day.

The export's columns are the import's: a list exported, corrected and imported again reads back.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reform.extensions import db
from reform.models import Award, Person, Unit, User
from reform.models.commendation import IMPORTED
from reform.models.titles import INDIVIDUAL, TITLE
from reform.scoring import vi_fold
from reform.services.audit import record
from reform.services.commendation.register import EARLIEST_YEAR, entries, recipient_key
from reform.services.spreadsheet import set_cell
from reform.validation import text_problem

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Where the headings are looked for: a list may have title rows above them.
HEADER_SEARCH_ROWS = 15

# The export's columns in order: key, heading.
COLUMNS = (
    ("no", _l("No.")),
    ("name", _l("Collective or person")),
    ("unit", _l("Unit")),
    ("title", _l("Title or award")),
    ("year", _l("Year")),
    ("decision_number", _l("Decision number")),
    ("decision_date", _l("Decision date")),
    ("signer", _l("Signed by")),
    ("unit_code", _l("Unit code")),
    ("title_code", _l("Title code")),
)
# Headings the import understands (folded: no case, no diacritics), in either language.
ALIASES = {
    "year": ("year", "nam"),
    "title_code": ("title_code", "title code", "ma danh hieu"),
    "title": (
        "title",
        "title or award",
        "danh hieu hoac hinh thuc khen thuong",
        "danh hieu, hinh thuc",
        "danh hieu",
        "hinh thuc",
    ),
    "unit_code": ("unit_code", "unit code", "ma don vi"),
    "name": (
        "name",
        "collective or person",
        "ten tap the, ca nhan",
        "ho va ten",
        "ho ten",
        "ten",
    ),
    "person_code": ("person_code", "staff number", "ma can bo", "so hieu"),
    "decision_number": ("decision_number", "decision number", "so quyet dinh"),
    "decision_date": ("decision_date", "decision date", "ngay quyet dinh"),
    "signer": ("signer", "signed by", "nguoi ky"),
    "note": ("note", "notes", "ghi chu"),
}
REQUIRED = ("year", "unit_code", "decision_number", "decision_date", "signer")
_DATE_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


# ---- export -----------------------------------------------------------------------------


def decision_text(award: Award) -> str:
    """“125/QĐ-UBND, 15/01/2025”."""
    return f"{award.decision_number}, {award.decision_date.strftime('%d/%m/%Y')}"


def awards_xlsx(rows: list[Award], *, subtitle: str) -> bytes:
    """The reporting list: a title, what it covers, the headings and one line per entry."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(name="Times New Roman", bold=True, size=12)
    plain = Font(name="Times New Roman", size=12)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Commendations")[:31]
    width = len(COLUMNS)
    heading = _("List of titles and awards conferred")
    workbook.properties.title = heading
    set_cell(sheet, 1, 1, heading.upper()).font = Font(name="Times New Roman", bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).alignment = centre
    set_cell(sheet, 2, 1, subtitle).font = Font(name="Times New Roman", italic=True)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.cell(2, 1).alignment = centre
    header_row = 4
    for column, (_key, text) in enumerate(COLUMNS, start=1):
        cell = set_cell(sheet, header_row, column, str(text))
        cell.font, cell.alignment, cell.border = bold, centre, border
        cell.fill = PatternFill("solid", fgColor="F0F0F0")
    for n, award in enumerate(rows, start=1):
        values = (
            n,
            award.recipient_name,
            award.unit.name,
            award.title_name,
            award.year,
            award.decision_number,
            award.decision_date,
            award.signer,
            award.unit.code,
            award.title_code,
        )
        for column, value in enumerate(values, start=1):
            cell = set_cell(sheet, header_row + n, column, value)
            cell.font, cell.border = plain, border
            cell.alignment = Alignment(horizontal="center", vertical="top") if column == 1 else wrap
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
    for column, size in enumerate((6, 30, 30, 34, 8, 18, 14, 30, 12, 14), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- import -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, or the problems (line, message) that stopped it."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    stored: int = 0
    years: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value: object) -> str:
    """A spreadsheet cell as text (12.0 is "12", a date is dd/mm/yyyy)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _lines(data: bytes, filename: str) -> list[tuple[int, list[str]]] | str:
    """Every line of the file with its number, or what makes it unreadable."""
    if len(data) > MAX_BYTES:
        return _("The file is larger than 5 MB.")
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            return _("The file is not an Excel workbook (.xlsx).")
        try:
            lines = []
            for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
                if number > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
                lines.append((number, [_cell(v) for v in values]))
        finally:
            workbook.close()
        return lines
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text. Save it as CSV UTF-8.")
    reader = csv.reader(io.StringIO(text))
    try:
        return [(reader.line_num, [c.strip() for c in row]) for row in reader]
    except csv.Error as exc:
        return _("The CSV file cannot be read (%(problem)s).", problem=exc)


def _columns(header: list[str]) -> dict[str, int]:
    folded = [vi_fold(h) for h in header]
    found = {}
    for key, names in ALIASES.items():
        for index, name in enumerate(folded):
            if name in names and key not in found:
                found[key] = index
    return found


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (or d/m/yyyy, dd.mm.yyyy) or yyyy-mm-dd; None when it is not a date."""
    text = text.strip()
    try:
        if found := _DATE_DMY.fullmatch(text):
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        if found := _DATE_ISO.fullmatch(text.split(" ")[0]):
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None
    return None


def import_awards(data: bytes, filename: str, *, actor: User | None, today: date) -> ImportReport:
    """Add the entries of a list (Excel or CSV); any wrong line stores nothing."""
    report = ImportReport()
    lines = _lines(data, filename)
    if isinstance(lines, str):
        report.errors.append((1, lines))
        return report
    header_at = next(
        (
            i
            for i, (_n, values) in enumerate(lines[:HEADER_SEARCH_ROWS])
            if {"year", "unit_code", "decision_number"} <= set(_columns(values))
        ),
        None,
    )
    if header_at is None:
        report.errors.append(
            (1, _("No heading row with the columns year, unit_code and decision_number."))
        )
        return report
    columns = _columns(lines[header_at][1])
    missing = [key for key in REQUIRED if key not in columns]
    if "title_code" not in columns and "title" not in columns:
        missing.append("title_code")
    if missing:
        report.errors.append(
            (lines[header_at][0], _("Missing columns: %(cols)s.", cols=", ".join(missing)))
        )
        return report
    rows = [
        (number, {key: (values[i] if i < len(values) else "") for key, i in columns.items()})
        for number, values in lines[header_at + 1 :]
        if any(v.strip() for v in values)
    ]
    if not rows:
        report.errors.append((lines[header_at][0], _("The file lists no title or award.")))
        return report
    if len(rows) > MAX_ROWS:
        report.errors.append((1, _("At most %(n)s lines per file.", n=MAX_ROWS)))
        return report
    reader = _RowReader(today)
    awards = []
    for number, cells in rows:
        award, problems = reader.read(cells)
        report.errors.extend((number, p) for p in problems)
        if award is not None:
            awards.append(award)
    if report.errors:
        return report
    for award in awards:
        award.source = IMPORTED
        award.created_by_id = actor.id if actor else None
        db.session.add(award)
    report.stored = len(awards)
    report.years = sorted({a.year for a in awards})
    record(
        "awards_imported",
        actor=actor,
        stage="awards",
        to_value=f"{report.stored} ({', '.join(str(y) for y in report.years)})",
        reason=filename[:255],
    )
    db.session.commit()
    return report


class _RowReader:
    """Reads lines against the catalogue in force, the units and people, and what the register
    and the earlier lines of the file already hold."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.entries = entries()
        self.by_code = {e["code"].lower(): e for e in self.entries}
        self.by_name: dict[str, list[dict]] = {}
        for entry in self.entries:
            self.by_name.setdefault(vi_fold(entry["name"]), []).append(entry)
        self.units = {u.code.lower(): u for u in db.session.scalars(select(Unit))}
        self.people: dict[int, list[Person]] = {}
        for person in db.session.scalars(select(Person)):
            self.people.setdefault(person.unit_id, []).append(person)
        self.seen: set[tuple] = set()
        for award in db.session.scalars(select(Award)):
            self.seen.update(self._keys(award))

    @staticmethod
    def _keys(award: Award) -> list[tuple]:
        """A title is held once a year by a recipient; an award once per decision."""
        who = recipient_key(award)
        base = (award.year, award.title_code, award.unit_id)
        names = [who]
        if award.scope == INDIVIDUAL:
            names.append(("name", award.unit_id, vi_fold(award.recipient_name)))
        if award.kind == TITLE:
            return [(*base, n) for n in names]
        return [(*base, n, award.decision_number.strip().lower()) for n in names]

    def _entry(self, cells: dict, problems: list) -> dict | None:
        code = cells.get("title_code", "").strip()
        if code and code.lower() in self.by_code:
            return self.by_code[code.lower()]
        if code and vi_fold(code) not in self.by_name:
            problems.append(_("No title or award of the catalogue has code %(code)s.", code=code))
            return None
        # A name where the code was expected is read as a name.
        name = code or cells.get("title", "").strip()
        found = self.by_name.get(vi_fold(name), [])
        if not name:
            problems.append(_("Give the title or award (its code or its name)."))
        elif not found:
            problems.append(
                _(
                    "“%(name)s” is not in the catalogue: add it there first, or write its code.",
                    name=name,
                )
            )
        elif len(found) > 1:
            codes = ", ".join(e["code"] for e in found)
            problems.append(
                _(
                    "“%(name)s” exists for collectives and for individuals: write its code "
                    "(%(codes)s).",
                    name=name,
                    codes=codes,
                )
            )
        else:
            return found[0]
        return None

    def read(self, cells: dict) -> tuple[Award | None, list[str]]:
        problems: list[str] = []
        entry = self._entry(cells, problems)
        year_text = cells.get("year", "").strip()
        year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
        if year is None or not EARLIEST_YEAR <= year <= self.today.year:
            problems.append(
                _(
                    "year: a year from %(first)s to %(last)s.",
                    first=EARLIEST_YEAR,
                    last=self.today.year,
                )
            )
        unit = self.units.get(cells.get("unit_code", "").strip().lower())
        if unit is None:
            problems.append(
                _("unit_code: no unit has code “%(code)s”.", code=cells.get("unit_code", ""))
            )
        decision_date = parse_date(cells.get("decision_date", ""))
        if decision_date is None:
            problems.append(_("decision_date: write the date as dd/mm/yyyy."))
        elif not date(EARLIEST_YEAR, 1, 1) <= decision_date <= self.today:
            problems.append(_("decision_date: a date from 01/01/1990 to today."))
        elif year is not None and decision_date.year < year:
            problems.append(
                _("decision_date: the decision cannot come before the year it rewards.")
            )
        texts = {}
        for key, size in (("name", 300), ("decision_number", 60), ("signer", 300), ("note", 2000)):
            value = " ".join(cells.get(key, "").split()) if key != "note" else cells.get(key, "")
            problem = text_problem(value, max_length=size, multiline=key == "note")
            if problem:
                problems.append(f"{key}: {problem}")
            texts[key] = value.strip()
        for key in ("decision_number", "signer"):
            if not texts[key]:
                problems.append(_("%(column)s is empty.", column=key))
        person = None
        if entry is not None and unit is not None and entry["scope"] == INDIVIDUAL:
            code = cells.get("person_code", "").strip()
            staff = self.people.get(unit.id, [])
            if code:
                person = next((p for p in staff if p.code == code), None)
                if person is None:
                    problems.append(
                        _("person_code: no one of the unit has staff number %(code)s.", code=code)
                    )
            elif not texts["name"]:
                problems.append(_("name: give the person's full name."))
            else:
                named = [p for p in staff if vi_fold(p.full_name) == vi_fold(texts["name"])]
                person = named[0] if len(named) == 1 else None
        if problems or entry is None or unit is None:
            return None, problems
        name = texts["name"] or (person.full_name if person else unit.name)
        award = Award(
            year=year,
            scope=entry["scope"],
            unit_id=unit.id,
            person_id=person.id if person else None,
            recipient_name=name if entry["scope"] == INDIVIDUAL else (texts["name"] or unit.name),
            title_code=entry["code"],
            title_name=entry["name"],
            kind=entry["kind"],
            level=entry["level"],
            family=entry["family"],
            decision_number=texts["decision_number"],
            decision_date=decision_date,
            signer=texts["signer"],
            note=texts["note"] or None,
        )
        keys = self._keys(award)
        if any(k in self.seen for k in keys):
            message = _(
                "%(name)s already holds this in %(year)s (in the register or an earlier line).",
                name=award.recipient_name,
                year=year,
            )
            return None, [message]
        self.seen.update(keys)
        return award, []
