"""Appeals (phúc khảo): a unit contests criteria of its published result; the council decides."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from reform.extensions import db
from reform.i18n import fmt_date
from reform.models import (
    Appeal,
    AuditEvent,
    Campaign,
    Entry,
    Evidence,
    ResultsVersion,
    Submission,
    User,
)
from reform.models.submissions import APPRAISAL, SURVEY
from reform.models.users import HEAD
from reform.scoring import Node, ValueProblem, combine, score
from reform.services import evidence as evidence_service
from reform.services import notices
from reform.services.assessment import (
    canonical_value,
    criteria_by_code,
    parsed_framework,
    problem_text,
)
from reform.services.audit import record
from reform.services.bands import bands_for_block
from reform.services.locking import lock_submission
from reform.services.phases import today
from reform.services.publication import (
    PublicationRefused,
    change_log_of,
    commit_version,
    document_of,
    latest_version,
    store_version,
    versions,
)
from reform.services.results import campaign_results, canonical_json, refresh_results, stage_values
from reform.validation import text_problem

FILED = "filed"
ACCEPTED = "accepted"
REJECTED = "rejected"
APPEAL_STAGE = "appeal"
MAX_TEXT = 4000


class AppealRefused(ValueError):
    """An appeal or a decision that cannot be saved; errors maps form fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---- who may appeal, until when, on what ------------------------------------------------------


def window_closes_on(campaign: Campaign) -> date | None:
    """The last day (local) on which appeals are filed: publication day + appeal_days."""
    if campaign.published_at is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    published_on = campaign.published_at.replace(tzinfo=UTC).astimezone(zone).date()
    return published_on + timedelta(days=campaign.appeal_days)


def appeal_refusal(user: User, submission: Submission) -> str | None:
    """Why this user may not file an appeal for the submission now, or None when they may."""
    if not user.has_role(HEAD) or user.unit_id != submission.unit_id:
        return _("Only the head of the unit files its appeals.")
    campaign = submission.campaign
    closes = window_closes_on(campaign)
    if closes is None:
        return _("The results are not published yet; appeals open after publication.")
    if today() > closes:
        return _("The appeal period ended on %(day)s.", day=fmt_date(closes))
    return None


def appealable_criteria(submission: Submission) -> list[Node]:
    """The scored criteria that apply to the unit (its kind and its declared sections)."""
    fw = parsed_framework(submission.campaign.framework)
    own, appraised, survey = stage_values(submission)
    current = score(fw, submission.unit.kind, combine(own, appraised, survey))
    return [node for node in fw.leaves() if current.node(node.code).applicable]


@dataclass
class AppealItem:
    """One criterion the unit contests, why, and the files that show it."""

    code: str
    reason: str
    uploads: list[FileStorage] = field(default_factory=list)


def file_appeals(submission: Submission, items: list[AppealItem], *, actor: User) -> list[Appeal]:
    """File one appeal per chosen criterion, with reasons and evidence; all or none."""
    refusal = appeal_refusal(actor, submission)
    if refusal:
        raise PermissionError(refusal)
    allowed = {node.code: node for node in appealable_criteria(submission)}
    criteria = criteria_by_code(submission.campaign.framework)
    waiting = {
        appeal.criterion_id
        for appeal in db.session.scalars(
            select(Appeal).where(Appeal.submission_id == submission.id, Appeal.status == FILED)
        )
    }
    errors: dict[str, str] = {}
    if not items:
        errors["criteria"] = _("Choose at least one criterion to appeal.")
    max_bytes = int(current_app.config["EVIDENCE_MAX_BYTES"])
    checked: list[tuple[AppealItem, list[tuple[str, bytes]]]] = []
    for item in items:
        if item.code not in allowed:
            errors["criteria"] = _("%(code)s cannot be appealed by this unit.", code=item.code)
            continue
        if criteria[item.code].id in waiting:
            errors[f"reason-{item.code}"] = _(
                "An appeal on this criterion is already waiting for a decision."
            )
            continue
        reason = item.reason.strip()
        if not reason:
            errors[f"reason-{item.code}"] = _("Give the reasons for this appeal.")
        elif problem := text_problem(reason, max_length=MAX_TEXT):
            errors[f"reason-{item.code}"] = problem
        files = []
        problems = []
        for upload in item.uploads:
            if upload is None or not (upload.filename or "").strip():
                continue
            name = evidence_service.safe_filename(upload.filename or "")
            data = upload.stream.read(max_bytes + 1)
            try:
                evidence_service.check(data, filename=name, max_bytes=max_bytes)
            except evidence_service.EvidenceRefused as refused:
                problems.append(refused.message)
            else:
                files.append((name, data))
        if problems:
            errors[f"evidence-{item.code}"] = " ".join(problems)
        checked.append((item, files))
    if errors:
        raise AppealRefused(errors)
    filed = []
    for item, files in checked:
        criterion = criteria[item.code]
        appeal = Appeal(
            submission_id=submission.id,
            criterion_id=criterion.id,
            reason=item.reason.strip(),
            status=FILED,
            filed_by_id=actor.id,
            filed_at=_now(),
        )
        db.session.add(appeal)
        record(
            "appeal_filed",
            actor=actor,
            submission=submission,
            criterion_code=item.code,
            stage=APPEAL_STAGE,
            to_value=appeal.reason,
        )
        for name, data in files:
            stored = evidence_service.store(data, filename=name, max_bytes=max_bytes)
            db.session.add(
                Evidence(
                    submission_id=submission.id,
                    criterion_id=criterion.id,
                    file_id=stored.id,
                    filename=name,
                    stage=APPEAL_STAGE,
                    uploaded_by_id=actor.id,
                )
            )
            record(
                "evidence_added",
                actor=actor,
                submission=submission,
                criterion_code=item.code,
                stage=APPEAL_STAGE,
                to_value=name,
            )
        filed.append(appeal)
    notices.appeals_filed(submission, [item.code for item, _files in checked], actor=actor)
    db.session.commit()
    return filed


# ---- reading appeals ----------------------------------------------------------------------------


def appeals_of_submission(submission: Submission) -> list[Appeal]:
    """The submission's appeals, newest first."""
    return list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.submission_id == submission.id)
            .options(joinedload(Appeal.criterion))
            .order_by(Appeal.filed_at.desc(), Appeal.id.desc())
        )
    )


def appeals_of_campaign(campaign: Campaign) -> list[Appeal]:
    """Every appeal of the campaign: waiting ones first, then by filing time."""
    rows = db.session.scalars(
        select(Appeal)
        .join(Submission, Appeal.submission_id == Submission.id)
        .where(Submission.campaign_id == campaign.id)
        .options(
            joinedload(Appeal.criterion),
            joinedload(Appeal.submission).joinedload(Submission.unit),
            joinedload(Appeal.filed_by),
        )
        .order_by(Appeal.filed_at, Appeal.id)
    ).all()
    return sorted(rows, key=lambda a: a.status != FILED)


def appeal_evidence(campaign: Campaign) -> dict[tuple[int, int], list[Evidence]]:
    """Files attached to appeals, by (submission id, criterion id)."""
    rows = db.session.scalars(
        select(Evidence)
        .join(Submission, Evidence.submission_id == Submission.id)
        .where(Submission.campaign_id == campaign.id, Evidence.stage == APPEAL_STAGE)
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    out: dict[tuple[int, int], list[Evidence]] = defaultdict(list)
    for evidence in rows:
        out[evidence.submission_id, evidence.criterion_id].append(evidence)
    return out


def current_values(submission: Submission) -> dict[str, tuple[str | None, str | None]]:
    """Per criterion code: the council's current raw value and the unit's own."""
    own, appraised, survey = stage_values(submission)
    codes = set(own) | set(appraised) | set(survey)
    return {code: (appraised.get(code) or survey.get(code), own.get(code)) for code in codes}


# ---- the council decides -------------------------------------------------------------------------


def decide(appeal: Appeal, *, accept: bool, value: str | None, decision: str, actor: User) -> None:
    """Accept with the new council value (written to the stage entry) or reject with a reason."""
    submission = appeal.submission
    # Two members deciding the same appeal at once: the second waits, then sees it decided.
    lock_submission(submission)
    db.session.refresh(appeal)
    campaign = submission.campaign
    if campaign.published_at is None:
        raise PermissionError(_("The results are not published."))
    if appeal.status != FILED:
        raise AppealRefused({"decision": _("This appeal is already decided.")})
    decision = (decision or "").strip()
    if problem := text_problem(decision, max_length=MAX_TEXT):
        raise AppealRefused({"decision": problem})
    code = appeal.criterion.code
    if not accept:
        if not decision:
            raise AppealRefused({"decision": _("Give the reason for rejecting the appeal.")})
        appeal.status, appeal.decision = REJECTED, decision
        appeal.decided_by_id, appeal.decided_at = actor.id, _now()
        record(
            "appeal_rejected",
            actor=actor,
            submission=submission,
            criterion_code=code,
            stage=APPEAL_STAGE,
            to_value=decision,
            reason=_appeal_reason(appeal),
        )
        notices.appeal_decided(appeal, actor=actor)
        db.session.commit()
        return
    fw = parsed_framework(campaign.framework)
    node = fw.node(code)
    stage = SURVEY if node.is_survey else APPRAISAL
    raw = (value or "").strip()
    if not raw:
        raise AppealRefused({"value": _("Give the new value.")})
    try:
        raw = canonical_value(node.parse_value(raw, stage=stage))
    except ValueProblem as problem:
        raise AppealRefused({"value": problem_text(problem)}) from problem
    own, appraised, survey = stage_values(submission)
    own = {c: v for c, v in own.items() if c not in fw.survey_codes}
    kind = submission.unit.kind
    bands = bands_for_block(campaign, submission.block_id)
    if stage == APPRAISAL:
        appraised = appraised | {code: raw}
        council = score(fw, kind, combine(own, appraised), bands=bands)
        own_points = score(fw, kind, own, bands=bands).node(code).points
        new_points = council.node(code).points if council.node(code).applicable else None
        if new_points != own_points and not decision:
            raise AppealRefused(
                {"decision": _("Explain why the appraised points differ from the unit's own.")}
            )
    else:
        survey = survey | {code: raw}
        current = score(fw, kind, combine(own, appraised, survey), bands=bands)
        new_points = current.node(code).points if current.node(code).applicable else None
    criterion = criteria_by_code(campaign.framework)[code]
    entry = db.session.scalar(
        select(Entry)
        .where(
            Entry.submission_id == submission.id,
            Entry.criterion_id == criterion.id,
            Entry.stage == stage,
        )
        .execution_options(populate_existing=True)
    )
    if entry is None:
        entry = Entry(submission_id=submission.id, criterion_id=criterion.id, stage=stage)
        entry.version = 0
        db.session.add(entry)
    before_value, before_points = entry.value, entry.points
    if before_points is None and before_value is None and stage == APPRAISAL:
        # No council value before: the unit's own points stood for the council's.
        before_points = score(fw, kind, own, bands=bands).node(code).points
        before_value = own.get(code)
    entry.value, entry.points = raw, new_points
    if decision and stage == APPRAISAL:
        entry.note = decision
    entry.version = (entry.version or 0) + 1
    entry.updated_by_id, entry.updated_at = actor.id, _now()
    appeal.status, appeal.new_value, appeal.decision = ACCEPTED, raw, decision or None
    appeal.decided_by_id, appeal.decided_at = actor.id, _now()
    db.session.flush()
    refresh_results(submission)
    reason = _appeal_reason(appeal)
    record(
        "value_changed",
        actor=actor,
        submission=submission,
        criterion_code=code,
        stage=stage,
        from_value=before_value,
        to_value=raw,
        from_points=before_points,
        to_points=new_points,
        reason=reason,
    )
    record(
        "appeal_accepted",
        actor=actor,
        submission=submission,
        criterion_code=code,
        stage=APPEAL_STAGE,
        from_value=before_value,
        to_value=raw,
        from_points=before_points,
        to_points=new_points,
        reason=decision or reason,
    )
    notices.appeal_decided(appeal, actor=actor)
    db.session.commit()


def _appeal_reason(appeal: Appeal) -> str:
    """The audit reason of a decision: the appeal it answers."""
    return f"appeal #{appeal.id}: {appeal.reason}"


# ---- a new version after decisions ------------------------------------------------------------


def published_appeal_ids(campaign: Campaign) -> set[int]:
    """Appeals already accounted for in a published version's change log."""
    ids: set[int] = set()
    for version in versions(campaign):
        log = change_log_of(version)
        if log:
            ids.update(item["id"] for item in log.get("appeals", []))
    return ids


def pending_decisions(campaign: Campaign) -> list[Appeal]:
    """Decided appeals not yet in a published version, in the order they were decided."""
    done = published_appeal_ids(campaign)
    decided = [a for a in appeals_of_campaign(campaign) if a.status != FILED and a.id not in done]
    return sorted(decided, key=lambda a: (a.decided_at or datetime.min, a.id))


def _criterion_moves(appeals: list[Appeal]) -> dict[int, list[dict]]:
    """Per appeal id, the criterion's from→to (values and points) recorded when it was accepted."""
    accepted = [a for a in appeals if a.status == ACCEPTED]
    if not accepted:
        return {}
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "appeal_accepted",
            AuditEvent.submission_id.in_({a.submission_id for a in accepted}),
        )
        .order_by(AuditEvent.id)
    ).all()
    by_key: dict[tuple[int, str], list[AuditEvent]] = defaultdict(list)
    for event in events:
        by_key[event.submission_id, event.criterion_code].append(event)
    grouped: dict[tuple[int, str], list[Appeal]] = defaultdict(list)
    for appeal in accepted:
        grouped[appeal.submission_id, appeal.criterion.code].append(appeal)
    out: dict[int, list[dict]] = {}
    for key, items in grouped.items():
        # The latest events of the criterion are this round's, in the order decided.
        matched = by_key.get(key, [])[-len(items) :]
        for appeal, event in zip(items, matched, strict=False):
            out[appeal.id] = [
                {
                    "code": appeal.criterion.code,
                    "name": appeal.criterion.name,
                    "appeal": appeal.id,
                    "from_value": event.from_value,
                    "to_value": event.to_value,
                    "from_points": event.from_points,
                    "to_points": event.to_points,
                }
            ]
    return out


def _rows_by_unit(document: dict) -> dict[str, tuple[dict, dict]]:
    return {
        row["unit_code"]: (block, row) for block in document["blocks"] for row in block["results"]
    }


def build_change_log(
    previous: ResultsVersion, document: dict, appeals: list[Appeal], reason: str
) -> dict:
    """What moved per unit between the previous version and the new document, and why."""
    before = _rows_by_unit(document_of(previous))
    after = _rows_by_unit(document)
    moves = _criterion_moves(appeals)
    criteria_by_unit: dict[str, list[dict]] = defaultdict(list)
    for appeal in appeals:
        for move in moves.get(appeal.id, []):
            criteria_by_unit[appeal.submission.unit.code].append(move)
    units = []
    for unit_code, (block, row) in after.items():
        old = before.get(unit_code, (None, {}))[1]
        figures = {
            key: {"from": old.get(key), "to": row.get(key)}
            for key in ("points", "index", "rank", "band")
        }
        moved = any(f["from"] != f["to"] for f in figures.values())
        if not moved and not criteria_by_unit.get(unit_code):
            continue
        units.append(
            {
                "unit_code": unit_code,
                "unit_name": row["unit_name"],
                "block_code": block["code"],
                "criteria": criteria_by_unit.get(unit_code, []),
                **figures,
            }
        )
    return {
        "from_version": previous.version,
        "version": previous.version + 1,
        "reason": reason,
        "appeals": [
            {
                "id": appeal.id,
                "unit_code": appeal.submission.unit.code,
                "criterion": appeal.criterion.code,
                "status": appeal.status,
                "decision": appeal.decision,
            }
            for appeal in appeals
        ],
        "units": units,
    }


def republish(campaign: Campaign, *, actor: User | None, reason: str) -> ResultsVersion:
    """Publish the next version after appeal decisions, with the change log against the last."""
    previous = latest_version(campaign)
    if previous is None:
        raise PublicationRefused(_("The results are not published yet."))
    reason = (reason or "").strip()
    if not reason:
        raise AppealRefused({"reason": _("Give the reason for the new version.")})
    if problem := text_problem(reason):
        raise AppealRefused({"reason": problem})
    document = campaign_results(campaign, published=True)
    if canonical_json(document) == previous.payload:
        raise PublicationRefused(
            _("Nothing changed since version %(num)s; no new version.", num=previous.version)
        )
    appeals = pending_decisions(campaign)
    log = build_change_log(previous, document, appeals, reason)
    version = store_version(campaign, document, actor=actor, reason=reason, change_log=log)
    notices.published(campaign, version, actor=actor)
    commit_version(version)
    return version
