"""Closing appraisal, the readiness check, and publishing immutable results versions."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, ResultsVersion, Submission, Unit, User
from reform.models.submissions import SUBMITTED
from reform.services import notices
from reform.services.audit import record
from reform.services.framework_cache import parsed_framework
from reform.services.results import (
    campaign_results,
    campaign_values,
    canonical_json,
    content_hash,
    unit_result,
)
from reform.services.spreadsheet import CsvDictWriter, append_row
from reform.services.survey import applicable_survey_codes
from reform.services.units import UNIT_ORDER, by_block_and_name
from reform.validation import text_problem

NOT_SUBMITTED = "not_submitted"
APPRAISAL_OPEN = "appraisal_open"
SURVEY_MISSING = "survey_missing"

# The columns of the CSV and of each Excel sheet, in the order of contract 3.3.
RESULT_COLUMNS = (
    "block_code",
    "block_name",
    "rank",
    "unit_code",
    "unit_name",
    "self_points",
    "appraised_points",
    "survey_points",
    "points",
    "max_points",
    "index",
    "band",
)
FIGURE_COLUMNS = frozenset(
    {"self_points", "appraised_points", "survey_points", "points", "max_points", "index"}
)


@event.listens_for(ResultsVersion, "before_update")
@event.listens_for(ResultsVersion, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    """A published version is what people were shown: it is never edited or removed."""
    raise PermissionError("published results versions are immutable")


class PublicationRefused(ValueError):
    """Publishing or closing cannot happen now; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotReady(PublicationRefused):
    """The campaign is not ready to publish; problems lists what is missing."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            ngettext(
                "Not ready to publish: %(num)s problem.",
                "Not ready to publish: %(num)s problems.",
                len(problems),
            )
        )
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One thing missing before publication, for one unit."""

    kind: str
    submission_id: int
    unit_code: str
    unit_name: str
    block_name: str
    codes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """What is missing, in the interface language."""
        if self.kind == NOT_SUBMITTED:
            return _("The unit has not submitted its self-assessment.")
        if self.kind == APPRAISAL_OPEN:
            return _("The appraisal is not closed.")
        return _("Survey points missing: %(codes)s.", codes=", ".join(self.codes))

    @property
    def english(self) -> str:
        """The same, for the command line."""
        if self.kind == NOT_SUBMITTED:
            return "self-assessment not submitted"
        if self.kind == APPRAISAL_OPEN:
            return "appraisal not closed"
        return f"survey points missing: {', '.join(self.codes)}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def campaign_submissions(campaign: Campaign) -> list[Submission]:
    """The campaign's submissions with unit and block, by block and unit name."""
    return by_block_and_name(
        list(
            db.session.scalars(
                select(Submission)
                .join(Unit, Submission.unit_id == Unit.id)
                .where(Submission.campaign_id == campaign.id)
                .options(joinedload(Submission.unit), joinedload(Submission.block))
                .order_by(*UNIT_ORDER)
            )
        )
    )


def readiness(campaign: Campaign) -> list[Problem]:
    """Everything that stops publication: not submitted, appraisal open, survey incomplete."""
    fw = parsed_framework(campaign.framework)
    values = campaign_values(campaign)
    empty: tuple[dict, dict, dict] = ({}, {}, {})
    problems: list[Problem] = []
    for submission in campaign_submissions(campaign):
        unit = submission.unit
        where = (
            submission.id,
            unit.code,
            unit.name,
            submission.block.name if submission.block else "",
        )
        if submission.status != SUBMITTED:
            problems.append(Problem(NOT_SUBMITTED, *where))
        if submission.appraisal_closed_at is None:
            problems.append(Problem(APPRAISAL_OPEN, *where))
        stage_values = values.get(submission.id, empty)
        card = unit_result(submission, stage_values).scorecard
        wanted = applicable_survey_codes(fw, unit.kind)
        missing = tuple(
            node.code
            for node in fw.leaves()
            if node.code in wanted
            and card.node(node.code).applicable
            and not stage_values[2].get(node.code)
        )
        if missing:
            problems.append(Problem(SURVEY_MISSING, *where, codes=missing))
    return problems


# ---- closing appraisal per submission --------------------------------------------------------


def close_appraisal(submission: Submission, *, actor: User | None) -> None:
    """The council closes a unit's appraisal: its appraised values become read-only."""
    if submission.campaign.published_at is not None:
        raise PublicationRefused(_("The results are published."))
    if submission.appraisal_closed_at is not None:
        raise PublicationRefused(_("The appraisal of this unit is already closed."))
    if submission.status != SUBMITTED:
        raise PublicationRefused(_("The unit has not submitted its self-assessment yet."))
    submission.appraisal_closed_at = _now()
    submission.appraisal_closed_by_id = actor.id if actor else None
    record("appraisal_closed", actor=actor, submission=submission, stage="appraisal")
    notices.appraisal_closed(submission, actor=actor)
    db.session.commit()


def reopen_appraisal(submission: Submission, *, actor: User | None, reason: str = "") -> None:
    """Reopen a closed appraisal (before publication only), with the reason."""
    if submission.campaign.published_at is not None:
        raise PublicationRefused(_("The results are published; changes go through appeals."))
    if submission.appraisal_closed_at is None:
        raise PublicationRefused(_("The appraisal of this unit is not closed."))
    if problem := text_problem(reason):
        raise PublicationRefused(problem)
    submission.appraisal_closed_at = None
    submission.appraisal_closed_by_id = None
    record(
        "appraisal_reopened",
        actor=actor,
        submission=submission,
        stage="appraisal",
        reason=reason.strip() or None,
    )
    notices.appraisal_reopened(submission, actor=actor, reason=reason.strip())
    db.session.commit()


# ---- versions ----------------------------------------------------------------------------------


def versions(campaign: Campaign) -> list[ResultsVersion]:
    """Every published version of the campaign, newest first."""
    return list(
        db.session.scalars(
            select(ResultsVersion)
            .where(ResultsVersion.campaign_id == campaign.id)
            .order_by(ResultsVersion.version.desc())
        )
    )


def latest_version(campaign: Campaign) -> ResultsVersion | None:
    """The version the public sees now, or None before publication."""
    return db.session.scalar(
        select(ResultsVersion)
        .where(ResultsVersion.campaign_id == campaign.id)
        .order_by(ResultsVersion.version.desc())
        .limit(1)
    )


def get_version(campaign: Campaign, number: int) -> ResultsVersion | None:
    """One published version by its number."""
    return db.session.scalar(
        select(ResultsVersion).where(
            ResultsVersion.campaign_id == campaign.id, ResultsVersion.version == number
        )
    )


def published_campaigns() -> list[tuple[Campaign, ResultsVersion]]:
    """Every published campaign with its latest version, latest publication first."""
    latest = (
        select(ResultsVersion.campaign_id, func.max(ResultsVersion.version).label("number"))
        .group_by(ResultsVersion.campaign_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Campaign, ResultsVersion)
        .join(latest, latest.c.campaign_id == Campaign.id)
        .join(
            ResultsVersion,
            (ResultsVersion.campaign_id == Campaign.id)
            & (ResultsVersion.version == latest.c.number),
        )
        .order_by(Campaign.published_at.desc(), Campaign.code)
    ).all()
    return [(campaign, version) for campaign, version in rows]


def document_of(version: ResultsVersion) -> dict:
    """The published results document of a version."""
    return json.loads(version.payload)


def change_log_of(version: ResultsVersion) -> dict | None:
    """What moved against the previous version (None for the first)."""
    return json.loads(version.change_log) if version.change_log else None


def store_version(
    campaign: Campaign,
    document: dict,
    *,
    actor: User | None,
    reason: str | None,
    change_log: dict | None = None,
) -> ResultsVersion:
    """Freeze the document as the next version (caller commits); the hash is of the stored text."""
    previous = latest_version(campaign)
    number = (previous.version if previous else 0) + 1
    payload = canonical_json(document)
    version = ResultsVersion(
        campaign_id=campaign.id,
        version=number,
        payload=payload,
        content_hash=content_hash(document),
        change_log=(
            json.dumps(change_log, ensure_ascii=False, sort_keys=True) if change_log else None
        ),
        reason=reason,
        published_by_id=actor.id if actor else None,
        published_at=_now(),
    )
    db.session.add(version)
    record(
        "published",
        actor=actor,
        campaign=campaign,
        stage="publication",
        from_value=str(previous.version) if previous else None,
        to_value=f"{number} sha256:{version.content_hash}",
        reason=reason,
    )
    return version


def commit_version(version: ResultsVersion) -> None:
    """Commit a new version; two people publishing at once cannot both make the same number."""
    try:
        db.session.commit()
    except IntegrityError as clash:
        db.session.rollback()
        raise PublicationRefused(
            _("Someone else published at the same moment; reload and check.")
        ) from clash


def publish(
    campaign: Campaign, *, actor: User | None, reason: str | None = None, force: bool = False
) -> ResultsVersion:
    """Publish version 1: refused while not ready unless forced; sets the publication time."""
    if campaign.published_at is not None or latest_version(campaign) is not None:
        raise PublicationRefused(_("Already published; later versions come from decided appeals."))
    if problem := text_problem(reason):
        raise PublicationRefused(problem)
    problems = readiness(campaign)
    if problems and not force:
        raise NotReady(problems)
    reason = (reason or "").strip() or None
    if problems:
        forced = f"forced with {len(problems)} readiness problem(s)"
        reason = f"{reason} ({forced})" if reason else forced
    document = campaign_results(campaign, published=True)
    version = store_version(campaign, document, actor=actor, reason=reason)
    campaign.published_at = version.published_at
    notices.published(campaign, version, actor=actor)
    commit_version(version)
    return version


# ---- the results document and its exports ------------------------------------------------------


@dataclass
class ResultsDocument:
    """The document `reform results` writes: the latest published one, else the live one."""

    document: dict
    version: ResultsVersion | None

    @property
    def published(self) -> bool:
        return self.version is not None


def results_document(campaign: Campaign) -> ResultsDocument:
    """The latest published version's document when published, else live results."""
    version = latest_version(campaign)
    if version is not None:
        return ResultsDocument(document_of(version), version)
    return ResultsDocument(campaign_results(campaign, published=False), None)


def results_json(document: dict) -> str:
    """The document for people to read: UTF-8, indented."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def result_rows(document: dict) -> list[dict]:
    """One flat row per unit, block by block, with the figures as the document writes them."""
    rows = []
    for block in document["blocks"]:
        for result in block["results"]:
            row = {"block_code": block["code"], "block_name": block["name"]}
            row.update({key: result.get(key) for key in RESULT_COLUMNS[2:]})
            rows.append(row)
    return rows


def results_csv(document: dict) -> str:
    """CSV with one row per unit (empty cells where the document has null)."""
    out = io.StringIO()
    writer = CsvDictWriter(out, fieldnames=RESULT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result_rows(document))
    return out.getvalue()


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(block: dict, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("-", block["code"] or block["name"] or "-")[:31] or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def results_xlsx(document: dict, version: ResultsVersion | None = None) -> bytes:
    """An Excel workbook with one sheet per block and the CSV's columns (figures as numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    label = f"{document['campaign']} {document['framework']['code']} "
    label += f"{document['framework']['version']}"
    if version is not None:
        label += f", published version {version.version}, sha256 {version.content_hash}"
    else:
        label += ", live results (not published)"
    workbook.properties.title = document["campaign"]
    workbook.properties.description = label
    taken: set[str] = set()
    blocks = document["blocks"] or [{"code": "", "name": "", "results": []}]
    for block in blocks:
        sheet = workbook.create_sheet(_sheet_title(block, taken))
        append_row(sheet, RESULT_COLUMNS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in result_rows({"blocks": [block]}):
            written = append_row(sheet, [_cell(key, row[key]) for key in RESULT_COLUMNS])
            for cell, key in zip(sheet[written], RESULT_COLUMNS, strict=True):
                if key in FIGURE_COLUMNS and cell.value is not None:
                    cell.number_format = "0.00"
        widths = {"block_name": 24, "unit_name": 36}
        for index, key in enumerate(RESULT_COLUMNS, start=1):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths.get(key, 14)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(key: str, value):
    if value is None:
        return None
    if key in FIGURE_COLUMNS:
        return Decimal(value)
    return value
