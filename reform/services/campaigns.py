"""Campaigns: create from a framework version, participants, phases, block bands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from reform.extensions import db
from reform.i18n import is_vietnamese
from reform.models import (
    Campaign,
    CampaignBlock,
    Entry,
    Evidence,
    Framework,
    Submission,
    Unit,
    User,
)
from reform.scoring import FrameworkError, parse_bands
from reform.services import frameworks as framework_service
from reform.services.audit import record
from reform.services.units import UNIT_ORDER

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


class CampaignProblem(ValueError):
    """A campaign cannot be saved as asked; field names the form field to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class PhaseDates:
    """The dates that open and close each phase (inclusive)."""

    self_opens_on: date
    self_closes_on: date
    appraisal_opens_on: date | None = None
    appraisal_closes_on: date | None = None
    explanation_opens_on: date | None = None
    explanation_closes_on: date | None = None
    publication_on: date | None = None


def check_dates(d: PhaseDates) -> None:
    """Each phase ends on or after it starts and follows the one before it."""
    if d.self_closes_on < d.self_opens_on:
        raise CampaignProblem("self_closes_on", _("The end comes before the start."))
    pairs = (
        ("appraisal", d.appraisal_opens_on, d.appraisal_closes_on),
        ("explanation", d.explanation_opens_on, d.explanation_closes_on),
    )
    for name, start, end in pairs:
        if (start is None) != (end is None):
            raise CampaignProblem(f"{name}_closes_on", _("Give both dates, or neither."))
        if start and end and end < start:
            raise CampaignProblem(f"{name}_closes_on", _("The end comes before the start."))
    if d.appraisal_opens_on and d.appraisal_opens_on <= d.self_closes_on:
        raise CampaignProblem(
            "appraisal_opens_on", _("Appraisal starts after self-assessment closes.")
        )
    if (
        d.explanation_opens_on
        and d.appraisal_opens_on
        and (d.explanation_opens_on < d.appraisal_opens_on)
    ):
        raise CampaignProblem(
            "explanation_opens_on", _("Explanations are asked for during or after appraisal.")
        )
    last = d.explanation_closes_on or d.appraisal_closes_on or d.self_closes_on
    if d.publication_on and d.publication_on <= last:
        raise CampaignProblem("publication_on", _("Publication comes after the other phases."))


def framework_kinds(framework: Framework) -> set[str]:
    """The unit kinds a framework names; empty when it applies to every kind."""
    return {
        kind
        for node, _parent, _depth in framework_service.walk(framework.definition["criteria"])
        for kind in node.get("applies_to") or []
    }


def eligible_units(framework: Framework) -> list[Unit]:
    """Active units in a block whose kind the framework applies to, by name."""
    stmt = select(Unit).where(Unit.active.is_(True), Unit.block_id.is_not(None))
    kinds = framework_kinds(framework)
    if kinds:
        stmt = stmt.where(Unit.kind.in_(sorted(kinds)))
    return list(db.session.scalars(stmt.order_by(*UNIT_ORDER)))


def create_campaign(
    code: str,
    name: str,
    framework: Framework,
    dates: PhaseDates,
    *,
    units: list[Unit] | None = None,
    actor: User | None = None,
    year: int | None = None,
) -> Campaign:
    """A campaign with a submission per participant, grouped by the units' blocks."""
    code = code.strip()
    if not CODE_RE.match(code):
        raise CampaignProblem("code", _("Letters, digits and . _ - only (max 40)."))
    if db.session.scalar(select(Campaign.id).where(Campaign.code == code)) is not None:
        raise CampaignProblem("code", _("Another campaign already has this code."))
    if not name.strip():
        raise CampaignProblem("name", _("Give the campaign a name."))
    if framework.kind == "individual":
        # A person's sheet scores people period by period (the people pages), not units.
        raise CampaignProblem(
            "framework_id", _("This framework scores people, not units: it takes no campaign.")
        )
    check_dates(dates)
    participants = eligible_units(framework) if units is None else units
    stray = [u.code for u in participants if u.block_id is None or not u.active]
    if stray:
        raise CampaignProblem(
            "units", _("Units without a block or deactivated: %(codes)s.", codes=", ".join(stray))
        )
    if not participants:
        raise CampaignProblem("units", _("No unit takes part: add units of the kinds it names."))
    if year is None:
        # Framework versions are usually the year they score; otherwise the opening year.
        year = framework.version if 2000 <= framework.version <= 2100 else dates.self_opens_on.year
    campaign = Campaign(code=code, name=name.strip(), framework=framework, year=year, **vars(dates))
    campaign.created_by_id = actor.id if actor else None
    db.session.add(campaign)
    for block_id in sorted({u.block_id for u in participants}):
        campaign.blocks.append(CampaignBlock(block_id=block_id))
    submissions = [
        Submission(campaign=campaign, unit=unit, block_id=unit.block_id) for unit in participants
    ]
    db.session.add_all(submissions)
    # From now on this framework version is what the campaign's numbers mean.
    framework_service.lock(framework)
    db.session.flush()
    _start_totals(submissions)
    record("campaign_created", actor=actor, campaign=campaign, to_value=framework.code)
    from reform.services import notices

    notices.self_assessment_assigned(campaign, submissions, actor=actor)
    db.session.commit()
    return campaign


def update_dates(campaign: Campaign, dates: PhaseDates, *, actor: User, reason: str = "") -> None:
    """Move phase dates; every change is in the audit log, and those whose work they move
    are told."""
    check_dates(dates)
    changed = set()
    for key, value in vars(dates).items():
        old = getattr(campaign, key)
        if old != value:
            changed.add(key)
            setattr(campaign, key, value)
            record(
                "phase_changed",
                actor=actor,
                campaign=campaign,
                stage=key,
                from_value=old.isoformat() if old else None,
                to_value=value.isoformat() if value else None,
                reason=reason or None,
            )
    from reform.services import notices

    notices.dates_changed(campaign, changed, actor=actor)
    db.session.commit()


def set_appeal_days(campaign: Campaign, days: int, *, actor: User) -> None:
    """How many days after publication a unit head may file an appeal."""
    if days != campaign.appeal_days:
        record(
            "phase_changed",
            actor=actor,
            campaign=campaign,
            stage="appeal_days",
            from_value=str(campaign.appeal_days),
            to_value=str(days),
        )
        campaign.appeal_days = days
        db.session.commit()


def set_block_bands(campaign: Campaign, block_id: int, raw: list | None, *, actor: User) -> None:
    """Override (or with None restore) the framework's band thresholds for one block."""
    entry = next((b for b in campaign.blocks if b.block_id == block_id), None)
    if entry is None:
        raise CampaignProblem("block", _("This block does not take part in the campaign."))
    if raw is not None:
        try:
            parse_bands(raw)
        except FrameworkError as exc:
            told = [p.vi if is_vietnamese() else p.message for p in exc.problems]
            raise CampaignProblem("bands", "; ".join(told)) from exc
    record(
        "bands_changed",
        actor=actor,
        campaign=campaign,
        stage=str(block_id),
        from_value=str(entry.bands) if entry.bands else None,
        to_value=str(raw) if raw else None,
    )
    entry.bands = raw
    # Stored bands of that block's units follow at once, not at their next save.
    from reform.services.assessment import refresh_totals
    from reform.services.locking import lock_submissions
    from reform.services.results import refresh_results
    from reform.services.submission_work import remember_bands

    remember_bands(campaign.id, block_id, raw)  # this transaction scores with the new bands

    members = db.session.scalars(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.block_id == block_id
        )
    ).all()
    lock_submissions(members)  # saves in flight land first; their totals then get the new bands
    for submission in members:
        refresh_totals(submission)
        refresh_results(submission)
    db.session.commit()


def add_participant(campaign: Campaign, unit: Unit, *, actor: User) -> Submission:
    """Let one more unit take part (its block joins the campaign if new)."""
    if unit.block_id is None or not unit.active:
        raise CampaignProblem("unit", _("The unit must be active and belong to a block."))
    exists = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == unit.id
        )
    )
    if exists is not None:
        raise CampaignProblem("unit", _("This unit already takes part."))
    if all(b.block_id != unit.block_id for b in campaign.blocks):
        campaign.blocks.append(CampaignBlock(block_id=unit.block_id))
    submission = Submission(campaign=campaign, unit=unit, block_id=unit.block_id)
    db.session.add(submission)
    db.session.flush()
    _start_totals([submission])
    record(
        "participant_added",
        actor=actor,
        campaign=campaign,
        submission=submission,
        to_value=unit.code,
    )
    from reform.services import notices

    notices.self_assessment_assigned(campaign, [submission], actor=actor)
    db.session.commit()
    return submission


def remove_participant(submission: Submission, *, actor: User) -> None:
    """Take out a unit that has entered nothing yet."""
    has_entries = db.session.scalar(
        select(func.count()).select_from(Entry).where(Entry.submission_id == submission.id)
    ) or db.session.scalar(
        select(func.count()).select_from(Evidence).where(Evidence.submission_id == submission.id)
    )
    if has_entries:
        raise CampaignProblem(
            "unit", _("This unit has already entered values or evidence; it stays.")
        )
    record(
        "participant_removed",
        actor=actor,
        campaign=submission.campaign,
        submission=submission,
        from_value=submission.unit.code,
    )
    from reform.services.emulation.cluster_admin import remove_unit

    # A unit that leaves the campaign leaves its emulation cluster too.
    remove_unit(submission.campaign, submission.unit_id, actor=actor)
    db.session.delete(submission)
    db.session.commit()


def _start_totals(submissions: list[Submission]) -> None:
    """Give new submissions their max and criteria count, so progress reads 0 of N from day one."""
    from reform.services.assessment import refresh_totals

    if not submissions:
        return
    from reform.services.results import refresh_results

    for submission in submissions:
        refresh_totals(submission, {}, {})
        refresh_results(submission, ({}, {}, {}))
