"""Official outputs of a campaign's results: the Excel workbook, CSV and printable reports."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.i18n import fmt_date, fmt_datetime, fmt_number
from reform.models import Block, Campaign, ResultsVersion, Submission, Unit
from reform.scoring import Band, Framework, combine, round2, score
from reform.scoring.numbers import fmt2
from reform.scoring.stats import average
from reform.services.bands import bands_for_block
from reform.services.framework_cache import parsed_framework
from reform.services.phases import today
from reform.services.publication import RESULT_COLUMNS, result_rows, results_document
from reform.services.result_columns import ResultColumns, result_columns
from reform.services.results import stage_values
from reform.services.spreadsheet import CsvDictWriter, set_cell

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Row of the column headings on every block sheet of the workbook (the title rows come first).
HEADER_ROW = 9
CSV_STATUS_COLUMNS = ("status", "version", "published_on", "content_hash")
# A document number entered when generating the report: digits, maybe a letter ("125", "12a").
DOCUMENT_NUMBER = re.compile(r"[0-9]{1,6}[A-Za-z]?")
# The gap left for the number (or the place) when the report is printed to be filled by hand.
BLANK = "\u00a0" * 8


@dataclass(frozen=True)
class Area:
    """A top-level node that has a component index (neither bonus nor penalty)."""

    code: str
    name: str


@dataclass(frozen=True)
class BandRange:
    """One band of a block with the range of figures it covers."""

    label: str
    min: Decimal
    below: Decimal | None

    def text(self, percent: bool) -> str:
        """The band as the legend writes it, e.g. "B: from 80% to below 90%"."""
        unit = "%" if percent else ""
        low = _threshold(self.min) + unit
        if self.below is None:
            return _("%(label)s: %(min)s and above", label=self.label, min=low)
        high = _threshold(self.below) + unit
        if self.min <= 0:
            return _("%(label)s: below %(max)s", label=self.label, max=high)
        return _("%(label)s: %(min)s to below %(max)s", label=self.label, min=low, max=high)


@dataclass
class ReportBlock:
    """One block of the document with its bands."""

    code: str
    name: str
    results: list[dict]
    bands: list[BandRange]


@dataclass
class OfficialReport:
    """Everything an official output shows, from the results document (published, else live)."""

    campaign: Campaign
    framework: Framework
    document: dict
    version: ResultsVersion | None
    issuer: Unit | None
    areas: list[Area]
    blocks: list[ReportBlock]
    day: date
    generated_at: datetime
    number: str | None = None

    @property
    def published(self) -> bool:
        """Whether the figures are a published version's (else live, not published)."""
        return self.version is not None

    @property
    def percent(self) -> bool:
        """Whether the result is an index in percent (else plain points)."""
        return self.framework.result != "points"

    @property
    def columns(self) -> ResultColumns:
        """The figure columns the framework calls for (the ranking page shows the same)."""
        return result_columns(self.framework)

    @property
    def year(self) -> int:
        """The campaign's year (its start date's when not set)."""
        return self.campaign.year or self.campaign.self_opens_on.year

    @property
    def title(self) -> str:
        """The document's title, e.g. "Kết quả Chỉ số cải cách hành chính năm 2025"."""
        if self.framework.kind == "emulation":
            return _("Emulation scoring results, %(year)s", year=self.year)
        return _("Administrative reform index results, %(year)s", year=self.year)

    @property
    def index_heading(self) -> str:
        """The heading of the index column: in percent, or plain for points frameworks."""
        return _("Index (%)") if self.percent else _("Index")

    @property
    def issuer_name(self) -> str:
        """The issuing body: the province (the participants' common parent), if known."""
        return self.issuer.name if self.issuer else ""

    @property
    def status_label(self) -> str:
        """Short label: published version, or not published."""
        if self.version is None:
            return _("Not published")
        return _("Published version %(num)s", num=self.version.version)

    @property
    def status_line(self) -> str:
        """The whole status line: version, date and hash, or that the figures are live."""
        if self.version is None:
            return _(
                "Not published: live figures as of %(time)s, they may still change.",
                time=fmt_datetime(self.generated_at),
            )
        return _(
            "Published version %(num)s of %(day)s, content hash SHA-256 %(hash)s",
            num=self.version.version,
            day=fmt_date(self.day),
            hash=self.version.content_hash,
        )

    @property
    def number_line(self) -> str:
        """ "Số: 125/BC-UBND"; without a number, a gap to fill by hand ("Số:        /BC-UBND")."""
        abbreviation = self.issuer.document_abbreviation if self.issuer else BLANK
        return _(
            "No. %(number)s/BC-%(abbreviation)s",
            number=self.number or BLANK,
            abbreviation=abbreviation,
        )

    @property
    def date_line(self) -> str:
        """ "Hòa Sơn, ngày dd tháng mm năm yyyy" with the issuer's place; "…" when it has none."""
        place = self.issuer.place_name() if self.issuer else None
        return _(
            "%(place)s, day %(day)s month %(month)s year %(year)s",
            place=place or "…",
            day=f"{self.day.day:02d}",
            month=f"{self.day.month:02d}",
            year=self.day.year,
        )

    def bands_note(self) -> list[tuple[str, str]]:
        """(block name, its bands as text); one line with no name when every block agrees."""
        texts = [
            (block.name, "; ".join(band.text(self.percent) for band in block.bands))
            for block in self.blocks
        ]
        if len({text for _name, text in texts}) <= 1:
            return [("", texts[0][1])] if texts else []
        return texts

    def find_unit(self, unit_code: str) -> tuple[ReportBlock, dict] | None:
        """The unit's block and row in the document, or None when it does not take part."""
        for block in self.blocks:
            for row in block.results:
                if row["unit_code"] == unit_code:
                    return block, row
        return None


def _threshold(value: Decimal) -> str:
    if value == value.to_integral_value():
        return fmt_number(value, places=0)
    return fmt_number(value)


def band_ranges(bands: tuple[Band, ...] | list[Band]) -> list[BandRange]:
    """Bands from the highest, each with the threshold of the band above as its upper bound."""
    ordered = sorted(bands, key=lambda band: band.min, reverse=True)
    out, above = [], None
    for band in ordered:
        out.append(BandRange(band.label, band.min, above))
        above = band.min
    return out


def issuing_unit(campaign: Campaign) -> Unit | None:
    """The participants' nearest common parent; else the one root of the unit tree, if any."""
    participants = list(
        db.session.scalars(
            select(Unit)
            .join(Submission, Submission.unit_id == Unit.id)
            .where(Submission.campaign_id == campaign.id)
        )
    )
    if participants:
        chains = [unit.ancestors() for unit in participants]
        shared = set.intersection(*({unit.id for unit in chain} for chain in chains))
        for unit in chains[0]:
            if unit.id in shared:
                return unit
    roots = list(
        db.session.scalars(
            select(Unit)
            .where(Unit.parent_id.is_(None), Unit.children.any())
            .order_by(Unit.code)
            .limit(2)
        )
    )
    return roots[0] if len(roots) == 1 else None


def document_number_problem(text: str) -> str | None:
    """Why a document number entered for the report is refused, or None."""
    if DOCUMENT_NUMBER.fullmatch(text):
        return None
    return _("Write the document number in digits, maybe with one letter after them, e.g. 125.")


def official_report(campaign: Campaign, number: str | None = None) -> OfficialReport:
    """The report of the campaign's results: the latest published version's, else live;
    `number` is the document number entered when generating it (checked by the caller)."""
    found = results_document(campaign)
    fw = parsed_framework(campaign.framework)
    areas = [Area(node.code, node.name) for node in fw.criteria if not (node.bonus or node.penalty)]
    block_ids = {b.code: b.id for b in db.session.scalars(select(Block))}
    blocks = []
    for block in found.document["blocks"]:
        own = bands_for_block(campaign, block_ids.get(block["code"]))
        bands = band_ranges(own if own is not None else fw.bands)
        blocks.append(ReportBlock(block["code"], block["name"], block["results"], bands))
    if found.version is not None:
        day = to_user_timezone(found.version.published_at).date()
    else:
        day = today()
    return OfficialReport(
        campaign=campaign,
        framework=fw,
        document=found.document,
        version=found.version,
        issuer=issuing_unit(campaign),
        areas=areas,
        blocks=blocks,
        day=day,
        generated_at=datetime.now(UTC).replace(tzinfo=None),
        number=number or None,
    )


# ---- CSV ---------------------------------------------------------------------------------------


def area_column(code: str) -> str:
    """The CSV column of an area's component index."""
    return f"area_{code}_index"


def official_csv(report: OfficialReport) -> bytes:
    """The results CSV (the columns of `reform results --format csv`), then one column per
    area's index and the publication status of the figures; UTF-8 with a BOM for Excel."""
    columns = [*RESULT_COLUMNS, *(area_column(a.code) for a in report.areas), *CSV_STATUS_COLUMNS]
    version = report.version
    status = {
        "status": "published" if version else "not published",
        "version": version.version if version else "",
        "published_on": report.day.isoformat() if version else "",
        "content_hash": version.content_hash if version else "",
    }
    out = io.StringIO()
    writer = CsvDictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    indices = _area_indices(report.document)
    for row in result_rows(report.document):
        line = dict(row)
        for area in report.areas:
            line[area_column(area.code)] = indices[row["unit_code"]].get(area.code) or ""
        line.update(status)
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _area_indices(document: dict) -> dict[str, dict[str, str | None]]:
    return {
        result["unit_code"]: {area["code"]: area["index"] for area in result.get("areas", [])}
        for block in document["blocks"]
        for result in block["results"]
    }


# ---- Excel -------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, not blank."""
    base = _SHEET_FORBIDDEN.sub("-", name).strip().strip("'")[:31].strip() or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)].rstrip() + suffix, n + 1
    taken.add(title.lower())
    return title


def sheet_headings(report: OfficialReport) -> list[str]:
    """The column headings of a block sheet: rank, unit, the framework's figures, band, areas."""
    names = {
        "self_points": _("Self points"),
        "appraised_points": _("Appraised points"),
        "survey_points": _("Survey points"),
        "points": _("Points"),
        "max_points": _("Max points"),
        "index": report.index_heading,
    }
    return [
        _("Rank"),
        _("Unit"),
        *(names[key] for key in report.columns.figures),
        _("Band"),
        *(f"{area.code}. {area.name}" for area in report.areas),
    ]


def official_xlsx(report: OfficialReport) -> bytes:
    """The workbook in the official layout: title rows, a sheet per block, a sheet of bands."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(name="Times New Roman", bold=True, size=12)
    plain = Font(name="Times New Roman", size=12)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    headings = sheet_headings(report)
    figures = report.columns.figures
    band_column = 3 + len(figures)
    width = len(headings)
    last = get_column_letter(width)
    # The issuer takes the first three columns, the national header the rest (as on paper).
    split = 3

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = report.title
    workbook.properties.subject = report.campaign.name
    workbook.properties.description = report.status_line
    workbook.properties.keywords = report.status_label
    taken: set[str] = set()

    def merged(sheet, row: int, text: str, font: Font, first: int = 1, end: int = width) -> None:
        set_cell(sheet, row, first, text).font = font
        sheet.cell(row, first).alignment = centre
        if end > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=end)

    def title_rows(sheet, subtitle: str) -> None:
        merged(sheet, 1, report.issuer_name.upper(), bold, 1, split)
        merged(sheet, 1, NATIONAL_NAME, bold, split + 1)
        merged(sheet, 2, NATIONAL_MOTTO, bold, split + 1)
        # The number under the issuer and the place and date under the motto, on one line.
        merged(sheet, 3, report.number_line, plain, 1, split)
        merged(sheet, 3, report.date_line, Font(name="Times New Roman", italic=True), split + 1)
        merged(sheet, 4, report.title.upper(), Font(name="Times New Roman", bold=True, size=14))
        merged(sheet, 5, report.campaign.name, bold)
        merged(sheet, 6, subtitle, bold)
        status_font = Font(
            name="Times New Roman",
            italic=True,
            bold=not report.published,
            color="000000" if report.published else "C00000",
        )
        merged(sheet, 7, report.status_line, status_font)
        sheet.row_dimensions[4].height = 24
        sheet.row_dimensions[7].height = 30

    def page_setup(sheet) -> None:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.oddFooter.center.text = "&P / &N"

    for block in report.blocks or [ReportBlock("", "", [], [])]:
        sheet = workbook.create_sheet(sheet_title(block.name or block.code or "-", taken))
        title_rows(sheet, _("Block: %(name)s", name=block.name or block.code))
        for column, text in enumerate(headings, start=1):
            cell = set_cell(sheet, HEADER_ROW, column, text)
            cell.font, cell.alignment, cell.border = bold, centre, border
            cell.fill = PatternFill("solid", fgColor="F0F0F0")
        sheet.row_dimensions[HEADER_ROW].height = 48
        for offset, result in enumerate(block.results, start=1):
            areas = {area["code"]: area["index"] for area in result.get("areas", [])}
            values = [
                result["rank"],
                result["unit_name"],
                *(_figure(result.get(key)) for key in figures),
                result.get("band"),
                *(_figure(areas.get(area.code)) for area in report.areas),
            ]
            for column, value in enumerate(values, start=1):
                cell = set_cell(sheet, HEADER_ROW + offset, column, value)
                cell.font, cell.border = plain, border
                if isinstance(value, Decimal):
                    cell.number_format = "0.00"
                    cell.alignment = Alignment(horizontal="right")
                elif column in (1, band_column):
                    cell.alignment = Alignment(horizontal="center")
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 3)
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        for column in range(1, width + 1):
            letter = get_column_letter(column)
            sheet.column_dimensions[letter].width = {1: 9, 2: 38, band_column: 10}.get(column, 13)
        sheet.print_area = f"A1:{last}{max(HEADER_ROW + len(block.results), HEADER_ROW)}"
        page_setup(sheet)

    legend = workbook.create_sheet(sheet_title(_("Bands"), taken))
    title_rows(legend, _("Bands"))
    for column, text in enumerate((_("Block"), _("Band"), _("From"), _("Below")), start=1):
        cell = set_cell(legend, HEADER_ROW, column, text)
        cell.font, cell.alignment, cell.border = bold, centre, border
    row = HEADER_ROW
    for block in report.blocks:
        for band in block.bands:
            row += 1
            values = (block.name or block.code, band.label, band.min, band.below)
            for column, value in enumerate(values, start=1):
                cell = set_cell(legend, row, column, value)
                cell.font, cell.border = plain, border
                if isinstance(value, Decimal):
                    cell.number_format = "0.00"
    for letter, size in zip("ABCD", (38, 10, 12, 12), strict=True):
        legend.column_dimensions[letter].width = size
    page_setup(legend)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _figure(value: str | None) -> Decimal | None:
    """A document figure ("81.33") as an exact number for the cell, None for none."""
    return None if value is None or value == "" else Decimal(value)


# ---- one unit ----------------------------------------------------------------------------------


@dataclass
class UnitReport:
    """One unit's page: its row, rank in the block, areas against the block, criteria."""

    report: OfficialReport
    unit: Unit
    submission: Submission
    block: ReportBlock
    row: dict
    areas: list[dict]
    criteria: list[dict]

    @property
    def block_size(self) -> int:
        """How many units the block ranks."""
        return len(self.block.results)


def block_averages(block: ReportBlock) -> dict[str, str | None]:
    """Each area's block average: the mean of the units' published 2-place indices, 2 places."""
    sums: dict[str, list[Decimal]] = {}
    for result in block.results:
        for area in result.get("areas", []):
            if area["index"] is not None:
                sums.setdefault(area["code"], []).append(Decimal(area["index"]))
    return {code: fmt2(round2(average(values))) for code, values in sums.items()}


def unit_report(report: OfficialReport, unit: Unit) -> UnitReport | None:
    """The unit's report, or None when it does not take part in the campaign."""
    found = report.find_unit(unit.code)
    submission = db.session.scalar(
        select(Submission)
        .where(Submission.campaign_id == report.campaign.id, Submission.unit_id == unit.id)
        .options(joinedload(Submission.unit))
    )
    if found is None or submission is None:
        return None
    block, row = found
    averages = block_averages(block)
    names = {area.code: area.name for area in report.areas}
    areas = [
        {
            "code": area["code"],
            "name": names.get(area["code"], ""),
            "points": area["points"],
            "max_points": area["max_points"],
            "index": area["index"],
            "average": averages.get(area["code"]),
            "difference": (
                fmt2(Decimal(area["index"]) - Decimal(averages[area["code"]]))
                if area["index"] is not None and averages.get(area["code"]) is not None
                else None
            ),
        }
        for area in row.get("areas", [])
    ]
    return UnitReport(
        report=report,
        unit=unit,
        submission=submission,
        block=block,
        row=row,
        areas=areas,
        criteria=criteria_rows(report.framework, unit.kind, submission),
    )


def criteria_rows(fw: Framework, kind: str, submission: Submission) -> list[dict]:
    """Every criterion that applies to the unit with its max, self, appraised and final points."""
    own, appraised, survey = stage_values(submission)
    surveys = fw.survey_codes
    own = {code: value for code, value in own.items() if code not in surveys}
    appraised = {code: value for code, value in appraised.items() if code not in surveys}
    survey = {code: value for code, value in survey.items() if code in surveys}
    self_card = score(fw, kind, own)
    council_card = score(fw, kind, combine(own, appraised)) if appraised else None
    current = score(fw, kind, combine(own, appraised, survey))
    rows: list[dict] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            if not node.applies_to_kind(kind):
                continue
            final = current.node(node.code)
            is_survey = node.is_survey or (
                not node.is_leaf and all(leaf.is_survey for leaf in node.walk() if leaf.is_leaf)
            )
            rows.append(
                {
                    "code": node.code,
                    "name": node.name,
                    "depth": depth,
                    "leaf": node.is_leaf,
                    "applicable": final.applicable,
                    "max": fmt2(final.max) if final.applicable else None,
                    "self": None if is_survey else fmt2(self_card.node(node.code).points),
                    "appraised": (
                        fmt2(council_card.node(node.code).points)
                        if council_card is not None and not is_survey
                        else None
                    ),
                    "points": fmt2(final.points),
                    "appraised_here": node.code in appraised,
                }
            )
            walk(node.children, depth + 1)

    walk(fw.criteria, 0)
    return rows
