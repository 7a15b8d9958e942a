"""Results over the years: imported history and published campaigns of a framework code."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from reform.extensions import db
from reform.models import Campaign, Framework, HistoricalResult, ResultsVersion, Unit

COLUMNS = ("year", "unit_code", "points", "index", "rank")


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


def _decimal(text: str) -> Decimal | None:
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


def import_history(data: bytes, *, framework_code: str, filename: str) -> HistoryReport:
    """Store past published results (year, unit_code, points or index, rank); all or none."""
    report = HistoryReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((1, "the file is not UTF-8 text"))
        return report
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("year", "unit_code") if c not in header]
    if missing or not ({"points", "index"} & set(header)):
        report.errors.append((1, f"columns needed: {', '.join(COLUMNS)} (points or index)"))
        return report
    reader.fieldnames = header
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    rows, seen = [], {}
    for row in reader:
        line = reader.line_num
        code = (row.get("unit_code") or "").strip()
        try:
            year = int((row.get("year") or "").strip())
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            report.errors.append((line, "year must be a whole number such as 2024"))
            continue
        if code not in units:
            report.errors.append((line, f"{code or '(empty)'}: unknown unit"))
            continue
        if (code, year) in seen:
            report.errors.append((line, f"{code} {year}: already on line {seen[code, year]}"))
            continue
        seen[code, year] = line
        try:
            points, index = _decimal(row.get("points", "")), _decimal(row.get("index", ""))
        except ValueError as bad:
            report.errors.append((line, f"not a number: {bad}"))
            continue
        if points is None and index is None:
            report.errors.append((line, "give points or index"))
            continue
        rank_text = (row.get("rank") or "").strip()
        if rank_text and not (rank_text.isdigit() and int(rank_text) >= 1):
            report.errors.append((line, "rank must be a whole number from 1"))
            continue
        rows.append((units[code], year, points, index, int(rank_text) if rank_text else None))
    if not rows and not report.errors:
        report.errors.append((1, "the file has no rows"))
    if report.errors:
        return report
    existing = {
        (h.unit_id, h.year): h
        for h in db.session.scalars(
            select(HistoricalResult).where(HistoricalResult.framework_code == framework_code)
        )
    }
    for unit, year, points, index, rank in rows:
        item = existing.get((unit.id, year)) or HistoricalResult(
            unit_id=unit.id, framework_code=framework_code, year=year
        )
        item.points, item.index, item.rank = points, index, rank
        item.source = f"import:{filename}"[:200]
        db.session.add(item)
        report.stored += 1
    db.session.commit()
    return report


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
