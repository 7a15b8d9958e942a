"""Survey points, closing appraisal, readiness and publication, public results, appeals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import Appeal, Block, Campaign, ResultsVersion, Submission
from reform.models.users import ADMIN, HEAD, SECRETARIAT
from reform.security import roles_required
from reform.services import appeals as appeal_service
from reform.services import publication as service
from reform.services import survey as survey_service
from reform.services.access import (
    get_campaign_or_404,
    get_submission_or_404,
    staff_results_page,
)
from reform.services.framework_cache import parsed_framework
from reform.services.phases import phase_of
from reform.services.result_columns import result_columns
from reform.services.units import campaign_blocks
from reform.validation import bounded_int
from reform.web import render, see_other

bp = Blueprint("publication", __name__)
MANAGERS = (ADMIN, SECRETARIAT)
SURVEY_PAGE_SIZE = 50


@bp.app_template_filter("decimal_text")
def decimal_text(value: str | None) -> str:
    """A published decimal string ("93.35") in the reader's locale ("93,35" in Vietnamese)."""
    if value is None or value == "":
        return "–"
    try:
        return fmt_number(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _submission_of(campaign: Campaign, submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.campaign_id != campaign.id:
        abort(404)
    return submission


def _endpoint_url(endpoint: str, **values) -> str | None:
    """A link to another blueprint's page when that page exists in this application."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _staff_context(campaign: Campaign, current: str) -> dict:
    """What every staff page of this blueprint shows: the tabs and the live/published banner."""
    return {
        "campaign": campaign,
        "tab": current,
        "latest": service.latest_version(campaign),
        "phase": phase_of(campaign),
    }


# ---- survey points ------------------------------------------------------------------------------


def _campaign_blocks(campaign: Campaign) -> list[Block]:
    """The campaign's blocks by name (Vietnamese order)."""
    return campaign_blocks(campaign)


@bp.route("/campaigns/<code>/survey", methods=["GET", "POST"])
@staff_results_page
@roles_required(*MANAGERS)
def survey(code: str):
    """Survey points of every participant unit, one grid (a card per unit on a phone)."""
    campaign = get_campaign_or_404(code)
    source = request.form if request.method == "POST" else request.args
    block_id = bounded_int(source.get("block"))
    page = bounded_int(source.get("page"), low=1) or 1
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            changed = survey_service.save_survey(campaign, request.form, actor=current_user)
        except survey_service.SurveyRefused as refused:
            db.session.rollback()
            errors, status = refused.errors, 422
            posted = {k: v for k, v in request.form.items() if k.startswith("s-")}
        except PermissionError as refused:
            db.session.rollback()
            errors, status = {"": str(refused)}, 422
        else:
            flash(
                ngettext("%(num)s value saved.", "%(num)s values saved.", changed)
                if changed
                else _("Nothing changed."),
                "success",
            )
            return see_other(url_for("publication.survey", code=code, block=block_id, page=page))
    grid = survey_service.grid(campaign, block_id)
    pages = max((len(grid.rows) + SURVEY_PAGE_SIZE - 1) // SURVEY_PAGE_SIZE, 1)
    page = min(page, pages)
    grid.rows = grid.rows[(page - 1) * SURVEY_PAGE_SIZE : page * SURVEY_PAGE_SIZE]
    # Errors of fields this page does not show (a crafted or stale post) are listed below it.
    shown = {
        survey_service.field_name(row.submission.id, code)
        for row in grid.rows
        for code in row.applicable
    }
    other_errors = [(name, text) for name, text in errors.items() if name and name not in shown]
    return render(
        "publication/survey.html",
        "publication/partials/_survey_grid.html",
        status=status,
        grid=grid,
        errors=errors,
        other_errors=other_errors,
        posted=posted,
        blocks=_campaign_blocks(campaign),
        block_id=block_id,
        page_number=page,
        pages=pages,
        field_name=survey_service.field_name,
        version_field_name=survey_service.version_field_name,
        shown_value=survey_service.shown_value,
        editable=campaign.published_at is None,
        **_staff_context(campaign, "survey"),
    )


# ---- closing appraisal, readiness, publishing ------------------------------------------------


def _readiness_page(campaign: Campaign, status: int = 200, error: str | None = None):
    problems = service.readiness(campaign)
    by_submission: dict[int, list[service.Problem]] = {}
    for problem in problems:
        by_submission.setdefault(problem.submission_id, []).append(problem)
    return render(
        "publication/publish.html",
        status=status,
        submissions=service.campaign_submissions(campaign),
        problems=problems,
        by_submission=by_submission,
        error=error,
        appraisal_url=lambda s: _endpoint_url("appraisal.page", submission_id=s.id),
        versions=service.versions(campaign),
        **_staff_context(campaign, "publish"),
    )


@bp.get("/campaigns/<code>/publish")
@staff_results_page
@roles_required(*MANAGERS)
def publish_page(code: str):
    """The readiness checklist by unit, closing appraisal, and the Publish button."""
    return _readiness_page(get_campaign_or_404(code))


@bp.post("/campaigns/<code>/publish")
@roles_required(*MANAGERS)
def publish(code: str):
    """Publish version 1 of the results when everything is ready."""
    campaign = get_campaign_or_404(code)
    try:
        version = service.publish(
            campaign, actor=current_user, reason=request.form.get("reason", "")
        )
    except service.PublicationRefused as refused:
        db.session.rollback()
        return _readiness_page(campaign, 422, refused.message)
    flash(_("Published: version %(num)s.", num=version.version), "success")
    return see_other(url_for("publication.public_results", code=campaign.code))


@bp.post("/campaigns/<code>/submissions/<int:submission_id>/close-appraisal")
@roles_required(*MANAGERS)
def close_appraisal(code: str, submission_id: int):
    """Close the appraisal of one unit; its appraised values become read-only."""
    campaign = get_campaign_or_404(code)
    submission = _submission_of(campaign, submission_id)
    try:
        service.close_appraisal(submission, actor=current_user)
    except service.PublicationRefused as refused:
        db.session.rollback()
        return _readiness_page(campaign, 422, f"{submission.unit.name}: {refused.message}")
    flash(_("Appraisal of %(unit)s closed.", unit=submission.unit.name), "success")
    return see_other(url_for("publication.publish_page", code=code) + f"#s-{submission.id}")


@bp.post("/campaigns/<code>/submissions/<int:submission_id>/reopen-appraisal")
@roles_required(*MANAGERS)
def reopen_appraisal(code: str, submission_id: int):
    """Reopen a closed appraisal before publication, with the reason."""
    campaign = get_campaign_or_404(code)
    submission = _submission_of(campaign, submission_id)
    try:
        service.reopen_appraisal(
            submission, actor=current_user, reason=request.form.get("reason", "")
        )
    except service.PublicationRefused as refused:
        db.session.rollback()
        return _readiness_page(campaign, 422, f"{submission.unit.name}: {refused.message}")
    flash(_("Appraisal of %(unit)s reopened.", unit=submission.unit.name), "success")
    return see_other(url_for("publication.publish_page", code=code) + f"#s-{submission.id}")


# ---- public results --------------------------------------------------------------------------


def _published_or_404(code: str) -> tuple[Campaign, ResultsVersion]:
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    version = service.latest_version(campaign) if campaign is not None else None
    if version is None:
        abort(404)
    return campaign, version


def _results_page(campaign: Campaign, version: ResultsVersion, latest: ResultsVersion):
    all_versions = service.versions(campaign)
    own_submission = None
    if current_user.is_authenticated and current_user.has_role(HEAD) and current_user.unit_id:
        own_submission = db.session.scalar(
            select(Submission).where(
                Submission.campaign_id == campaign.id,
                Submission.unit_id == current_user.unit_id,
            )
        )
    return render(
        "publication/public_results.html",
        campaign=campaign,
        columns=result_columns(parsed_framework(campaign.framework)),
        version=version,
        latest=latest,
        document=service.document_of(version),
        change_log=service.change_log_of(version),
        logs={v.version: service.change_log_of(v) for v in all_versions},
        versions=all_versions,
        is_latest=version.version == latest.version,
        appeal_closes=appeal_service.window_closes_on(campaign),
        own_submission=own_submission,
    )


@bp.get("/public/")
def public_index():
    """Every campaign whose results are published (open to everyone)."""
    return render("publication/public_index.html", rows=service.published_campaigns())


@bp.get("/public/<code>")
def public_results(code: str):
    """The latest published results of a campaign, ranked per block (never live values)."""
    campaign, latest = _published_or_404(code)
    return _results_page(campaign, latest, latest)


@bp.get("/public/<code>/v/<int:number>")
def public_version(code: str, number: int):
    """One published version of the results, as it was published."""
    campaign, latest = _published_or_404(code)
    version = service.get_version(campaign, number)
    if version is None:
        abort(404)
    return _results_page(campaign, version, latest)


def _payload_response(campaign: Campaign, version: ResultsVersion, immutable: bool) -> Response:
    """The stored JSON byte for byte: its SHA-256 is the published content hash."""
    response = make_response(version.payload.encode("utf-8"))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{campaign.code}-v{version.version}.json"'
    )
    response.set_etag(version.content_hash)
    if immutable:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/public/<code>/results.json")
def public_json(code: str):
    """The latest published results document, exactly as stored and hashed."""
    campaign, latest = _published_or_404(code)
    return _payload_response(campaign, latest, immutable=False)


@bp.get("/public/<code>/v/<int:number>/results.json")
def public_version_json(code: str, number: int):
    """One published version's document, exactly as stored and hashed."""
    campaign, _latest = _published_or_404(code)
    version = service.get_version(campaign, number)
    if version is None:
        abort(404)
    return _payload_response(campaign, version, immutable=True)


# ---- appeals: the unit head files -----------------------------------------------------------


def _head_submission_or_404(submission_id: int) -> Submission:
    submission = get_submission_or_404(submission_id, for_user=current_user)
    if current_user.unit_id != submission.unit_id:
        abort(404)
    return submission


def _appeal_form(submission: Submission, status: int = 200, errors=None, form=None):
    fw = parsed_framework(submission.campaign.framework)
    refusal = appeal_service.appeal_refusal(current_user, submission)
    criteria = appeal_service.appealable_criteria(submission) if refusal is None else []
    version = service.latest_version(submission.campaign)
    figures = None
    if version is not None:
        document = service.document_of(version)
        figures = next(
            (
                row
                for block in document["blocks"]
                for row in block["results"]
                if row["unit_code"] == submission.unit.code
            ),
            None,
        )
    return render(
        "publication/appeal_new.html",
        status=status,
        submission=submission,
        campaign=submission.campaign,
        refusal=refusal,
        criteria=criteria,
        areas={node.code: node for node in fw.criteria},
        values=appeal_service.current_values(submission),
        appeals=appeal_service.appeals_of_submission(submission),
        closes=appeal_service.window_closes_on(submission.campaign),
        errors=errors or {},
        form=form,
        version=version,
        figures=figures,
    )


@bp.get("/appeals/new/<int:submission_id>")
@roles_required(HEAD)
def new_appeal(submission_id: int):
    """The head of the unit chooses criteria to appeal, with reasons and evidence."""
    return _appeal_form(_head_submission_or_404(submission_id))


@bp.post("/appeals/new/<int:submission_id>")
@roles_required(HEAD)
def file_appeal(submission_id: int):
    """File the appeals (one per chosen criterion); all or none."""
    submission = _head_submission_or_404(submission_id)
    items = [
        appeal_service.AppealItem(
            code=code,
            reason=request.form.get(f"reason-{code}", ""),
            uploads=request.files.getlist(f"evidence-{code}"),
        )
        for code in dict.fromkeys(request.form.getlist("criteria"))
    ]
    try:
        filed = appeal_service.file_appeals(submission, items, actor=current_user)
    except appeal_service.AppealRefused as refused:
        db.session.rollback()
        return _appeal_form(submission, 422, refused.errors, request.form)
    except PermissionError as refused:
        db.session.rollback()
        return _appeal_form(submission, 422, {"criteria": str(refused)}, request.form)
    flash(
        ngettext("%(num)s appeal filed.", "%(num)s appeals filed.", len(filed)),
        "success",
    )
    return see_other(url_for("publication.new_appeal", submission_id=submission.id))


# ---- appeals: the council decides and republishes -----------------------------------------------


def _appeals_page(campaign: Campaign, status: int = 200, errors=None, error_for=None):
    appeals = appeal_service.appeals_of_campaign(campaign)
    fw = parsed_framework(campaign.framework)
    values = {a.submission_id: appeal_service.current_values(a.submission) for a in appeals}
    return render(
        "publication/appeals.html",
        status=status,
        appeals=appeals,
        nodes={a.id: fw.node(a.criterion.code) for a in appeals},
        values=values,
        evidence=appeal_service.appeal_evidence(campaign),
        pending=appeal_service.pending_decisions(campaign),
        errors=errors or {},
        error_for=error_for,
        form=request.form if status == 422 else None,
        closes=appeal_service.window_closes_on(campaign),
        **_staff_context(campaign, "appeals"),
    )


@bp.get("/campaigns/<code>/appeals")
@staff_results_page
@roles_required(*MANAGERS)
def appeals(code: str):
    """The council's list of appeals: waiting ones to decide, decided ones with the decision."""
    return _appeals_page(get_campaign_or_404(code))


@bp.post("/campaigns/<code>/appeals/<int:appeal_id>/decide")
@roles_required(*MANAGERS)
def decide_appeal(code: str, appeal_id: int):
    """Accept an appeal with the new value, or reject it with the reason."""
    campaign = get_campaign_or_404(code)
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.submission.campaign_id != campaign.id:
        abort(404)
    outcome = request.form.get("outcome", "")
    try:
        if outcome not in ("accept", "reject"):
            raise appeal_service.AppealRefused({"outcome": _("Choose accept or reject.")})
        appeal_service.decide(
            appeal,
            accept=outcome == "accept",
            value=request.form.get("value"),
            decision=request.form.get("decision", ""),
            actor=current_user,
        )
    except appeal_service.AppealRefused as refused:
        db.session.rollback()
        return _appeals_page(campaign, 422, refused.errors, appeal_id)
    except PermissionError as refused:
        db.session.rollback()
        return _appeals_page(campaign, 422, {"outcome": str(refused)}, appeal_id)
    flash(_("Decision saved."), "success")
    return see_other(url_for("publication.appeals", code=code) + f"#appeal-{appeal_id}")


@bp.post("/campaigns/<code>/appeals/republish")
@roles_required(*MANAGERS)
def republish(code: str):
    """Publish a new version after decisions, with its change log."""
    campaign = get_campaign_or_404(code)
    try:
        version = appeal_service.republish(
            campaign, actor=current_user, reason=request.form.get("reason", "")
        )
    except appeal_service.AppealRefused as refused:
        db.session.rollback()
        return _appeals_page(campaign, 422, refused.errors, "republish")
    except service.PublicationRefused as refused:
        db.session.rollback()
        return _appeals_page(campaign, 422, {"reason": refused.message}, "republish")
    flash(_("Published: version %(num)s.", num=version.version), "success")
    return see_other(url_for("publication.public_version", code=code, number=version.version))
