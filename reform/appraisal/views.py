"""Appraising a unit side by side with its self-assessment; explanation requests."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, make_response, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reform.assessment import form as layout
from reform.extensions import db
from reform.models import ExplanationRequest
from reform.models.submissions import APPRAISAL, SELF, SURVEY
from reform.services import appraisal as service
from reform.services.access import get_submission_or_404, open_work_or_404
from reform.services.assessment import (
    EntryConflict,
    EntryRefused,
    criteria_by_code,
    parsed_framework,
)
from reform.services.evidence import list_for
from reform.services.phases import phase_of, today
from reform.validation import bounded_int
from reform.web import is_htmx, render, see_other

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")

# A thread form refused without JavaScript redirects back to the page (a reload must not post
# again); its message and what was typed wait in the session for that one page view.
PROBLEMS_KEY = "appraisal_problems"
# The session is a cookie of at most about 4 kB: longer typed text is not kept, the message is.
KEPT_BYTES = 600


def _submission_or_404(submission_id: int):
    submission = get_submission_or_404(submission_id, for_user=current_user)
    if not service.can_view(current_user, submission):
        abort(404)
    return submission


def _rows(submission, area_code: str | None, cards: service.Cards):
    """The area's nodes with both sides' values, points, evidence and explanation threads."""
    fw = parsed_framework(submission.campaign.framework)
    kind = submission.unit.kind
    areas = [
        (n, cards.own.node(n.code), cards.appraised.node(n.code))
        for n in fw.criteria
        if n.applies_to_kind(kind)
    ]
    area = next((n for n, _o, _a in areas if n.code == area_code), areas[0][0])
    files = list_for(submission)
    threads = service.requests_for(submission)
    criteria = criteria_by_code(submission.campaign.framework)
    rows = []

    def walk(node, depth):
        if not node.applies_to_kind(kind):
            return
        criterion = criteria[node.code]
        rows.append(
            {
                "node": node,
                "depth": depth,
                "rule": node.rule.to_dict()["type"] if node.rule else None,
                "own": cards.own.node(node.code),
                "council": cards.appraised.node(node.code),
                "self_entry": cards.self_entries.get(node.code),
                "entry": cards.appraisal_entries.get(node.code),
                "files": files.get(criterion.id, []),
                "threads": threads.get(node.code, []),
                "criterion": criterion,
            }
        )
        for child in node.children:
            walk(child, depth + 1)

    walk(area, 0)
    return areas, area, rows


def _context(submission, area_code, cards=None, errors=None, typed=None):
    cards = cards or service.cards(submission)
    areas, area, rows = _rows(submission, area_code, cards)
    refusal = service.appraisal_refusal(current_user, submission)
    return {
        "submission": submission,
        "cards": cards,
        "areas": areas,
        "area": area,
        "rows": rows,
        "refusal": refusal,
        "can_edit": refusal is None,
        "errors": errors or {},
        "typed": typed or {},
        "phase": phase_of(submission.campaign),
        "today": today(),
        "default_due": today() + timedelta(days=5),
    }


@bp.get("/<int:submission_id>")
@login_required
def page(submission_id: int):
    """One area of a unit's appraisal, the unit's side beside the council's."""
    submission = _submission_or_404(submission_id)
    errors, typed = _recall_problems(submission)
    context = _context(submission, request.args.get("area"), errors=errors, typed=typed)
    return render("appraisal/page.html", **context)


def _remember_problems(submission, key: str, message: str, form: str, typed: dict) -> None:
    kept = {name: text for name, text in typed.items() if len(text.encode()) <= KEPT_BYTES}
    session[PROBLEMS_KEY] = {
        "submission": submission.id,
        "errors": {key: message},
        "typed": {form: kept},
    }


def _recall_problems(submission) -> tuple[dict, dict]:
    found = session.pop(PROBLEMS_KEY, None)
    if not isinstance(found, dict) or found.get("submission") != submission.id:
        return {}, {}
    return found.get("errors") or {}, found.get("typed") or {}


def _thread_answer(submission, code: str, *, status=200, done=None, errors=None, typed=None):
    """The criterion's thread alone, for htmx: refused in place (422) or refreshed after a step."""
    context = _context(submission, service.area_of(submission, code), errors=errors, typed=typed)
    row = next(r for r in context["rows"] if r["node"].code == code)
    return render("appraisal/partials/_thread.html", status=status, row=row, done=done, **context)


def _back_to(submission, code: str):
    area = service.area_of(submission, code)
    return see_other(
        url_for("appraisal.page", submission_id=submission.id, area=area) + f"#a-{code}"
    )


@bp.post("/<int:submission_id>/criteria/<code>")
@login_required
def save(submission_id: int, code: str):
    """Save one appraised value (autosave); answers both columns and the difference."""
    # One unit of work: the submission locked and loaded with every stage's entries at once.
    work = open_work_or_404(submission_id, for_user=current_user, stages=(SELF, APPRAISAL, SURVEY))
    submission = work.submission
    if not service.can_view(current_user, submission):
        abort(404)
    fw = parsed_framework(submission.campaign.framework)
    if code not in fw:
        abort(404)
    node = fw.node(code)
    refusal = service.appraisal_refusal(current_user, submission, code)
    if refusal:
        abort(make_response(refusal, 403))
    version = bounded_int(request.form.get(f"ver-{code}"))
    if version is None:
        abort(400)
    rule = node.rule.to_dict()["type"] if node.rule else None
    fields = layout.criterion_fields(request.form, code, rule)
    error = conflict = saved = None
    status = 200
    try:
        saved = service.save_appraisal(
            submission,
            code,
            value=fields["value"],
            comment=request.form.get(f"comment-{code}"),
            base_version=version,
            actor=current_user,
            work=work,
        )
    except LookupError:
        abort(404)
    except EntryRefused as refused:
        db.session.rollback()
        error, status = refused, 422
    except EntryConflict as stale:
        db.session.rollback()
        conflict, status = stale.entry, 409
    area = service.area_of(submission, code)
    if not is_htmx():
        if status != 200:
            message = error.message if error else _("Changed by someone else meanwhile.")
            context = _context(submission, area, errors={code: message})
            return render("appraisal/page.html", status=status, **context)
        return see_other(url_for("appraisal.page", submission_id=submission.id, area=area))
    context = _context(submission, area, cards=saved)  # the save's cards: not scored again
    row = next(r for r in context["rows"] if r["node"].code == code)
    return make_response(
        render(
            "appraisal/partials/_saved.html", row=row, error=error, conflict=conflict, **context
        ),
        status,
    )


@bp.post("/<int:submission_id>/criteria/<code>/explanations")
@login_required
def request_explanation(submission_id: int, code: str):
    """Ask the unit to explain or supplement one criterion, with a deadline."""
    submission = _submission_or_404(submission_id)
    if code not in parsed_framework(submission.campaign.framework):
        abort(404)
    due = request.form.get("due_on", "")
    message = request.form.get("message", "")
    try:
        due_on = date.fromisoformat(due) if due else None
    except ValueError:
        due_on = None
    try:
        service.request_explanation(
            submission, code, message=message, due_on=due_on, actor=current_user
        )
    except PermissionError as refused:
        abort(make_response(str(refused), 403))
    except EntryRefused as refused:
        db.session.rollback()
        key = f"request-{code}" + ("-due" if refused.field == "due_on" else "")
        typed = {"message": message, "due_on": due}
        if is_htmx():
            return _thread_answer(
                submission,
                code,
                status=422,
                errors={key: refused.message},
                typed={f"request-{code}": typed},
            )
        _remember_problems(submission, key, refused.message, f"request-{code}", typed)
        return _back_to(submission, code)
    done = _("Explanation requested from the unit.")
    if is_htmx():
        return _thread_answer(submission, code, done=done)
    flash(done, "success")
    return _back_to(submission, code)


def _request_or_404(submission, request_id: int) -> ExplanationRequest:
    found = db.session.get(ExplanationRequest, request_id)
    if found is None or found.submission_id != submission.id:
        abort(404)
    return found


@bp.post("/<int:submission_id>/explanations/<int:request_id>/decide")
@login_required
def decide(submission_id: int, request_id: int):
    """Close an explanation request with the decision taken."""
    submission = _submission_or_404(submission_id)
    found = _request_or_404(submission, request_id)
    code = found.criterion.code
    decision = request.form.get("decision", "")
    try:
        service.decide_explanation(submission, found, decision=decision, actor=current_user)
    except PermissionError as refused:
        abort(make_response(str(refused), 403))
    except EntryRefused as refused:
        db.session.rollback()
        key = f"decide-{found.id}"
        if is_htmx():
            return _thread_answer(
                submission,
                code,
                status=422,
                errors={key: refused.message},
                typed={key: {"decision": decision}},
            )
        _remember_problems(submission, key, refused.message, key, {"decision": decision})
        return _back_to(submission, code)
    done = _("Decision recorded.")
    if is_htmx():
        return _thread_answer(submission, code, done=done)
    flash(done, "success")
    return _back_to(submission, code)
