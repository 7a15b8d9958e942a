"""Assigning evaluators to blocks, areas and units; recusals; the evaluator's queue."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Block, Campaign, Submission, Unit, User, UserRole
from reform.models.appraisal import Assignment
from reform.models.users import ADMIN, EVALUATOR, SECRETARIAT
from reform.scoring import vi_sorted
from reform.security import roles_required
from reform.services import assignments as service
from reform.services.access import get_campaign_or_404, get_submission_or_404
from reform.services.assignments import AssignmentProblem
from reform.services.spreadsheet import CsvWriter
from reform.services.units import UNIT_ORDER
from reform.validation import bounded_int, query_int
from reform.web import render, see_other

bp = Blueprint("assignments", __name__)
MANAGERS = (ADMIN, SECRETARIAT)
SCOPES = ("block", "unit")


def _int(value: str | None) -> int | None:
    return bounded_int(value)


def _evaluators() -> list[User]:
    """Active users holding the evaluator role, by name (Vietnamese order)."""
    return vi_sorted(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role_rows.any(UserRole.role == EVALUATOR))
            .options(joinedload(User.unit))
            .order_by(User.username)
        ),
        lambda user: user.full_name or user.username,
    )


def _assign_from_form(campaign: Campaign, form) -> None:
    """Read the assignment form and assign; AssignmentProblem names the field at fault."""
    evaluator = db.session.get(User, _int(form.get("evaluator_id")) or 0)
    if evaluator is None:
        raise AssignmentProblem("evaluator_id", _("Choose an evaluator."))
    area_code = form.get("area_code") or None
    if form.get("scope") == "unit":
        submission = db.session.get(Submission, _int(form.get("submission_id")) or 0)
        if submission is None or submission.campaign_id != campaign.id:
            raise AssignmentProblem("submission_id", _("Choose a unit."))
        service.assign(
            campaign, evaluator, submission=submission, area_code=area_code, actor=current_user
        )
    else:
        block_id = _int(form.get("block_id"))
        if block_id is None:
            raise AssignmentProblem("block_id", _("Choose a block."))
        service.assign(
            campaign, evaluator, block_id=block_id, area_code=area_code, actor=current_user
        )


@bp.route("/campaigns/<code>/assignments", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def index(code: str):
    """Who appraises which block, unit and area; assign; recusals."""
    campaign = get_campaign_or_404(code)
    errors: dict[str, str] = {}
    values = {"scope": "block"}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            _assign_from_form(campaign, request.form)
        except AssignmentProblem as problem:
            db.session.rollback()
            errors[problem.field] = problem.message
        else:
            flash(_("Evaluator assigned."), "success")
            return see_other(url_for("assignments.index", code=campaign.code))
    blocks = vi_sorted(
        db.session.scalars(
            select(Block).where(Block.id.in_([b.block_id for b in campaign.blocks]))
        ),
        lambda block: block.name,
    )
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.campaign_id == campaign.id)
        .options(joinedload(Submission.unit))
        .join(Unit, Submission.unit_id == Unit.id)
        .order_by(*UNIT_ORDER)
    ).all()
    area_list = service.areas(campaign)
    return render(
        "assignments/index.html",
        "assignments/partials/_form.html",
        status=422 if errors else 200,
        campaign=campaign,
        assignments=service.campaign_assignments(campaign),
        recusals=service.recusals(campaign),
        evaluators=_evaluators(),
        blocks=blocks,
        submissions_by_block=[(b, [s for s in submissions if s.block_id == b.id]) for b in blocks],
        areas=area_list,
        area_names=dict(area_list),
        errors=errors,
        values=values,
    )


@bp.post("/campaigns/<code>/assignments/<int:assignment_id>/remove")
@roles_required(*MANAGERS)
def remove(code: str, assignment_id: int):
    """Remove one assignment."""
    campaign = get_campaign_or_404(code)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.campaign_id != campaign.id:
        abort(404)
    service.unassign(assignment, current_user)
    flash(_("Assignment removed."), "success")
    return see_other(url_for("assignments.index", code=campaign.code))


@bp.get("/campaigns/<code>/recusals.csv")
@roles_required(*MANAGERS)
def recusals_csv(code: str):
    """The campaign's recusals as CSV (UTF-8 with BOM, so Excel reads the diacritics)."""
    campaign = get_campaign_or_404(code)
    out = io.StringIO()
    writer = CsvWriter(out, lineterminator="\r\n")
    writer.writerow(["campaign", "unit_code", "unit_name", "evaluator", "reason", "date"])
    for r in service.recusals(campaign):
        unit = r.submission.unit
        writer.writerow(
            [
                campaign.code,
                unit.code,
                unit.name,
                r.evaluator.full_name,
                r.reason,
                format_date(r.created_at, "dd/MM/yyyy"),
            ]
        )
    body = "\ufeff" + out.getvalue()
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="recusals-{campaign.code}.csv"',
        },
    )


@bp.get("/appraisal/queue")
@login_required
def queue():
    """The evaluator's assigned submissions with progress and deadline; filters. An emulation
    cluster's head (or deputy) finds here the members' sheets it appraises."""
    from reform.services.emulation.review import appraises_in_a_cluster

    if not current_user.has_role(EVALUATOR) and not appraises_in_a_cluster(current_user):
        abort(403)
    items = service.queue(current_user)
    campaigns = vi_sorted({i.campaign.code: i.campaign for i in items}.values(), lambda c: c.name)
    blocks = vi_sorted({i.block.id: i.block for i in items if i.block}.values(), lambda b: b.name)
    campaign_code = request.args.get("campaign", "")
    block_id = query_int("block")
    state = request.args.get("status", "")
    shown = [
        i
        for i in items
        if (not campaign_code or i.campaign.code == campaign_code)
        and (not block_id or (i.block is not None and i.block.id == block_id))
        and (state not in service.STATES or i.state == state)
    ]
    return render(
        "assignments/queue.html",
        "assignments/partials/_queue.html",
        items=shown,
        tally=service.counts(items),
        campaigns=campaigns,
        blocks=blocks,
        campaign_code=campaign_code,
        block_id=block_id,
        state=state,
        states=service.STATES,
    )


@bp.route("/appraisal/<int:submission_id>/recuse", methods=["GET", "POST"])
@roles_required(EVALUATOR)
def recuse(submission_id: int):
    """An assigned evaluator steps aside from one unit, with the reason."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    if not service.is_assigned(current_user, submission):
        abort(404)
    existing = service.recusal_of(current_user, submission)
    error = None
    if request.method == "POST" and existing is None:
        try:
            service.recuse(
                current_user, submission, request.form.get("reason", ""), actor=current_user
            )
        except AssignmentProblem as problem:
            db.session.rollback()
            error = problem.message
        else:
            flash(
                _("You stepped aside from the appraisal of %(unit)s.", unit=submission.unit.name),
                "success",
            )
            return see_other(url_for("assignments.queue"))
    elif request.method == "POST":
        error = _("You have already stepped aside from this unit.")
    return render(
        "assignments/recuse.html",
        status=422 if error else 200,
        submission=submission,
        existing=existing,
        error=error,
        reason=request.form.get("reason", ""),
    )


@bp.app_context_processor
def _queue_counts() -> dict:
    """appraisal_counts() for the evaluator's home: a callable, so only pages using it query."""

    def appraisal_counts() -> dict[str, int]:
        if current_user and current_user.is_authenticated and current_user.has_role(EVALUATOR):
            return service.counts(service.queue(current_user))
        return dict.fromkeys(service.STATES, 0)

    return {"appraisal_counts": appraisal_counts}
