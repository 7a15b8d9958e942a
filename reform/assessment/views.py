"""The self-assessment form: one area at a time, saved criterion by criterion."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from reform.assessment import form as layout
from reform.extensions import db
from reform.models.users import HEAD, OFFICER
from reform.security import is_safe_next
from reform.services import assessment as service
from reform.services.access import get_submission_or_404, open_work_or_404
from reform.services.phases import phase_of, today
from reform.validation import bounded_int
from reform.web import is_htmx, render, see_other

bp = Blueprint("assessment", __name__, url_prefix="/assessments")


def _form_url(submission_id: int, area: str | None = None) -> str:
    return url_for("assessment.form", submission_id=submission_id, area=area)


def _page(submission, area: str | None, status: int = 200, errors: dict | None = None):
    view = layout.build(submission, area)
    refusal = service.self_edit_refusal(submission, current_user)
    return render(
        "assessment/form.html",
        status=status,
        view=view,
        submission=submission,
        refusal=refusal,
        can_edit=refusal is None,
        errors=errors or {},
        phase=phase_of(submission.campaign),
    )


@bp.get("/<int:submission_id>")
@login_required
def form(submission_id: int):
    """One area of the self-assessment with the sticky summary."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    return _page(submission, request.args.get("area"))


@bp.post("/<int:submission_id>/criteria/<code>")
@login_required
def save_criterion(submission_id: int, code: str):
    """Save one criterion (autosave); answers its status and the new totals."""
    # One unit of work: the submission locked and loaded with its entries in one statement.
    work = open_work_or_404(submission_id, for_user=current_user, stages=service.STAGES)
    submission = work.submission
    fw = service.parsed_framework(submission.campaign.framework)
    if code not in fw:
        abort(404)
    node = fw.node(code)
    rule = node.rule.to_dict()["type"] if node.rule else None
    fields = layout.criterion_fields(request.form, code, rule)
    refusal = service.self_edit_refusal(submission, current_user)
    if refusal:
        abort(make_response(refusal, 403))
    version = bounded_int(request.form.get(f"ver-{code}"))
    if version is None:
        abort(400)
    error = conflict = saved = None
    status = 200
    try:
        saved = service.save_self_entry(
            submission, code, base_version=version, actor=current_user, work=work, **fields
        )
    except PermissionError as refused:
        abort(make_response(str(refused), 403))
    except LookupError:
        abort(404)
    except service.EntryRefused as refused:
        db.session.rollback()
        error, status = refused, 422
    except service.EntryConflict as stale:
        db.session.rollback()
        conflict, status = stale.entry, 409
    if not is_htmx():
        if status != 200:
            return _page(
                submission,
                _area_of(fw, code),
                status,
                {code: error.message if error else _("Changed by someone else.")},
            )
        target = request.form.get("next", "")
        return see_other(target if is_safe_next(target) else _form_url(submission.id))
    view = layout.build(submission, _area_of(fw, code), saved)
    row = next(r for r in view.rows if r.code == code)
    response = make_response(
        render(
            "assessment/partials/_saved.html",
            view=view,
            submission=submission,
            row=row,
            error=error,
            conflict=conflict,
            typed=fields,
        ),
        status,
    )
    return response


def _area_of(fw, code: str) -> str:
    """The top-level area that holds a criterion."""
    for top in fw.criteria:
        if any(n.code == code for n in top.walk()):
            return top.code
    return fw.criteria[0].code


@bp.post("/<int:submission_id>/areas/<area>")
@login_required
def save_area(submission_id: int, area: str):
    """Without JavaScript: save every criterion of an area with one button, all or none."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    refusal = service.self_edit_refusal(submission, current_user)
    if refusal:
        abort(make_response(refusal, 403))
    view = layout.build(submission, area)
    changes = []
    errors: dict[str, str] = {}
    for row in view.rows:
        editable = (row.node.is_leaf and not row.node.is_survey) or row.node.allow_na
        version = bounded_int(request.form.get(f"ver-{row.code}"))
        if not editable or version is None:
            continue
        fields = layout.criterion_fields(request.form, row.code, row.rule)
        before = (
            row.value,
            row.entry.note if row.entry else None,
            row.entry.explanation if row.entry else None,
        )
        if tuple((fields[k] or "").strip() or None for k in fields) == before:
            continue
        if version != row.version:
            errors[row.code] = _("Changed by someone else meanwhile; reload to see it.")
            continue
        if fields["value"]:
            try:
                row.node.parse_value(fields["value"], stage="self")
            except service.ValueProblem as problem:
                errors[row.code] = service.problem_text(problem)
                continue
        changes.append((row.code, version, fields))
    # One bad value keeps the whole area unsaved, so nothing is half-written.
    if errors:
        return _page(submission, area, 422, errors)
    for code, version, fields in changes:
        try:
            # One transaction for the area: a later refusal undoes the earlier criteria too.
            service.save_self_entry(
                submission, code, base_version=version, actor=current_user, commit=False, **fields
            )
        except (service.EntryRefused, service.EntryConflict) as failed:
            db.session.rollback()
            message = (
                failed.message
                if isinstance(failed, service.EntryRefused)
                else _("Changed by someone else meanwhile; reload to see it.")
            )
            return _page(submission, area, 422, {code: message})
    db.session.commit()
    flash(ngettext("%(num)s criterion saved.", "%(num)s criteria saved.", len(changes)), "success")
    return see_other(_form_url(submission.id, area))


@bp.get("/<int:submission_id>/check")
@login_required
def check(submission_id: int):
    """The completeness check list, each problem linked to its criterion."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    problems = service.completeness(submission)
    fw = service.parsed_framework(submission.campaign.framework)
    links = {
        p.code: _form_url(submission.id, _area_of(fw, p.code)) + f"#c-{p.code}" for p in problems
    }
    return render(
        "assessment/check.html",
        submission=submission,
        problems=problems,
        links=links,
        phase=phase_of(submission.campaign),
        refusal=service.self_edit_refusal(submission, current_user),
    )


def _workflow(submission_id: int, step):
    submission = get_submission_or_404(submission_id, for_user=current_user)
    try:
        message = step(submission)
    except PermissionError as refused:
        abort(make_response(str(refused), 403))
    except (service.WorkflowRefused, service.EntryRefused) as refused:
        db.session.rollback()
        text = refused.message if isinstance(refused, service.EntryRefused) else str(refused)
        flash(text, "error")
        return see_other(url_for("assessment.check", submission_id=submission.id))
    flash(message, "success")
    return see_other(_form_url(submission.id))


@bp.post("/<int:submission_id>/send")
@login_required
def send(submission_id: int):
    """The officer sends the self-assessment to the unit head."""

    def step(submission):
        if not current_user.has_role(OFFICER, HEAD) or current_user.unit_id != submission.unit_id:
            raise PermissionError(_("Only the unit's officers and head send its self-assessment."))
        service.send_to_head(submission, actor=current_user)
        return _("Sent to the unit head for approval.")

    return _workflow(submission_id, step)


@bp.post("/<int:submission_id>/approve")
@login_required
def approve(submission_id: int):
    """The head approves and submits to the council."""

    def step(submission):
        service.approve_and_submit(submission, actor=current_user)
        return _("Approved and submitted to the council.")

    return _workflow(submission_id, step)


@bp.post("/<int:submission_id>/return")
@login_required
def return_(submission_id: int):
    """The head returns the self-assessment with a comment."""

    def step(submission):
        service.return_to_officer(
            submission, actor=current_user, comment=request.form.get("comment", "")
        )
        return _("Returned to the officer with your comment.")

    return _workflow(submission_id, step)


@bp.post("/<int:submission_id>/withdraw")
@login_required
def withdraw(submission_id: int):
    """The head withdraws a submitted self-assessment while self-assessment is open."""

    def step(submission):
        service.withdraw(submission, actor=current_user, reason=request.form.get("reason", ""))
        return _("Withdrawn: the self-assessment can be changed again.")

    return _workflow(submission_id, step)


@bp.get("/<int:submission_id>/report")
@login_required
def report(submission_id: int):
    """The self-assessment report in the official layout, for the browser's print."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    return render("assessment/report.html", **report_context(submission))


@bp.get("/<int:submission_id>/report.pdf")
@login_required
def report_pdf(submission_id: int):
    """The same report as an A4 PDF file to download."""
    # Imported here: WeasyPrint loads Pango when imported, and only this view needs it.
    from reform.services.pdf import render_pdf

    submission = get_submission_or_404(submission_id, for_user=current_user)
    pdf = render_pdf(render_template("assessment/report.html", **report_context(submission)))
    unit, campaign = submission.unit, submission.campaign
    fallback = _ascii_filename(f"tu-danh-gia-{unit.code}-{campaign.code}") + ".pdf"
    name = f"{_('Self-assessment report')} - {unit.name} - {campaign.code}.pdf"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})


def _ascii_filename(text: str) -> str:
    """Letters without diacritics, digits, dots and dashes: safe for any browser."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", plain).strip("-.") or "report"


def report_context(submission) -> dict:
    """What the printable report and its PDF show: every criterion with points and evidence."""
    fw = service.parsed_framework(submission.campaign.framework)
    entries = service.self_entries(submission)
    criteria = service.criteria_by_code(submission.campaign.framework)
    card = service.scorecard(submission, entries)
    files = layout._files(submission)
    kind = submission.unit.kind
    rows = []

    def walk(nodes, depth):
        for node in nodes:
            if not node.applies_to_kind(kind):
                continue
            criterion = criteria[node.code]
            rows.append(
                {
                    "node": node,
                    "depth": depth,
                    "score": card.node(node.code),
                    "entry": entries.get(node.code),
                    "files": files.get(criterion.id, []),
                }
            )
            walk(node.children, depth + 1)

    walk(fw.criteria, 0)
    return {"submission": submission, "card": card, "rows": rows, "today": today()}


@bp.app_template_global()
def explanation_past_due(request) -> bool:
    """Whether an explanation request's deadline has passed."""
    from reform.services.explanation_requests import past_due

    return past_due(request)


@bp.app_template_global()
def evidence_editable(submission, criterion) -> bool:
    """Whether the current user may add or remove evidence on this criterion now."""
    return service.evidence_permission(submission, criterion, current_user)[0] is None


@bp.post("/<int:submission_id>/explanations/<int:request_id>/answer")
@login_required
def answer_explanation(submission_id: int, request_id: int):
    """The unit answers an explanation request on one reopened criterion."""
    from reform.models import ExplanationRequest
    from reform.services import appraisal

    submission = get_submission_or_404(submission_id, for_user=current_user)
    found = db.session.get(ExplanationRequest, request_id)
    if found is None or found.submission_id != submission.id:
        abort(404)
    fw = service.parsed_framework(submission.campaign.framework)
    area = _area_of(fw, found.criterion.code)
    try:
        appraisal.answer_explanation(
            submission, found, answer=request.form.get("answer", ""), actor=current_user
        )
    except PermissionError as refused:
        abort(make_response(str(refused), 403))
    except service.EntryRefused as refused:
        db.session.rollback()
        return _page(submission, area, 422, {f"answer-{found.id}": refused.message})
    flash(_("Explanation sent to the council."), "success")
    return see_other(_form_url(submission.id, area) + f"#c-{found.criterion.code}")
