"""Evidence of a self-assessment criterion: upload, remove, download, preview."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    render_template_string,
    request,
    send_file,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reform.extensions import db
from reform.models import Criterion, Evidence, Submission
from reform.security import is_safe_next
from reform.services import evidence as evidence_service
from reform.services.access import get_submission_or_404
from reform.services.assessment import evidence_permission
from reform.web import is_htmx, render, see_other

bp = Blueprint("evidence", __name__, url_prefix="/assessments/<int:submission_id>/evidence")

PARTIAL = "assessment/partials/_evidence.html"

# A full page around the evidence block, for a form sent without JavaScript that must show
# its error next to the file input (with htmx only the block itself is returned).
PAGE = """\
{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<p><a href="{{ next_url }}">{{ back_label }}</a></p>
<h1>{{ title }}</h1>
<section class="card">{% include partial %}</section>
{% endblock %}
"""

# The preview is opened by the app itself (a new tab or a frame of this site), never by others.
# style-src 'unsafe-inline' is for the browser's own image/PDF viewer page, which styles itself
# inline; nothing of ours is inlined, and the served content is never HTML.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'self'"
)


def evidence_context(
    submission: Submission,
    criterion: Criterion,
    *,
    files: list[Evidence] | None = None,
    error: str | None = None,
    next_url: str | None = None,
) -> dict[str, Any]:
    """The variables of the evidence partial for one criterion, for this view and its page."""
    return {
        "submission": submission,
        "criterion": criterion,
        "files": evidence_service.files_for(submission, criterion) if files is None else files,
        "can_edit": evidence_permission(submission, criterion, current_user)[0] is None,
        "error": error,
        "next_url": next_url or default_next(submission),
    }


def default_next(submission: Submission) -> str:
    """The self-assessment page of the submission."""
    return f"/assessments/{submission.id}"


def _next_url(submission: Submission) -> str:
    target = request.form.get("next")
    return target if is_safe_next(target) else default_next(submission)


def _block(submission: Submission, criterion: Criterion, status: int = 200, **extra: Any):
    """The evidence block alone for htmx, else a page holding it."""
    context = evidence_context(submission, criterion, next_url=_next_url(submission), **extra)
    if is_htmx():
        return render(PARTIAL, status=status, **context)
    page = render_template_string(
        PAGE,
        partial=PARTIAL,
        title=f"{criterion.code} · {criterion.name}",
        back_label=_("Back to the self-assessment"),
        **context,
    )
    response = make_response(page, status)
    response.vary.add("HX-Request")
    return response


def _refused(submission: Submission, criterion: Criterion, reason: str):
    """403 with the reason: in the block for htmx, on the error page otherwise."""
    if is_htmx():
        return _block(submission, criterion, 403, error=reason)
    return render("errors/error.html", status=403, title=_("Not allowed"), message=reason)


def _criterion_or_404(submission: Submission, criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if not evidence_service.criterion_accepts_evidence(submission, criterion):
        abort(404)
    return criterion


def _evidence_or_404(submission: Submission, evidence_id: int) -> Evidence:
    evidence = evidence_service.get_evidence(submission, evidence_id)
    if evidence is None:
        abort(404)
    return evidence


@bp.post("/<int:criterion_id>")
@login_required
def upload(submission_id: int, criterion_id: int):
    """Attach one or several files to a criterion; one bad file refuses them all."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    criterion = _criterion_or_404(submission, criterion_id)
    refusal = evidence_permission(submission, criterion, current_user)[0]
    if refusal:
        return _refused(submission, criterion, refusal)
    try:
        evidence_service.attach_all(
            submission, criterion, request.files.getlist("files"), user=current_user
        )
    except evidence_service.EvidenceRefused as refused:
        db.session.rollback()
        return _block(submission, criterion, 422, error=refused.message)
    except PermissionError as denied:  # the phase closed between the check and the write
        db.session.rollback()
        return _refused(submission, criterion, str(denied))
    if is_htmx():
        return _block(submission, criterion)
    return see_other(_next_url(submission))


@bp.post("/<int:evidence_id>/remove")
@login_required
def remove(submission_id: int, evidence_id: int):
    """Detach a file from its criterion."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    evidence = _evidence_or_404(submission, evidence_id)
    criterion = db.session.get(Criterion, evidence.criterion_id)
    refusal = evidence_permission(submission, criterion, current_user)[0]
    if refusal:
        return _refused(submission, criterion, refusal)
    try:
        evidence_service.remove(evidence, user=current_user)
    except PermissionError as denied:
        db.session.rollback()
        return _refused(submission, criterion, str(denied))
    if is_htmx():
        return _block(submission, criterion)
    return see_other(_next_url(submission))


def _send(evidence: Evidence, *, inline: bool) -> Response:
    try:
        path = evidence_service.open_file(evidence)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        path,
        mimetype=evidence.file.mime_type,
        as_attachment=not inline,
        # Werkzeug writes an ASCII fallback plus RFC 5987 filename*=UTF-8'' for Vietnamese names.
        download_name=evidence.filename,
        conditional=True,
        etag=evidence.file.sha256,
    )
    # Evidence is private to the unit and the council: never kept by a shared computer's cache.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<int:evidence_id>/download")
@login_required
def download(submission_id: int, evidence_id: int):
    """The file as an attachment, to anyone who may see the submission."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    return _send(_evidence_or_404(submission, evidence_id), inline=False)


@bp.get("/<int:evidence_id>/preview")
@login_required
def preview(submission_id: int, evidence_id: int):
    """Images and PDFs shown in the browser; other types have no preview."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    evidence = _evidence_or_404(submission, evidence_id)
    mime = evidence.file.mime_type
    if mime not in evidence_service.PREVIEWABLE:
        abort(404)
    response = _send(evidence, inline=True)
    csp = PREVIEW_CSP
    if mime != evidence_service.PDF:
        # An image needs no scripts, forms or origin: sandbox it completely. PDFs are left
        # unsandboxed because Chromium's PDF viewer refuses to run in a sandboxed document
        # and would show a blocked page; their content is still a sniffed, non-HTML type.
        csp += "; sandbox"
    response.headers["Content-Security-Policy"] = csp
    # Older browsers read only this header: allow this site's own frames, as frame-ancestors.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
