"""Campaigns: create, phase dates, block bands, participants, overview, reminders."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from reform.campaigns.forms import CampaignForm, DatesForm, SettingsForm
from reform.extensions import db
from reform.models import Block, Campaign, Evidence, Framework, Submission, Unit
from reform.models.submissions import SUBMITTED
from reform.models.users import ADMIN, SECRETARIAT, STAFF_ROLES
from reform.scoring import vi_sorted
from reform.security import roles_required
from reform.services import campaigns as service
from reform.services import notices
from reform.services.access import get_campaign_or_404, staff_results_page
from reform.services.phases import days_left, phase_of
from reform.services.units import UNIT_ORDER, campaign_blocks
from reform.validation import bounded_int, query_int
from reform.web import render, see_other

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
MANAGERS = (ADMIN, SECRETARIAT)
STATUSES = ("draft", "pending_approval", "returned", "submitted")


def _dates(form: DatesForm) -> service.PhaseDates:
    names = [f.name for f in fields(service.PhaseDates)]
    return service.PhaseDates(**{name: getattr(form, name).data for name in names})


@bp.get("/")
@roles_required(*STAFF_ROLES)
def index():
    """Every campaign with its phase and progress."""
    campaigns = db.session.scalars(
        select(Campaign)
        .options(joinedload(Campaign.framework))
        .order_by(Campaign.created_at.desc())
    ).all()
    counts = dict(
        db.session.execute(
            select(Submission.campaign_id, func.count()).group_by(Submission.campaign_id)
        ).all()
    )
    submitted = dict(
        db.session.execute(
            select(Submission.campaign_id, func.count())
            .where(Submission.status == SUBMITTED)
            .group_by(Submission.campaign_id)
        ).all()
    )
    return render(
        "campaigns/index.html",
        rows=[(c, phase_of(c), counts.get(c.id, 0), submitted.get(c.id, 0)) for c in campaigns],
        can_manage=current_user.has_role(*MANAGERS),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    """Create a campaign from a framework version; participants follow its unit kinds."""
    form = CampaignForm()
    frameworks = db.session.scalars(
        select(Framework)
        .where(Framework.kind != "individual")
        .order_by(Framework.code, Framework.version.desc())
    ).all()
    form.framework_id.choices = [(f.id, f"{f.code} {f.version} · {f.name}") for f in frameworks]
    if form.validate_on_submit():
        framework = db.session.get(Framework, form.framework_id.data)
        try:
            campaign = service.create_campaign(
                form.code.data, form.name.data, framework, _dates(form), actor=current_user
            )
        except service.CampaignProblem as problem:
            db.session.rollback()
            field = getattr(form, problem.field, None) or form.framework_id
            field.errors = [*field.errors, problem.message]
        else:
            if form.appeal_days.data:
                service.set_appeal_days(campaign, form.appeal_days.data, actor=current_user)
            flash(_("Campaign %(code)s created.", code=campaign.code), "success")
            return see_other(url_for("campaigns.show", code=campaign.code))
    status = 422 if request.method == "POST" else 200
    return render("campaigns/new.html", status=status, form=form)


@bp.get("/<code>")
@staff_results_page
@roles_required(*STAFF_ROLES)
def show(code: str):
    """Per unit: status, progress, evidence missing, self figures; filter by block and status."""
    campaign = get_campaign_or_404(code)
    block_id = query_int("block")
    status = request.args.get("status", "")
    stmt = (
        select(Submission)
        .where(Submission.campaign_id == campaign.id)
        .options(joinedload(Submission.unit), joinedload(Submission.block))
        .join(Unit, Submission.unit_id == Unit.id)
        .order_by(*UNIT_ORDER)
    )
    if block_id:
        stmt = stmt.where(Submission.block_id == block_id)
    if status in STATUSES:
        stmt = stmt.where(Submission.status == status)
    submissions = db.session.scalars(stmt).all()
    blocks = campaign_blocks(campaign)
    phase = phase_of(campaign)
    evidence_counts = dict(
        db.session.execute(
            select(Evidence.submission_id, func.count())
            .join(Submission, Evidence.submission_id == Submission.id)
            .where(Submission.campaign_id == campaign.id)
            .group_by(Evidence.submission_id)
        ).all()
    )
    return render(
        "campaigns/show.html",
        "campaigns/partials/_participants.html",
        campaign=campaign,
        submissions=submissions,
        blocks=blocks,
        block_id=block_id,
        status_filter=status,
        statuses=STATUSES,
        phase=phase,
        days=days_left(campaign.self_closes_on),
        evidence_counts=evidence_counts,
        can_manage=current_user.has_role(*MANAGERS),
    )


@bp.post("/<code>/remind")
@roles_required(*MANAGERS)
def remind(code: str):
    """Send a reminder to the people of every unit that has not submitted yet."""
    campaign = get_campaign_or_404(code)
    sent, units = notices.self_assessment_reminder(campaign)
    flash(
        _("Reminder sent to %(people)s people in %(units)s units.", people=sent, units=units),
        "success",
    )
    return see_other(url_for("campaigns.show", code=campaign.code))


@bp.route("/<code>/settings", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def settings(code: str):
    """Phase dates, bands per block, and participants."""
    campaign = get_campaign_or_404(code)
    form = SettingsForm(obj=campaign if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_dates(
                campaign, _dates(form), actor=current_user, reason=(form.reason.data or "").strip()
            )
            if form.appeal_days.data:
                service.set_appeal_days(campaign, form.appeal_days.data, actor=current_user)
        except service.CampaignProblem as problem:
            db.session.rollback()
            field = getattr(form, problem.field)
            field.errors = [*field.errors, problem.message]
        else:
            flash(_("Dates saved."), "success")
            return see_other(url_for("campaigns.settings", code=campaign.code))
    status = 422 if request.method == "POST" else 200
    return _settings_page(campaign, form, status)


def _settings_page(campaign: Campaign, form: SettingsForm, status: int = 200, band_error=None):
    blocks = {b.id: b for b in db.session.scalars(select(Block))}
    taking_part = set(
        db.session.scalars(select(Submission.unit_id).where(Submission.campaign_id == campaign.id))
    )
    candidates = [u for u in service.eligible_units(campaign.framework) if u.id not in taking_part]
    return render(
        "campaigns/settings.html",
        status=status,
        campaign=campaign,
        form=form,
        campaign_blocks=vi_sorted(
            [(cb, blocks[cb.block_id]) for cb in campaign.blocks], lambda pair: pair[1].name
        ),
        candidates=candidates,
        band_error=band_error,
        bands_text=_bands_text,
    )


def _bands_text(bands: list | None) -> str:
    return "; ".join(f"{b['label']}: {b['min']}" for b in bands or [])


def parse_bands_text(text: str) -> list[dict] | None:
    """ "A: 90; B: 80; D: 0" into bands; empty text means the framework's own bands."""
    text = text.strip()
    if not text:
        return None
    bands = []
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        label, sep, minimum = part.rpartition(":")
        try:
            value = Decimal(minimum.strip().replace(",", "."))
        except InvalidOperation as exc:
            raise service.CampaignProblem(
                "bands", _("Write bands as “A: 90; B: 80; D: 0”.")
            ) from exc
        if not sep or not label.strip():
            raise service.CampaignProblem("bands", _("Write bands as “A: 90; B: 80; D: 0”."))
        bands.append({"min": str(value), "label": label.strip()})
    return bands


@bp.post("/<code>/blocks/<int:block_id>/bands")
@roles_required(*MANAGERS)
def block_bands(code: str, block_id: int):
    """Override the band thresholds for one block (empty restores the framework's)."""
    campaign = get_campaign_or_404(code)
    try:
        service.set_block_bands(
            campaign, block_id, parse_bands_text(request.form.get("bands", "")), actor=current_user
        )
    except service.CampaignProblem as problem:
        db.session.rollback()
        form = SettingsForm(obj=campaign)
        return _settings_page(campaign, form, 422, (block_id, problem.message))
    flash(_("Bands saved."), "success")
    return see_other(url_for("campaigns.settings", code=campaign.code))


@bp.post("/<code>/participants")
@roles_required(*MANAGERS)
def add_participant(code: str):
    """Let one more unit take part."""
    campaign = get_campaign_or_404(code)
    unit = db.session.get(Unit, bounded_int(request.form.get("unit_id")) or 0)
    if unit is None:
        abort(404)
    try:
        service.add_participant(campaign, unit, actor=current_user)
    except service.CampaignProblem as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        flash(_("%(unit)s takes part.", unit=unit.name), "success")
    return see_other(url_for("campaigns.settings", code=campaign.code))


@bp.post("/<code>/participants/<int:submission_id>/remove")
@roles_required(*MANAGERS)
def remove_participant(code: str, submission_id: int):
    """Take out a unit that has entered nothing."""
    campaign = get_campaign_or_404(code)
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.campaign_id != campaign.id:
        abort(404)
    try:
        service.remove_participant(submission, actor=current_user)
    except service.CampaignProblem as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        flash(_("Participant removed."), "success")
    return see_other(url_for("campaigns.show", code=campaign.code))
