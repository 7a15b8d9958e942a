"""Registration (đăng ký thi đua): what each participant unit aims for, by the deadline.

The rule, as the user guide states it: a participant unit's officers and head fill in the
collective title it aims for, the individual titles of its people and its targets; the head
submits it. Everything (saving, submitting, withdrawing) is refused after the campaign's
registration closing date, which the secretariat sets; without a date, registration is not
open. A submitted registration is read-only; its head may withdraw it to change it while
registration is open. Each save names the version it started from, so two editors never
overwrite each other unknowingly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from reform.extensions import db
from reform.i18n import fmt_date
from reform.models import (
    Campaign,
    Cluster,
    ClusterMember,
    RegisteredPerson,
    Registration,
    Submission,
    Title,
    Unit,
    User,
)
from reform.models.emulation import CLUSTER_HEAD
from reform.models.registrations import DRAFT, SUBMITTED
from reform.models.titles import COLLECTIVE, INDIVIDUAL
from reform.models.users import HEAD, OFFICER, SECRETARIAT
from reform.services.audit import record
from reform.services.locking import take_write_lock
from reform.services.notices import announce, role_holders
from reform.services.notify import people_by_unit
from reform.services.phases import today
from reform.services.units import UNIT_ORDER
from reform.validation import text_problem

# Notification kinds.
REGISTRATION_SUBMITTED = "registration"
REGISTRATION_DEADLINE = "registration_deadline"
# More rows than any unit registers in a year; it bounds what one form may carry.
MAX_PEOPLE = 300
NAME_MAX_LENGTH = 200


class RegistrationClosed(PermissionError):
    """Registration is not open (no date set, or the date has passed), with the reason."""


class RegistrationRefused(PermissionError):
    """A step this user may not take on this registration now, with the reason."""


class RegistrationConflict(Exception):
    """Someone saved the registration after this user opened it: the current one, to compare."""

    def __init__(self, registration: Registration) -> None:
        super().__init__("registration changed")
        self.registration = registration


@dataclass
class PersonRow:
    """One row of the people's table as entered."""

    full_name: str = ""
    job_title: str = ""
    title_id: int | None = None

    @property
    def blank(self) -> bool:
        """Whether nothing was entered in the row (it is left out)."""
        return not (self.full_name or self.job_title or self.title_id is not None)


@dataclass
class RegistrationInput:
    """What the unit enters: its collective aim, targets and people."""

    title_id: int | None
    targets: str
    people: list[PersonRow] = field(default_factory=list)


class RegistrationProblem(ValueError):
    """Input that cannot be saved: messages by field name ("title_id", "people-2-full_name")."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def now() -> datetime:
    """The current time as stored (naive UTC, like the database's CURRENT_TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def registration_link(campaign: Campaign) -> str:
    """The unit's own registration page for the campaign."""
    return f"/emulation/{quote(campaign.code)}/registration"


def list_link(campaign: Campaign) -> str:
    """The registrations of the campaign, for the secretariat and cluster heads."""
    return f"/emulation/{quote(campaign.code)}/registrations"


# ---- who takes part, and when ----------------------------------------------------------------


def is_participant(campaign: Campaign, unit_id: int | None) -> bool:
    """Whether the unit takes part in the campaign (it has a sheet, or sits in a cluster)."""
    if unit_id is None:
        return False
    sheet = db.session.scalar(
        select(Submission.id).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == unit_id
        )
    )
    if sheet is not None:
        return True
    return (
        db.session.scalar(
            select(ClusterMember.id).where(
                ClusterMember.campaign_id == campaign.id, ClusterMember.unit_id == unit_id
            )
        )
        is not None
    )


def participants(campaign: Campaign, unit_ids: set[int] | None = None) -> list[Unit]:
    """The participant units in Vietnamese order (only those of unit_ids when given)."""
    sheets = select(Submission.unit_id).where(Submission.campaign_id == campaign.id)
    clustered = select(ClusterMember.unit_id).where(ClusterMember.campaign_id == campaign.id)
    stmt = select(Unit).where(Unit.id.in_(sheets.union(clustered))).order_by(*UNIT_ORDER)
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(sorted(unit_ids)))
    return list(db.session.scalars(stmt))


def closed_reason(campaign: Campaign, day: date | None = None) -> str | None:
    """Why registration is not open on the day (today by default), or None while it is."""
    closes = campaign.registration_closes_on
    if closes is None:
        return _("Registration is not open: the secretariat has not set its closing date yet.")
    if (day or today()) > closes:
        return _("Registration closed on %(date)s.", date=fmt_date(closes))
    return None


def _require_open(campaign: Campaign) -> None:
    reason = closed_reason(campaign)
    if reason:
        raise RegistrationClosed(reason)


def set_deadline(campaign: Campaign, closes_on: date | None, *, actor: User) -> bool:
    """The secretariat sets (or clears) the last day of registration; participants are told.
    Returns whether anything changed."""
    before = campaign.registration_closes_on
    if before == closes_on:
        return False
    campaign.registration_closes_on = closes_on
    record(
        "phase_changed",
        actor=actor,
        campaign=campaign,
        stage="registration_closes_on",
        from_value=before.isoformat() if before else None,
        to_value=closes_on.isoformat() if closes_on else None,
    )
    units = participants(campaign)
    people = people_by_unit([u.id for u in units], (HEAD, OFFICER))

    def message() -> str:
        if closes_on is None:
            return _(
                "Registration for %(campaign)s has no closing date now.", campaign=campaign.name
            )
        return _(
            "Register your unit's titles for %(campaign)s by %(date)s.",
            campaign=campaign.name,
            date=fmt_date(closes_on),
        )

    everyone = [user for users in people.values() for user in users]
    announce(everyone, REGISTRATION_DEADLINE, registration_link(campaign), message, actor=actor)
    db.session.commit()
    return True


# ---- reading --------------------------------------------------------------------------------


def registration_of(campaign: Campaign, unit_id: int) -> Registration | None:
    """The unit's registration with its title and people, or None before the first save."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.campaign_id == campaign.id, Registration.unit_id == unit_id)
        .options(
            joinedload(Registration.title),
            selectinload(Registration.people).joinedload(RegisteredPerson.title),
        )
    )


def registrations_by_unit(campaign: Campaign, unit_ids: set[int] | None) -> dict[int, Registration]:
    """The campaign's registrations by unit id (only those units when given)."""
    stmt = (
        select(Registration)
        .where(Registration.campaign_id == campaign.id)
        .options(
            joinedload(Registration.title),
            selectinload(Registration.people).joinedload(RegisteredPerson.title),
        )
    )
    if unit_ids is not None:
        stmt = stmt.where(Registration.unit_id.in_(sorted(unit_ids)))
    return {r.unit_id: r for r in db.session.scalars(stmt)}


def clusters_by_unit(campaign: Campaign) -> dict[int, Cluster]:
    """Each clustered unit's cluster in the campaign."""
    rows = db.session.execute(
        select(ClusterMember.unit_id, Cluster)
        .join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .where(ClusterMember.campaign_id == campaign.id)
    ).all()
    return {unit_id: cluster for unit_id, cluster in rows}


# ---- writes ---------------------------------------------------------------------------------


def _acts_for(user: User, unit_id: int, roles: tuple[str, ...]) -> bool:
    return user.unit_id == unit_id and user.has_role(*roles)


def _locked(campaign: Campaign, unit_id: int) -> Registration | None:
    """The unit's registration as committed, its row held until commit (None before any)."""
    take_write_lock()
    found = db.session.scalar(
        select(Registration)
        .where(Registration.campaign_id == campaign.id, Registration.unit_id == unit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is not None:
        db.session.expire(found, ["people"])
    return found


def _title_ok(title_id: int | None, scope: str, keep: set[int]) -> Title | None:
    """The title if it is an active entry for this scope (or one the registration already
    names, deactivated since); else None."""
    if not title_id:
        return None
    title = db.session.get(Title, title_id)
    if title is None or title.scope != scope or not (title.active or title.id in keep):
        return None
    return title


def check_input(data: RegistrationInput, current: Registration | None) -> None:
    """Raise RegistrationProblem with every message by field when the input cannot be saved."""
    errors: dict[str, str] = {}
    keep_collective = {current.title_id} if current and current.title_id else set()
    keep_individual = {p.title_id for p in current.people} if current else set()
    if data.title_id is not None and _title_ok(data.title_id, COLLECTIVE, keep_collective) is None:
        errors["title_id"] = _("Choose a collective title from the list.")
    problem = text_problem(data.targets)
    if problem:
        errors["targets"] = problem
    if len(data.people) > MAX_PEOPLE:
        errors["people"] = _("At most %(n)s people in one registration.", n=MAX_PEOPLE)
    for n, row in enumerate(data.people):
        if row.blank:
            continue
        prefix = f"people-{n}-"
        if not row.full_name:
            errors[prefix + "full_name"] = _("Enter the person's full name, or clear the row.")
        else:
            problem = text_problem(row.full_name, max_length=NAME_MAX_LENGTH, multiline=False)
            if problem:
                errors[prefix + "full_name"] = problem
        problem = text_problem(row.job_title, max_length=NAME_MAX_LENGTH, multiline=False)
        if problem:
            errors[prefix + "job_title"] = problem
        if _title_ok(row.title_id, INDIVIDUAL, keep_individual) is None:
            errors[prefix + "title_id"] = _("Choose the title registered for this person.")
    if errors:
        raise RegistrationProblem(errors)


def save(
    campaign: Campaign,
    unit_id: int,
    data: RegistrationInput,
    *,
    base_version: int,
    actor: User,
    then_submit: bool = False,
) -> Registration:
    """The unit's officer or head saves the draft; base_version is the version the form was
    opened at (0 before the first save). With then_submit the head submits it in the same step:
    both happen, or neither."""
    if not _acts_for(actor, unit_id, (HEAD, OFFICER)):
        raise RegistrationRefused(_("Only the unit's head and officers fill in its registration."))
    if then_submit and not _acts_for(actor, unit_id, (HEAD,)):
        raise RegistrationRefused(_("Only the unit's head submits its registration."))
    _require_open(campaign)
    registration = _locked(campaign, unit_id)
    current_version = registration.version if registration is not None else 0
    if base_version != current_version:
        if registration is None:
            raise RegistrationRefused(_("Reload the page: this registration no longer exists."))
        raise RegistrationConflict(registration)
    if registration is not None and registration.status == SUBMITTED:
        raise RegistrationRefused(
            _("The registration has been submitted: its head withdraws it to change it.")
        )
    check_input(data, registration)
    before = _summary(registration) if registration is not None else None
    if registration is None:
        registration = Registration(campaign_id=campaign.id, unit_id=unit_id, status=DRAFT)
        db.session.add(registration)
        try:
            db.session.flush()
        except IntegrityError:
            # Another editor created it at the same moment: theirs stands, this one compares.
            db.session.rollback()
            raise RegistrationConflict(registration_of(campaign, unit_id)) from None
    registration.title_id = data.title_id
    registration.targets = data.targets.strip() or None
    registration.people = [
        RegisteredPerson(
            position=n,
            full_name=row.full_name,
            job_title=row.job_title or None,
            title_id=row.title_id,
        )
        for n, row in enumerate(r for r in data.people if not r.blank)
    ]
    registration.updated_by_id, registration.updated_at = actor.id, now()
    db.session.flush()
    after = _summary(registration)
    if after != before:
        record(
            "registration_saved",
            actor=actor,
            campaign=campaign,
            **_subject(registration),
            stage="registration",
            from_value=before,
            to_value=after,
        )
    if then_submit:
        _submit(campaign, registration, actor)
    db.session.commit()
    return registration


def _submit(campaign: Campaign, registration: Registration, actor: User) -> None:
    """Check the saved registration is complete, mark it submitted and tell who collects it."""
    errors = {}
    if registration.title_id is None:
        errors["title_id"] = _("Choose the collective title your unit registers for.")
    if not registration.targets:
        errors["targets"] = _("Write your unit's targets for the year.")
    if errors:
        raise RegistrationProblem(errors)
    registration.status, registration.submitted_at = SUBMITTED, now()
    registration.submitted_by_id = actor.id
    record(
        "registration_submitted",
        actor=actor,
        campaign=campaign,
        **_subject(registration),
        stage="registration",
        from_value=DRAFT,
        to_value=SUBMITTED,
    )
    db.session.flush()
    unit = registration.unit

    def message() -> str:
        return _(
            "%(unit)s submitted its emulation registration for %(campaign)s.",
            unit=unit.name,
            campaign=campaign.name,
        )

    link = f"{list_link(campaign)}/{unit.id}"
    announce(
        [*role_holders(SECRETARIAT), *_cluster_heads(campaign, unit.id)],
        REGISTRATION_SUBMITTED,
        link,
        message,
        actor=actor,
    )


def withdraw(campaign: Campaign, unit_id: int, *, base_version: int, actor: User) -> Registration:
    """The unit's head takes a submitted registration back to a draft, while registration is
    open."""
    if not _acts_for(actor, unit_id, (HEAD,)):
        raise RegistrationRefused(_("Only the unit's head withdraws its registration."))
    _require_open(campaign)
    registration = _locked(campaign, unit_id)
    if registration is None or registration.status != SUBMITTED:
        raise RegistrationRefused(_("Only a submitted registration can be withdrawn."))
    if registration.version != base_version:
        raise RegistrationConflict(registration)
    registration.status, registration.submitted_at, registration.submitted_by_id = DRAFT, None, None
    record(
        "registration_withdrawn",
        actor=actor,
        campaign=campaign,
        **_subject(registration),
        stage="registration",
        from_value=SUBMITTED,
        to_value=DRAFT,
    )
    db.session.commit()
    return registration


def _subject(registration: Registration) -> dict:
    """What an audit event names: the unit's sheet in the campaign (so the campaign's log shows
    and filters by the unit), else the unit's code."""
    sheet = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == registration.campaign_id,
            Submission.unit_id == registration.unit_id,
        )
    )
    if sheet is not None:
        return {"submission": sheet}
    return {"criterion_code": registration.unit.code}


def _cluster_heads(campaign: Campaign, unit_id: int) -> list[User]:
    """The heads of the head unit of the unit's cluster (none outside clusters)."""
    head_units = select(ClusterMember.unit_id).where(
        ClusterMember.role == CLUSTER_HEAD,
        ClusterMember.cluster_id.in_(
            select(ClusterMember.cluster_id).where(
                ClusterMember.campaign_id == campaign.id, ClusterMember.unit_id == unit_id
            )
        ),
    )
    ids = list(db.session.scalars(head_units))
    people = people_by_unit(ids, (HEAD,))
    return [user for users in people.values() for user in users]


def _summary(registration: Registration) -> str:
    """The registration in one text for the audit log."""
    title = db.session.get(Title, registration.title_id) if registration.title_id else None
    lines = [
        f"title: {title.code if title else '-'}",
        f"targets: {registration.targets or ''}",
    ]
    for person in registration.people:
        code = db.session.get(Title, person.title_id).code if person.title_id else "-"
        lines.append(f"{person.full_name} | {person.job_title or ''} | {code}")
    return "\n".join(lines)


def unit_campaigns(unit_id: int) -> list[Campaign]:
    """The emulation campaigns the unit takes part in (a sheet, or a cluster), newest first."""
    from reform.models import Framework

    sheets = select(Submission.campaign_id).where(Submission.unit_id == unit_id)
    clustered = select(ClusterMember.campaign_id).where(ClusterMember.unit_id == unit_id)
    return list(
        db.session.scalars(
            select(Campaign)
            .join(Framework, Framework.id == Campaign.framework_id)
            .where(
                Campaign.id.in_(sheets.union(clustered)),
                (Framework.kind == "emulation") | Campaign.movement_id.is_not(None),
            )
            .order_by(Campaign.self_opens_on.desc(), Campaign.id.desc())
        )
    )
