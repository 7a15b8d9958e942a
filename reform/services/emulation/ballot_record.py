"""The meeting record (biên bản họp bình xét, suy tôn) of a closed ballot: its content once, drawn
as a printable page (and PDF) by a template and as a Word file the secretary can edit."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from reform.i18n import fmt_datetime
from reform.models import Ballot
from reform.services.emulation.ballots import describe
from reform.services.emulation.voting import Results, counted_receipts, results, roll
from reform.services.official import NATIONAL_MOTTO, NATIONAL_NAME

# Where the secretary writes by hand in a printed record, or types in the Word file.
DOTS = "…" * 12


@dataclass(frozen=True)
class RecordRow:
    """A candidate's line in the record's table."""

    unit: str
    votes: int
    share: str
    outcome: str


@dataclass(frozen=True)
class RecordItem:
    """An item of the ballot as the record lists it."""

    title: str
    seats: int
    rows: list[RecordRow]
    abstentions: int
    conclusion: str


@dataclass(frozen=True)
class MeetingRecord:
    """Everything the record says, in the reader's language."""

    cluster: str
    campaign: str
    title: str
    meeting: str
    opening: str
    place: str
    chair: str
    chaired_by: str
    members: int
    voted: int
    absent: int
    absent_units: list[str]
    quorum: str
    rule: str
    items: list[RecordItem]
    receipts: list[str] = field(default_factory=list)


def _outcome(row) -> str:
    if row.elected:
        return _("Elected")
    if row.runoff:
        return _("Tied: second round")
    if row.qualified:
        return _("Meets the rule, no seat left")
    return _("Below the rule")


def _conclusion(outcome) -> str:
    elected = ", ".join(row.candidate.unit.name for row in outcome.elected)
    parts = []
    if elected:
        parts.append(_("Elected: %(units)s.", units=elected))
    if outcome.outcome.runoff:
        parts.append(
            _(
                "Tied at the last seat: %(units)s go to a second round for %(n)s seat(s).",
                units=", ".join(row.candidate.unit.name for row in outcome.runoff),
                n=outcome.outcome.runoff_seats,
            )
        )
    if outcome.outcome.unfilled:
        parts.append(_("%(n)s seat(s) left unfilled.", n=outcome.outcome.unfilled))
    return " ".join(parts) or _("Nobody elected.")


def meeting_record(ballot: Ballot) -> MeetingRecord:
    """The record of a closed ballot (counts, turnout, quorum, rule, chair, date)."""
    found: Results = results(ballot)
    closed = to_user_timezone(ballot.closed_at.replace(tzinfo=UTC)) if ballot.closed_at else None
    title = _("Record of the meeting to vote on emulation titles")
    if ballot.round > 1:
        title += " " + _("(round %(n)s)", n=ballot.round)
    items = [
        RecordItem(
            title=outcome.item.title.name,
            seats=outcome.item.seats,
            rows=[
                RecordRow(
                    row.candidate.unit.name,
                    row.votes,
                    f"{row.votes}/{found.members}",
                    _outcome(row),
                )
                for row in outcome.candidates
            ],
            abstentions=outcome.abstentions,
            conclusion=_conclusion(outcome),
        )
        for outcome in found.items
    ]
    minimum = ballot.rule.minimum(found.members)
    return MeetingRecord(
        cluster=ballot.cluster.name,
        campaign=ballot.cluster.campaign.name,
        title=title,
        meeting=ballot.name,
        opening=_(
            "Voting was open from %(opens)s to %(closes)s and closed on %(closed)s.",
            opens=fmt_datetime(ballot.opens_at),
            closes=fmt_datetime(ballot.closes_at),
            closed=fmt_datetime(ballot.closed_at) if closed else DOTS,
        ),
        place=ballot.place or DOTS,
        chair=ballot.chair_unit.name if ballot.chair_unit else DOTS,
        chaired_by=ballot.closed_by.full_name if ballot.closed_by else DOTS,
        members=found.members,
        voted=found.voted,
        absent=found.absent,
        absent_units=[voter.unit.name for voter in roll(ballot) if not voter.voted],
        quorum=_(
            "%(rule)s: %(met)s",
            rule=describe(ballot.quorum),
            met=_("met") if found.quorum_met else _("not met"),
        ),
        rule=_(
            "A candidate needs %(rule)s, that is at least %(n)s votes; seats go to the highest "
            "counts.",
            rule=describe(ballot.rule),
            n=minimum,
        ),
        items=items,
        receipts=counted_receipts(ballot),
    )


def file_stem(record: MeetingRecord, ballot: Ballot) -> str:
    """The download's name without extension."""
    day = ballot.closed_at or datetime.now(UTC)
    return f"{_('Meeting record')} - {record.cluster} - {day:%Y-%m-%d}"


# ---- the Word file ------------------------------------------------------------------------


def _paragraph(doc, text: str, *, bold=False, italic=False, centre=False, size=None):
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    if size:
        run.font.size = Pt(size)
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _cell(cell, lines: list[tuple[str, bool]]) -> None:
    cell.paragraphs[0].text = ""
    for n, (text, bold) in enumerate(lines):
        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = bold


def record_docx(record: MeetingRecord) -> bytes:
    """The record as a .docx in the official layout, for the secretary to complete and sign."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    header = doc.add_table(rows=1, cols=2)
    _cell(header.rows[0].cells[0], [(record.cluster.upper(), True)])
    _cell(header.rows[0].cells[1], [(NATIONAL_NAME, True), (NATIONAL_MOTTO, True)])
    _paragraph(doc, "")
    _paragraph(doc, record.title.upper(), bold=True, centre=True, size=14)
    _paragraph(doc, record.meeting, bold=True, centre=True)
    _paragraph(doc, record.campaign, italic=True, centre=True)
    for label, value in (
        (_("Time"), record.opening),
        (_("Place"), record.place),
        (_("Chaired by"), f"{record.chair} ({_('cluster head')}) – {record.chaired_by}"),
        (_("Secretary"), DOTS),
        (
            _("Members"),
            _(
                "%(members)s on the roll; %(voted)s voted; %(absent)s absent",
                members=record.members,
                voted=record.voted,
                absent=record.absent,
            )
            + (f" ({', '.join(record.absent_units)})" if record.absent_units else ""),
        ),
        (_("Quorum"), record.quorum),
        (_("Rule to be elected"), record.rule),
    ):
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    for number, item in enumerate(record.items, start=1):
        doc.add_paragraph().add_run(
            f"{number}. {item.title} – {_('%(n)s seat(s)', n=item.seats)}"
        ).bold = True
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(
            table.rows[0].cells,
            (_("Unit"), _("Votes"), _("Share of members"), _("Result")),
            strict=True,
        ):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for row in item.rows:
            cells = table.add_row().cells
            for cell, text in zip(
                cells, (row.unit, str(row.votes), row.share, row.outcome), strict=True
            ):
                cell.text = text
        doc.add_paragraph(_("Abstentions: %(n)s", n=item.abstentions))
        doc.add_paragraph(item.conclusion)
    if record.receipts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(_("Receipts counted") + ": ").bold = True
        paragraph.add_run("; ".join(record.receipts))
    signatures = doc.add_table(rows=1, cols=2)
    _cell(
        signatures.rows[0].cells[0],
        [(_("Secretary").upper(), True), (_("(signature, full name)"), False)],
    )
    _cell(
        signatures.rows[0].cells[1],
        [
            (_("Chair").upper(), True),
            (_("(signature, full name)"), False),
            (record.chaired_by, True),
        ],
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
