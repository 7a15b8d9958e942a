"""Movements (phong trào thi đua): what the secretariat records of them, their documents and
the emulation campaigns that score them. Every change is audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from reform.extensions import db
from reform.models import Campaign, Framework, Movement, MovementDocument, User
from reform.models.emulation import PERIOD_KINDS
from reform.services import evidence
from reform.services.audit import record
from reform.services.emulation.clusters import EMULATION, is_emulation
from reform.services.locking import take_write_lock
from reform.services.units import CODE_RE
from reform.validation import text_problem

NAME_MAX = 300
# The standards as the launching document words them: long, but not a book.
STANDARDS_MAX = 20000


class MovementProblem(ValueError):
    """A change refused; field names the form field the message goes beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class MovementData:
    """What a movement's form holds."""

    code: str
    name: str
    authority: str
    period_kind: str
    starts_on: date | None
    ends_on: date | None
    standards: str | None


def movements() -> list[Movement]:
    """Every movement, the latest starting first."""
    return list(
        db.session.scalars(select(Movement).order_by(Movement.starts_on.desc(), Movement.code))
    )


def campaigns_of(movement: Movement) -> list[Campaign]:
    """The campaigns that score the movement, the latest first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.movement_id == movement.id)
            .options(joinedload(Campaign.framework))
            .order_by(Campaign.year.desc().nulls_last(), Campaign.code)
        )
    )


def linkable_campaigns(movement: Movement) -> list[Campaign]:
    """Emulation campaigns that score no movement yet, the latest first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .join(Framework, Framework.id == Campaign.framework_id)
            .where(Framework.kind == EMULATION, Campaign.movement_id.is_(None))
            .order_by(Campaign.year.desc().nulls_last(), Campaign.code)
        )
    )


def _checked(data: MovementData, movement: Movement | None) -> MovementData:
    """The form's data cleaned, or MovementProblem naming the first field at fault."""
    code = (data.code or "").strip()
    name = " ".join((data.name or "").split())
    authority = " ".join((data.authority or "").split())
    standards = (data.standards or "").strip() or None
    if not CODE_RE.fullmatch(code):
        raise MovementProblem("code", _("Letters, digits and . _ - only (max 40)."))
    taken = select(Movement.id).where(Movement.code == code)
    if movement is not None:
        taken = taken.where(Movement.id != movement.id)
    if db.session.scalar(taken) is not None:
        raise MovementProblem("code", _("Another movement has this code."))
    for field, text in (("name", name), ("authority", authority)):
        if not text:
            raise MovementProblem(field, _("This field is required."))
        if problem := text_problem(text, max_length=NAME_MAX, multiline=False):
            raise MovementProblem(field, problem)
    if data.period_kind not in PERIOD_KINDS:
        raise MovementProblem("period_kind", _("Choose how long the movement runs."))
    if data.starts_on is None:
        raise MovementProblem("starts_on", _("Give the first day."))
    if data.ends_on is None:
        raise MovementProblem("ends_on", _("Give the last day."))
    if data.ends_on < data.starts_on:
        raise MovementProblem("ends_on", _("The last day comes before the first."))
    if problem := text_problem(standards, max_length=STANDARDS_MAX):
        raise MovementProblem("standards", problem)
    return MovementData(
        code, name, authority, data.period_kind, data.starts_on, data.ends_on, standards
    )


def _describe(data: MovementData | Movement) -> str:
    return (
        f"{data.code}: {data.name} · {data.authority} · {data.period_kind} · "
        f"{data.starts_on.isoformat()}–{data.ends_on.isoformat()}"
    )


def _save(movement: Movement, data: MovementData) -> None:
    movement.code, movement.name, movement.authority = data.code, data.name, data.authority
    movement.period_kind, movement.standards = data.period_kind, data.standards
    movement.starts_on, movement.ends_on = data.starts_on, data.ends_on


def _commit_or_code_taken() -> None:
    try:
        db.session.commit()
    except IntegrityError as raced:  # the same code saved by someone else meanwhile
        db.session.rollback()
        raise MovementProblem("code", _("Another movement has this code.")) from raced


def create_movement(data: MovementData, *, actor: User) -> Movement:
    """A new movement."""
    data = _checked(data, None)
    movement = Movement(created_by_id=actor.id)
    _save(movement, data)
    db.session.add(movement)
    record("movement_created", actor=actor, to_value=_describe(data))
    _commit_or_code_taken()
    return movement


def update_movement(movement: Movement, data: MovementData, *, actor: User) -> None:
    """Change what is recorded of a movement."""
    data = _checked(data, movement)
    before, standards_before = _describe(movement), movement.standards
    _save(movement, data)
    after = _describe(movement)
    if before == after and standards_before == movement.standards:
        return
    record(
        "movement_changed",
        actor=actor,
        from_value=before,
        to_value=after,
        reason=None if standards_before == movement.standards else "standards changed",
    )
    _commit_or_code_taken()


# ---- documents -----------------------------------------------------------------------------


def attach_documents(
    movement: Movement, uploads: list[FileStorage], *, actor: User
) -> list[MovementDocument]:
    """Attach files to the movement, all or none, with the checks evidence passes (type by
    content, name matching it, size); the same content twice is refused."""
    uploads = [u for u in uploads if u is not None and (u.filename or "").strip()]
    if not uploads:
        raise MovementProblem("files", _("Choose at least one file."))
    if len(uploads) > evidence.MAX_FILES_PER_UPLOAD:
        raise MovementProblem(
            "files", _("At most %(num)s files at a time.", num=evidence.MAX_FILES_PER_UPLOAD)
        )
    take_write_lock()
    max_bytes = int(current_app.config["EVIDENCE_MAX_BYTES"])
    attached = {
        doc.file.sha256: doc.filename
        for doc in db.session.scalars(
            select(MovementDocument)
            .where(MovementDocument.movement_id == movement.id)
            .options(joinedload(MovementDocument.file))
        )
    }
    checked, problems, chosen = [], [], {}
    for upload in uploads:
        name = evidence.safe_filename(upload.filename or "")
        data = upload.stream.read(max_bytes + 1)
        try:
            mime = evidence.check(data, filename=name, max_bytes=max_bytes)
        except evidence.EvidenceRefused as refused:
            problems.append(refused.message)
            continue
        sha = hashlib.sha256(data).hexdigest()
        if sha in attached:
            problems.append(
                _(
                    "“%(name)s” is already attached as “%(earlier)s”.",
                    name=name,
                    earlier=attached[sha],
                )
            )
            continue
        if sha in chosen:
            problems.append(
                _("“%(name)s” is the same file as “%(other)s”.", name=name, other=chosen[sha])
            )
            continue
        chosen[sha] = name
        checked.append((name, data, mime))
    if problems:
        raise MovementProblem("files", " ".join(problems))
    added = []
    for name, data, _mime in checked:
        stored = evidence.store(data, filename=name, max_bytes=max_bytes)
        document = MovementDocument(
            movement_id=movement.id, file=stored, filename=name, uploaded_by_id=actor.id
        )
        db.session.add(document)
        record("movement_document_added", actor=actor, to_value=f"{movement.code}: {name}")
        added.append(document)
    db.session.commit()
    return added


def remove_document(document: MovementDocument, *, actor: User) -> None:
    """Detach a document; its content stays stored for the audit trail."""
    record(
        "movement_document_removed",
        actor=actor,
        from_value=f"{document.movement.code}: {document.filename}",
    )
    db.session.delete(document)
    db.session.commit()


def documents_of(movement: Movement) -> list[MovementDocument]:
    """The movement's documents, oldest first, with their files."""
    return list(
        db.session.scalars(
            select(MovementDocument)
            .where(MovementDocument.movement_id == movement.id)
            .options(joinedload(MovementDocument.file))
            .order_by(MovementDocument.uploaded_at, MovementDocument.id)
        )
    )


# ---- campaigns that score it ------------------------------------------------------------------


def link_campaign(movement: Movement, campaign: Campaign | None, *, actor: User) -> None:
    """Record that an emulation campaign scores the movement."""
    if campaign is None:
        raise MovementProblem("campaign_id", _("Choose a campaign."))
    take_write_lock()
    db.session.refresh(campaign, with_for_update=True)
    if not is_emulation(campaign):
        raise MovementProblem("campaign_id", _("Only an emulation campaign can score a movement."))
    if campaign.movement_id == movement.id:
        raise MovementProblem("campaign_id", _("This campaign already scores this movement."))
    if campaign.movement_id is not None:
        other = db.session.get(Movement, campaign.movement_id)
        raise MovementProblem(
            "campaign_id",
            _(
                "This campaign scores the movement %(name)s; take it out there first.",
                name=other.name if other else "?",
            ),
        )
    campaign.movement_id = movement.id
    record(
        "movement_campaign_linked",
        actor=actor,
        campaign=campaign,
        to_value=movement.code,
    )
    db.session.commit()


def unlink_campaign(movement: Movement, campaign: Campaign, *, actor: User) -> None:
    """The campaign no longer scores the movement."""
    campaign.movement_id = None
    record(
        "movement_campaign_unlinked",
        actor=actor,
        campaign=campaign,
        from_value=movement.code,
    )
    db.session.commit()
