"""Campaign phases from their dates: what is open today, and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from reform.models import Campaign

UPCOMING = "upcoming"
SELF_ASSESSMENT = "self_assessment"
BETWEEN = "between"
APPRAISAL = "appraisal"
EXPLANATION = "explanation"
PUBLICATION = "publication"
PHASES = (UPCOMING, SELF_ASSESSMENT, BETWEEN, APPRAISAL, EXPLANATION, PUBLICATION)


def today() -> date:
    """Today in the province's time zone (a deadline ends at local midnight, not UTC's)."""
    fixed = current_app.config.get("TODAY")
    # A fixed date is for tests and demonstrations; production always follows the calendar.
    if fixed and current_app.config.get("ENV") != "production":
        return date.fromisoformat(str(fixed))
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.now(zone).date()


def _within(day: date, start: date | None, end: date | None) -> bool:
    return start is not None and end is not None and start <= day <= end


@dataclass(frozen=True)
class PhaseState:
    """The phase a campaign is in on a day, and the dates that bound it."""

    phase: str
    self_open: bool
    appraisal_open: bool
    explanation_open: bool
    published: bool


def phase_of(campaign: Campaign, day: date | None = None) -> PhaseState:
    """Which phase is open on the day; publication wins, then explanation, appraisal, self."""
    day = day or today()
    published = campaign.published_at is not None
    self_open = _within(day, campaign.self_opens_on, campaign.self_closes_on) and not published
    appraisal_open = (
        _within(day, campaign.appraisal_opens_on, campaign.appraisal_closes_on) and not published
    )
    explanation_open = (
        _within(day, campaign.explanation_opens_on, campaign.explanation_closes_on)
        and not published
    )
    if published:
        phase = PUBLICATION
    elif explanation_open:
        phase = EXPLANATION
    elif appraisal_open:
        phase = APPRAISAL
    elif self_open:
        phase = SELF_ASSESSMENT
    elif day < campaign.self_opens_on:
        phase = UPCOMING
    else:
        phase = BETWEEN
    return PhaseState(phase, self_open, appraisal_open, explanation_open, published)


def days_left(until: date | None, day: date | None = None) -> int | None:
    """Whole days from the day to a deadline (0 on the day itself, negative when past)."""
    if until is None:
        return None
    return (until - (day or today())).days
