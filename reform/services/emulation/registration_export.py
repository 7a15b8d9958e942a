"""The registrations as the emulation office (Ban Thi đua – Khen thưởng) collects them: a
workbook with the collective registrations on one sheet and the individual ones on another."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from reform.models import Campaign, Cluster, Registration, Unit
from reform.models.registrations import SUBMITTED
from reform.services.emulation.pledges import campaign_year
from reform.services.official import NATIONAL_MOTTO, NATIONAL_NAME, issuing_unit, sheet_title
from reform.services.phases import today
from reform.services.spreadsheet import set_cell

# Row of the column headings on both sheets (the title rows come first).
HEADER_ROW = 7


@dataclass
class RegistrationList:
    """The submitted registrations of a scope (the whole campaign, or one cluster)."""

    campaign: Campaign
    rows: list[tuple[Unit, Cluster | None, Registration]]
    issuer_name: str
    place: str | None
    day: date

    @property
    def title(self) -> str:
        """The document's title, e.g. "Danh sách đăng ký thi đua năm 2025"."""
        return _("Emulation registrations, %(year)s", year=campaign_year(self.campaign))

    @property
    def date_line(self) -> str:
        """ "Hòa Sơn, ngày dd tháng mm năm yyyy"; "…" without a place."""
        return _(
            "%(place)s, day %(day)s month %(month)s year %(year)s",
            place=self.place or "…",
            day=f"{self.day.day:02d}",
            month=f"{self.day.month:02d}",
            year=self.day.year,
        )


def registration_list(
    campaign: Campaign,
    units: list[Unit],
    registrations: dict[int, Registration],
    clusters: dict[int, Cluster],
    scope: Cluster | None = None,
) -> RegistrationList:
    """The submitted registrations of the units (in the order given), headed by the cluster
    when the list is one cluster's, else by the campaign's issuing body."""
    rows = [
        (unit, clusters.get(unit.id), registrations[unit.id])
        for unit in units
        if unit.id in registrations and registrations[unit.id].status == SUBMITTED
    ]
    issuer = issuing_unit(campaign)
    # One cluster's list is headed by the cluster, the whole campaign's by its issuing body.
    issuer_name = scope.name if scope is not None else (issuer.name if issuer else "")
    place = issuer.place_name() if issuer is not None else None
    return RegistrationList(campaign, rows, issuer_name, place, today())


def registrations_xlsx(listing: RegistrationList) -> bytes:
    """The workbook: collective registrations (STT, unit, cluster, title, targets) and
    individual ones (STT, unit, full name, position, title), each under the title rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(name="Times New Roman", bold=True, size=12)
    plain = Font(name="Times New Roman", size=12)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="top", wrap_text=True)

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = listing.title
    workbook.properties.subject = listing.campaign.name
    taken: set[str] = set()

    def merged(sheet, row: int, text: str, font: Font, first: int, end: int) -> None:
        set_cell(sheet, row, first, text).font = font
        sheet.cell(row, first).alignment = centre
        if end > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=end)

    def sheet_for(name: str, subtitle: str, headings: list[str], widths: list[int]):
        sheet = workbook.create_sheet(sheet_title(name, taken))
        width = len(headings)
        split = 2
        merged(sheet, 1, listing.issuer_name.upper(), bold, 1, split)
        merged(sheet, 1, NATIONAL_NAME, bold, split + 1, width)
        merged(sheet, 2, NATIONAL_MOTTO, bold, split + 1, width)
        italic = Font(name="Times New Roman", italic=True)
        merged(sheet, 3, listing.date_line, italic, split + 1, width)
        merged(
            sheet,
            4,
            listing.title.upper(),
            Font(name="Times New Roman", bold=True, size=14),
            1,
            width,
        )
        merged(sheet, 5, listing.campaign.name, bold, 1, width)
        merged(sheet, 6, subtitle, bold, 1, width)
        for column, text in enumerate(headings, start=1):
            cell = set_cell(sheet, HEADER_ROW, column, text)
            cell.font, cell.alignment, cell.border = bold, centre, border
            cell.fill = PatternFill("solid", fgColor="F0F0F0")
        for column, size in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = size
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.oddFooter.center.text = "&P / &N"
        return sheet

    def write_row(sheet, row: int, values: list) -> None:
        for column, value in enumerate(values, start=1):
            cell = set_cell(sheet, row, column, value)
            cell.font, cell.border = plain, border
            cell.alignment = Alignment(horizontal="center", vertical="top") if column == 1 else wrap

    collective = sheet_for(
        _("Collective registrations"),
        _("Collective titles registered"),
        [_("No."), _("Unit"), _("Cluster"), _("Title registered"), _("Targets")],
        [7, 38, 28, 34, 60],
    )
    for n, (unit, cluster, registration) in enumerate(listing.rows, start=1):
        title = registration.title.name if registration.title else ""
        write_row(
            collective,
            HEADER_ROW + n,
            [n, unit.name, cluster.name if cluster else "", title, registration.targets or ""],
        )

    individual = sheet_for(
        _("Individual registrations"),
        _("Individual titles registered"),
        [_("No."), _("Unit"), _("Full name"), _("Position"), _("Title registered")],
        [7, 38, 30, 28, 34],
    )
    n = 0
    for unit, _cluster, registration in listing.rows:
        for person in registration.people:
            n += 1
            write_row(
                individual,
                HEADER_ROW + n,
                [n, unit.name, person.full_name, person.job_title or "", person.title.name],
            )

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
