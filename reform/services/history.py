"""Results over the years: imported history and published campaigns of a framework code."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from reform.extensions import db
from reform.models import (
    AuditEvent,
    Campaign,
    Framework,
    HistoricalResult,
    ResultsVersion,
    Unit,
    User,
)
from reform.scoring.numbers import MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS, fits_figure
from reform.services.audit import record
from reform.services.evidence import safe_filename
from reform.validation import bounded_int

COLUMNS = ("year", "unit_code", "points", "index", "rank")
# Kept for people who like to see the unit's name in their spreadsheet; never read.
IGNORED_COLUMNS = ("unit_name",)
FIRST_YEAR, LAST_YEAR = 1990, 2100
IMPORTED, DELETED = "history_imported", "history_deleted"
SOURCE_PREFIX = "import:"


@dataclass(frozen=True)
class YearFigure:
    """One unit's published figure for one year."""

    year: int
    points: Decimal | None
    index: Decimal | None
    rank: int | None
    source: str  # "import:<file>" or "campaign:<code>"


@dataclass
class HistoryReport:
    """What a history import stored, or every reason it was refused (line, message)."""

    stored: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportedYear:
    """One imported year of a framework code: how many units and from which files."""

    framework_code: str
    year: int
    rows: int
    files: tuple[str, ...]
    imported_at: datetime | None


@dataclass(frozen=True)
class CampaignYear:
    """One year of a framework code that comes from a published campaign."""

    framework_code: str
    year: int
    campaign_code: str
    campaign_name: str
    rows: int


def _decimal(text: str) -> Decimal | None:
    """A figure of 0 or more from a cell (decimal comma allowed); None when empty."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite() or value < 0:
        raise ValueError(text)
    return value


def _index_capped(framework_code: str) -> bool:
    """True when every version of the code computes a percent index (which cannot pass 100)."""
    results = set(
        db.session.scalars(select(Framework.result).where(Framework.code == framework_code))
    )
    return results == {"percent"}


def _header_problems(header: list[str]) -> list[str]:
    """Why a header row cannot be read, in words (empty when it can)."""
    problems = []
    missing = [c for c in ("year", "unit_code") if c not in header]
    if missing:
        problems.append(_("Missing columns: %(cols)s.", cols=", ".join(missing)))
    if not {"points", "index"} & set(header):
        problems.append(_("The file needs a points column, an index column, or both."))
    # An unnamed column (a trailing comma in the header) holds nothing to misread.
    unknown = [c for c in header if c and c not in COLUMNS + IGNORED_COLUMNS]
    if unknown:
        problems.append(
            _(
                "Unknown columns: %(cols)s. The columns are: %(expected)s.",
                cols=", ".join(unknown),
                expected=", ".join(COLUMNS),
            )
        )
    return problems


def import_history(
    data: bytes, *, framework_code: str, filename: str, actor: User | None = None
) -> HistoryReport:
    """Store past published results (year, unit_code, points or index, rank); all or none."""
    # A (unit, year) already stored for the code is replaced, so importing the same file twice
    # changes nothing; units no longer active are accepted (the history of merged units).
    report = HistoryReport()
    # The name is kept as the rows' source and in the audit log: no control characters.
    filename = safe_filename(filename)
    if not db.session.scalar(select(Framework.id).where(Framework.code == framework_code).limit(1)):
        report.errors.append((0, _("No framework has the code “%(code)s”.", code=framework_code)))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((1, _("The file is not UTF-8 text. Save it as CSV UTF-8.")))
        return report
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not header:
        report.errors.append((1, _("The file has no rows.")))
        return report
    problems = _header_problems(header)
    if problems:
        report.errors.extend((1, problem) for problem in problems)
        return report
    reader.fieldnames = header
    capped = _index_capped(framework_code)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    rows, seen = [], {}
    for row in reader:
        line = reader.line_num
        cells = {c: (row.get(c) or "").strip() for c in COLUMNS}
        if not any(cells.values()):
            continue  # a spreadsheet's trailing ",,,," line
        errors = _row_problems(cells, units, capped)
        code, year = cells["unit_code"], _year(cells["year"])
        if code in units and year is not None:
            if (code, year) in seen:
                errors.append(
                    _(
                        "%(code)s %(year)s already appears on line %(n)s.",
                        code=code,
                        year=year,
                        n=seen[code, year],
                    )
                )
            else:
                seen[code, year] = line
        if errors:
            report.errors.extend((line, message) for message in errors)
            continue
        rank = int(cells["rank"]) if cells["rank"] else None
        points, index = _decimal(cells["points"]), _decimal(cells["index"])
        rows.append((units[code], year, points, index, rank))
    if not rows and not report.errors:
        report.errors.append((1, _("The file has no rows.")))
    if report.errors:
        return report
    existing = {
        (h.unit_id, h.year): h
        for h in db.session.scalars(
            select(HistoricalResult).where(HistoricalResult.framework_code == framework_code)
        )
    }
    per_year: dict[int, int] = {}
    for unit, year, points, index, rank in rows:
        item = existing.get((unit.id, year)) or HistoricalResult(
            unit_id=unit.id, framework_code=framework_code, year=year
        )
        item.points, item.index, item.rank = points, index, rank
        item.source = f"{SOURCE_PREFIX}{filename}"[:200]
        db.session.add(item)
        per_year[year] = per_year.get(year, 0) + 1
        report.stored += 1
    for year, count in sorted(per_year.items()):
        record(
            IMPORTED,
            actor=actor,
            to_value=f"{framework_code} {year}: {count}",
            reason=filename,
        )
    db.session.commit()
    return report


def _year(text: str) -> int | None:
    """The year of a cell, or None when it is not a whole year in the accepted range."""
    try:
        year = int(text)
    except ValueError:
        return None
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _row_problems(cells: dict[str, str], units: dict[str, Unit], capped: bool) -> list[str]:
    """Every reason one data line cannot be stored (a line may have several)."""
    errors = []
    if _year(cells["year"]) is None:
        errors.append(
            _(
                "Year “%(value)s” must be a whole number from %(first)s to %(last)s, such as 2024.",
                value=cells["year"],
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    code = cells["unit_code"]
    if not code:
        errors.append(_("The unit code is empty."))
    elif code not in units:
        errors.append(_("Unit code “%(code)s” is not a known unit.", code=code))
    figures = {}
    for column in ("points", "index"):
        try:
            figures[column] = _decimal(cells[column])
        except ValueError:
            errors.append(
                _(
                    "%(column)s “%(value)s” is not a number of 0 or more.",
                    column=column,
                    value=cells[column],
                )
            )
            figures[column] = Decimal(0)
            continue
        if figures[column] is not None and not fits_figure(figures[column]):
            errors.append(
                _(
                    "%(column)s “%(value)s” has too many digits: at most %(digits)s before the "
                    "decimal point and %(places)s after it.",
                    column=column,
                    value=cells[column],
                    digits=MAX_INTEGER_DIGITS,
                    places=MAX_DECIMAL_PLACES,
                )
            )
            figures[column] = Decimal(0)
    if figures["points"] is None and figures["index"] is None:
        errors.append(_("Give the points or the index (or both)."))
    elif capped and figures["index"] is not None and figures["index"] > 100:
        errors.append(_("The index is a percentage: it cannot exceed 100."))
    rank = cells["rank"]
    if rank and bounded_int(rank, low=1) is None:
        errors.append(_("Rank “%(value)s” must be a whole number from 1, or empty.", value=rank))
    return errors


def imported_years(framework_code: str | None = None) -> list[ImportedYear]:
    """The imported years (of one code, or of all), newest first within each code."""
    stmt = select(
        HistoricalResult.framework_code,
        HistoricalResult.year,
        HistoricalResult.source,
        func.count(),
        func.max(HistoricalResult.imported_at),
    ).group_by(HistoricalResult.framework_code, HistoricalResult.year, HistoricalResult.source)
    if framework_code is not None:
        stmt = stmt.where(HistoricalResult.framework_code == framework_code)
    grouped: dict[tuple[str, int], list] = {}
    for code, year, source, count, at in db.session.execute(stmt):
        grouped.setdefault((code, year), []).append((source, count, at))
    out = []
    for (code, year), parts in grouped.items():
        files = sorted({source.removeprefix(SOURCE_PREFIX) for source, _n, _at in parts})
        moments = [at for _s, _n, at in parts if at is not None]
        out.append(
            ImportedYear(
                code,
                year,
                sum(count for _s, count, _at in parts),
                tuple(files),
                max(moments) if moments else None,
            )
        )
    out.sort(key=lambda y: (y.framework_code, -y.year))
    return out


def campaign_years(framework_code: str) -> list[CampaignYear]:
    """The years of the code that come from published campaigns, newest first."""
    out = []
    for campaign, document in _published(framework_code):
        rows = sum(len(block["results"]) for block in document["blocks"])
        out.append(
            CampaignYear(
                framework_code, _campaign_year(campaign), campaign.code, campaign.name, rows
            )
        )
    out.sort(key=lambda y: (-y.year, y.campaign_code))
    return out


def delete_year(framework_code: str, year: int, *, actor: User | None = None) -> int:
    """Remove the imported rows of one year of a code (never a campaign's); how many went."""
    found = imported_years(framework_code)
    item = next((y for y in found if y.year == year), None)
    if item is None:
        return 0
    db.session.execute(
        delete(HistoricalResult).where(
            HistoricalResult.framework_code == framework_code, HistoricalResult.year == year
        )
    )
    record(
        DELETED,
        actor=actor,
        from_value=f"{framework_code} {year}: {item.rows}",
        reason=", ".join(item.files),
    )
    db.session.commit()
    return item.rows


@dataclass(frozen=True)
class HistoryEvent:
    """One import or deletion of a year, as the audit log recorded it."""

    at: datetime
    action: str
    actor: User | None
    framework_code: str
    year: int
    rows: int
    files: str | None


def _event(event: AuditEvent) -> HistoryEvent | None:
    """Read back "<code> <year>: <rows>" as record() wrote it (None if it does not parse)."""
    what, _sep, rows = (event.to_value or event.from_value or "").rpartition(": ")
    code, _sep, year = what.rpartition(" ")
    if not (code and year.isdigit() and rows.isdigit()):
        return None
    return HistoryEvent(
        event.at, event.action, event.actor, code, int(year), int(rows), event.reason
    )


def recent_events(limit: int = 20) -> list[HistoryEvent]:
    """The latest history imports and deletions from the audit log, newest first."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_((IMPORTED, DELETED)))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [item for item in map(_event, events) if item is not None]


def _published(framework_code: str) -> list[tuple[Campaign, dict]]:
    """Each published campaign of the framework code with its latest results document."""
    campaigns = db.session.scalars(
        select(Campaign)
        .join(Framework, Campaign.framework_id == Framework.id)
        .where(Framework.code == framework_code, Campaign.published_at.is_not(None))
    ).all()
    out = []
    for campaign in campaigns:
        latest = db.session.scalar(
            select(ResultsVersion)
            .where(ResultsVersion.campaign_id == campaign.id)
            .order_by(ResultsVersion.version.desc())
            .limit(1)
        )
        if latest is not None:
            out.append((campaign, json.loads(latest.payload)))
    return out


def _campaign_year(campaign: Campaign) -> int:
    """The year a campaign's results are for."""
    return campaign.year or campaign.self_opens_on.year


def figures_by_year(framework_code: str) -> dict[int, dict[str, YearFigure]]:
    """Every known year of the series: {year: {unit_code: figure}}; campaigns win over imports."""
    years: dict[int, dict[str, YearFigure]] = {}
    imported = db.session.execute(
        select(HistoricalResult, Unit.code)
        .join(Unit, HistoricalResult.unit_id == Unit.id)
        .where(HistoricalResult.framework_code == framework_code)
    ).all()
    for item, code in imported:
        years.setdefault(item.year, {})[code] = YearFigure(
            item.year, item.points, item.index, item.rank, item.source
        )
    for campaign, document in _published(framework_code):
        year = _campaign_year(campaign)
        for block in document["blocks"]:
            for row in block["results"]:
                years.setdefault(year, {})[row["unit_code"]] = YearFigure(
                    year,
                    Decimal(row["points"]),
                    Decimal(row["index"]) if row["index"] is not None else None,
                    row["rank"],
                    f"campaign:{campaign.code}",
                )
    return years


def series(unit: Unit, framework_code: str) -> list[YearFigure]:
    """A unit's published figures over the years, oldest first."""
    years = figures_by_year(framework_code)
    return [years[y][unit.code] for y in sorted(years) if unit.code in years[y]]


def previous_year(campaign: Campaign) -> dict[str, YearFigure]:
    """Each unit's figure for the latest year before the campaign's, by unit code."""
    year = _campaign_year(campaign)
    years = figures_by_year(campaign.framework.code)
    earlier = [y for y in years if y < year]
    return years[max(earlier)] if earlier else {}
