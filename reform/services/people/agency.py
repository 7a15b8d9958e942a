"""A unit's own yearly classification as an agency, beside its result in the reform index.

Decree 335/2025 classifies agencies as well as people, at the same four levels. The competent
authority decides it; the secretariat records the decision here. Where a reform-index campaign
of the same year has the unit, its figure, band and rank are shown beside the classification,
as far as the user may see results (staff: live; the unit: once published).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from reform.extensions import db
from reform.models import AgencyClassification, Campaign, Framework, Submission, Unit, User
from reform.models.users import HEAD
from reform.scoring.classification import LEVELS
from reform.services import audit
from reform.services.access import results_access
from reform.services.notices import announce
from reform.services.notify import unit_people
from reform.services.people.classification import level_label
from reform.services.people.staff import Conflict
from reform.services.people.tasks import Refused
from reform.services.profile import Standing, unit_standing
from reform.validation import text_problem

# The framework kind of the reform-index campaigns (reform.scoring.framework.KINDS).
REFORM = "reform"
# Notification kind of "your unit's classification was recorded".
AGENCY_CLASSIFIED = "agency_classified"


@dataclass(frozen=True, slots=True)
class IndexResult:
    """The unit in one reform-index campaign of the year: its standing, or None while the user
    may not see the results (not published yet)."""

    campaign: Campaign
    standing: Standing | None


def classification_of(unit: Unit, year: int) -> AgencyClassification | None:
    """The unit's classification of the year, if recorded."""
    return db.session.scalar(
        select(AgencyClassification).where(
            AgencyClassification.unit_id == unit.id, AgencyClassification.year == year
        )
    )


def index_results(unit: Unit, year: int, user: User) -> list[IndexResult]:
    """The reform-index campaigns of the year that hold the unit, oldest first."""
    campaigns = db.session.scalars(
        select(Campaign)
        .join(Framework, Framework.id == Campaign.framework_id)
        .join(Submission, Submission.campaign_id == Campaign.id)
        .where(
            Framework.kind == REFORM,
            Submission.unit_id == unit.id,
            or_(
                Campaign.year == year,
                Campaign.year.is_(None) & (func.extract("year", Campaign.self_opens_on) == year),
            ),
        )
        .order_by(Campaign.self_opens_on, Campaign.id)
    )
    found = []
    for campaign in campaigns:
        access = results_access(user, campaign, unit)
        standing = None if access is None else unit_standing(campaign, unit, source=access)
        found.append(IndexResult(campaign, standing))
    return found


def _checked(
    year: int, level: str, decision_number: str, decided_on: date | None, note: str
) -> tuple[str, str | None, str | None]:
    """The level, decision number and note to store, or Refused with every problem."""
    problems: dict[str, str] = {}
    if level not in LEVELS:
        problems["level"] = _("Choose one of the four levels.")
    number = " ".join(decision_number.split())
    if problem := text_problem(number, max_length=60, multiline=False):
        problems["decision_number"] = problem
    elif number and decided_on is None:
        problems["decided_on"] = _("Give the decision's date.")
    elif decided_on is not None and not number:
        problems["decision_number"] = _("Give the decision's number.")
    if decided_on is not None and not year <= decided_on.year <= year + 1:
        # The year is classified at its end or early in the next one.
        problems["decided_on"] = _(
            "The decision must be of %(year)s or %(next)s.", year=year, next=year + 1
        )
    if problem := text_problem(note.strip(), max_length=1000):
        problems["note"] = problem
    if problems:
        raise Refused(problems)
    return level, number or None, note.strip() or None


def record(
    unit: Unit,
    year: int,
    level: str,
    decision_number: str,
    decided_on: date | None,
    note: str,
    *,
    version: int | None,
    actor: User,
) -> AgencyClassification:
    """Record (or change) the unit's classification of the year, if nobody saved it since
    `version` (None or 0: the form saw none); tells the unit's heads."""
    level, number, note_text = _checked(year, level, decision_number, decided_on, note)
    found = classification_of(unit, year)
    before = None
    if found is None:
        if version:
            raise Conflict(None)
        found = AgencyClassification(unit_id=unit.id, year=year, level=level)
        db.session.add(found)
    elif found.version != version:
        raise Conflict(found)
    else:
        before = _logged(found)
    found.level, found.decision_number, found.decided_on = level, number, decided_on
    found.note, found.recorded_by_id = note_text, actor.id
    after = _logged(found)
    if before == after:
        return found
    # Written now, so that a row another secretary created meanwhile (the unique unit and
    # year) or changed (the version) is a Conflict here, before anything else is queued.
    _flush()
    audit.record(
        "agency_classified",
        actor=actor,
        stage=str(year),
        from_value=f"{unit.code} {before}" if before else None,
        to_value=f"{unit.code} {after}",
        reason=note_text,
    )
    announce(
        unit_people(unit.id, (HEAD,)),
        AGENCY_CLASSIFIED,
        f"/people/classification?unit={unit.id}&year={year}",
        lambda: _(
            "%(unit)s is classified “%(level)s” for %(year)s.",
            unit=unit.name,
            level=level_label(level),
            year=year,
        ),
        actor=actor,
    )
    _commit()
    return found


def _logged(row: AgencyClassification) -> str:
    """The row as the audit log writes it (untranslated, like the other log values)."""
    decided = row.decided_on.isoformat() if row.decided_on else "-"
    return f"{row.year}: {row.level} {row.decision_number or '-'} {decided}"


def _flush() -> None:
    """Flush; a row changed (or created) by someone else meanwhile raises Conflict."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict(None) from exc


def _commit() -> None:
    """Commit; a row changed (or created) by someone else meanwhile raises Conflict."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict(None) from exc
