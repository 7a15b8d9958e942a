"""Read-only views of the audit log: a criterion's history, a campaign's log and its CSV.

Nothing here (or anywhere in the application) edits or deletes an event: every route is GET.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import AuditEvent, Campaign, Submission, Unit, User
from reform.models.users import STAFF_ROLES
from reform.scoring import vi_sorted
from reform.security import roles_required
from reform.services.access import (
    COUNCIL_STAGES,
    get_submission_or_404,
    results_access,
    staff_results_page,
)
from reform.services.framework_cache import parsed_framework
from reform.services.spreadsheet import CsvWriter
from reform.services.units import UNIT_ORDER
from reform.validation import query_int
from reform.web import render

bp = Blueprint("audit", __name__)

# Who reads a campaign's whole log: the managers, the leaders who watch it, and the
# evaluators, who sit on the council whose figures the log traces.
LOG_READERS = tuple(sorted(STAFF_ROLES))

ACTION_LABELS = {
    "campaign_created": _l("Campaign created"),
    "value_changed": _l("Value changed"),
    "note_changed": _l("Note or explanation changed"),
    "status_changed": _l("Status changed"),
    "evidence_added": _l("Evidence added"),
    "evidence_removed": _l("Evidence removed"),
    "phase_changed": _l("Phase dates changed"),
    "bands_changed": _l("Bands changed"),
    "participant_added": _l("Participant added"),
    "participant_removed": _l("Participant removed"),
    "explanation_requested": _l("Explanation requested"),
    "explanation_answered": _l("Explanation answered"),
    "explanation_decided": _l("Explanation decided"),
    "assignment_added": _l("Evaluator assigned"),
    "assignment_removed": _l("Assignment removed"),
    "recused": _l("Evaluator recused"),
    "appraisal_closed": _l("Appraisal closed"),
    "appraisal_reopened": _l("Appraisal reopened"),
    "published": _l("Results published"),
    "appeal_filed": _l("Appeal filed"),
    "appeal_decided": _l("Appeal decided"),
    "appeal_accepted": _l("Appeal accepted"),
    "appeal_rejected": _l("Appeal rejected"),
    "pledge_edited": _l("Pledge edited"),
    "pledge_sent": _l("Pledge sent for signing"),
    "pledge_signed": _l("Pledge signed"),
    "pledge_reopened": _l("Pledge reopened, signatures cleared"),
    "registration_saved": _l("Registration saved"),
    "registration_submitted": _l("Registration submitted"),
    "registration_withdrawn": _l("Registration withdrawn"),
    "title_created": _l("Title added to the catalogue"),
    "title_changed": _l("Title changed"),
    "title_deactivated": _l("Title no longer in use"),
    "title_reactivated": _l("Title in use again"),
    "titles_loaded": _l("Default titles loaded"),
    "ballot_created": _l("Ballot prepared"),
    "ballot_changed": _l("Ballot settings changed"),
    "ballot_item_added": _l("Title added to a ballot"),
    "ballot_item_removed": _l("Title removed from a ballot"),
    "ballot_candidate_added": _l("Candidate added to a ballot"),
    "ballot_candidate_removed": _l("Candidate removed from a ballot"),
    "ballot_opened": _l("Ballot opened"),
    "ballot_vote_cast": _l("Unit's ballot cast"),
    "ballot_closed": _l("Ballot closed and counted"),
    "ballot_voided": _l("Ballot closed as void"),
    "ballot_runoff": _l("Second round prepared"),
}
# Council events a unit takes part in: it reads the request and the decision on its form.
EXPLANATION_ACTIONS = ("explanation_requested", "explanation_answered", "explanation_decided")
STAGE_LABELS = {
    "self": _l("Self-assessment"),
    "appraisal": _l("Appraisal"),
    "survey": _l("Survey"),
    "explanation": _l("Explanation"),
    "pledge": _l("Pledge"),
    "registration": _l("Emulation registration"),
    "registration_closes_on": _l("Registration closing date"),
    "titles": _l("Titles and awards"),
}
# What an event's code names, by stage (a criterion unless said otherwise).
SUBJECT_LABELS = {
    "pledge": _l("cluster %(code)s"),
    "registration": _l("unit %(code)s"),
    "titles": _l("title %(code)s"),
}


def action_label(action: str | None) -> str:
    """The action in words, or its code when it has no label yet."""
    return str(ACTION_LABELS.get(action or "", action or ""))


def stage_label(stage: str | None) -> str:
    """The stage in words, or as stored."""
    return str(STAGE_LABELS.get(stage or "", stage or ""))


@bp.app_template_global()
def audit_action_label(action: str | None) -> str:
    return action_label(action)


@bp.app_template_global()
def audit_stage_label(stage: str | None) -> str:
    return stage_label(stage)


@bp.app_template_global()
def audit_subject(event: AuditEvent) -> str:
    """What the event's code names: a criterion, or a cluster, unit or title by its stage."""
    label = SUBJECT_LABELS.get(event.stage or "")
    if label is None:
        return _("criterion %(code)s", code=event.criterion_code)
    return str(label) % {"code": event.criterion_code}


# ---- one criterion's history ---------------------------------------------------------------


def _area_of(framework, code: str) -> str | None:
    """The top-level area holding the criterion (where the form shows it)."""
    for area in framework.criteria:
        if any(node.code == code for node in area.walk()):
            return area.code
    return None


@bp.get("/assessments/<int:submission_id>/history/<code>")
@login_required
def criterion_history(submission_id: int, code: str):
    """Every recorded change of one criterion of a submission, all stages, newest first; the
    council's values only for those who may see the unit's results (the rule in services.access)."""
    submission = get_submission_or_404(submission_id, for_user=current_user)
    fw = parsed_framework(submission.campaign.framework)
    if code not in fw:
        abort(404)
    query = (
        select(AuditEvent)
        .where(AuditEvent.submission_id == submission.id, AuditEvent.criterion_code == code)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if results_access(current_user, submission.campaign, submission.unit) is None:
        # Before publication the unit sees its own stage and the explanations it is asked for
        # (its form shows those too), not the council's appraised or survey values.
        query = query.where(
            or_(
                AuditEvent.stage.is_(None),
                AuditEvent.stage.not_in(COUNCIL_STAGES),
                AuditEvent.action.in_(EXPLANATION_ACTIONS),
            )
        )
    events = db.session.scalars(query).all()
    return render(
        "audit/history.html",
        "audit/partials/_history.html",
        submission=submission,
        node=fw.node(code),
        area=_area_of(fw, code),
        events=events,
    )


# ---- a campaign's log ----------------------------------------------------------------------


@dataclass
class LogFilters:
    """The filters of the campaign log, read from the query string."""

    unit_id: int | None = None
    criterion: str = ""
    stage: str = ""
    action: str = ""
    actor_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (empty ones left out)."""
        raw = {
            "unit": self.unit_id,
            "criterion": self.criterion,
            "stage": self.stage,
            "action": self.action,
            "actor": self.actor_id,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: str(v) for k, v in raw.items() if v not in (None, "")}


def parse_day(text: str | None) -> date | None:
    """A day typed as dd/mm/yyyy or sent by a date input as yyyy-mm-dd; None when neither."""
    text = (text or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _filters() -> LogFilters:
    args = request.args
    return LogFilters(
        unit_id=query_int("unit"),
        criterion=args.get("criterion", "").strip()[:40],
        stage=args.get("stage", "").strip()[:12],
        action=args.get("action", "").strip()[:40],
        actor_id=query_int("actor"),
        date_from=parse_day(args.get("from")),
        date_to=parse_day(args.get("to")),
    )


def _utc_start(day: date) -> datetime:
    """Local midnight starting the day, as events store time (UTC, naive)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _log_query(campaign: Campaign, f: LogFilters) -> Select:
    stmt = (
        select(AuditEvent, Unit)
        .outerjoin(Submission, Submission.id == AuditEvent.submission_id)
        .outerjoin(Unit, Unit.id == Submission.unit_id)
        .where(AuditEvent.campaign_id == campaign.id)
    )
    if f.unit_id:
        stmt = stmt.where(Submission.unit_id == f.unit_id)
    if f.criterion:
        # "1" finds criterion 1 and everything under it (1.1, 1.2.3...).
        stmt = stmt.where(
            or_(
                AuditEvent.criterion_code == f.criterion,
                AuditEvent.criterion_code.startswith(f.criterion + ".", autoescape=True),
            )
        )
    if f.stage:
        stmt = stmt.where(AuditEvent.stage == f.stage)
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == f.actor_id)
    if f.date_from:
        stmt = stmt.where(AuditEvent.at >= _utc_start(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEvent.at < _utc_start(f.date_to + timedelta(days=1)))
    return stmt


def _campaign_or_404(code: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        abort(404)
    return campaign


def _choices(campaign: Campaign) -> dict:
    """What the filter lists offer: the campaign's units, and the values its log holds."""
    in_log = AuditEvent.campaign_id == campaign.id
    units = db.session.scalars(
        select(Unit)
        .join(Submission, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
        .order_by(*UNIT_ORDER)
    ).all()
    actors = vi_sorted(
        db.session.scalars(
            select(User).where(User.id.in_(select(AuditEvent.actor_id).where(in_log).distinct()))
        ),
        lambda user: user.full_name or user.username,
    )
    actions = db.session.scalars(select(AuditEvent.action).where(in_log).distinct()).all()
    stages = db.session.scalars(
        select(AuditEvent.stage).where(in_log, AuditEvent.stage.is_not(None)).distinct()
    ).all()
    return {
        "units": units,
        "actors": actors,
        "actions": vi_sorted(actions, action_label),
        "stages": vi_sorted(stages, stage_label),
    }


@bp.get("/campaigns/<code>/audit")
@staff_results_page
@roles_required(*LOG_READERS)
def campaign_log(code: str):
    """The campaign's audit log, filtered and paginated; htmx refreshes only the list."""
    campaign = _campaign_or_404(code)
    f = _filters()
    stmt = _log_query(campaign, f)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    size = int(current_app.config.get("PAGE_SIZE", 50))
    pages = max(1, math.ceil(total / size))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = db.session.execute(
        stmt.options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    args = f.query_args()
    return render(
        "audit/campaign_log.html",
        "audit/partials/_log.html",
        campaign=campaign,
        filters=f,
        rows=rows,
        total=total,
        page_number=page,
        pages=pages,
        page_url=lambda n: url_for("audit.campaign_log", code=campaign.code, page=n, **args),
        csv_url=url_for("audit.campaign_log_csv", code=campaign.code, **args),
        **_choices(campaign),
    )


@bp.get("/campaigns/<code>/audit.csv")
@staff_results_page
@roles_required(*LOG_READERS)
def campaign_log_csv(code: str):
    """Every row of the filtered log as CSV (UTF-8 with BOM, so spreadsheets read Vietnamese)."""
    campaign = _campaign_or_404(code)
    rows = db.session.execute(
        _log_query(campaign, _filters())
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    out = io.StringIO()
    out.write("\ufeff")
    # Text typed by users (names, reasons, values) is written so a spreadsheet never runs it.
    writer = CsvWriter(out)
    writer.writerow(
        [
            "id",
            _("Time"),
            _("User"),
            _("Full name"),
            _("Unit code"),
            _("Unit"),
            _("Criterion"),
            _("Stage"),
            _("Action"),
            _("From value"),
            _("To value"),
            _("From points"),
            _("To points"),
            _("Reason"),
        ]
    )
    for event, unit in rows:
        writer.writerow(
            [
                event.id,
                format_datetime(event.at, "dd/MM/yyyy HH:mm:ss"),
                event.actor.username if event.actor else "",
                event.actor.full_name if event.actor else "",
                unit.code if unit else "",
                unit.name if unit else "",
                event.criterion_code or "",
                stage_label(event.stage),
                action_label(event.action),
                event.from_value or "",
                event.to_value or "",
                event.from_points or "",
                event.to_points or "",
                event.reason or "",
            ]
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", campaign.code)
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{name}.csv"'
    return response
