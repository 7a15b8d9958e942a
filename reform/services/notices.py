"""What the application tells people, in the bell and by e-mail, when something happens to them.

A workflow step announces inside its own transaction: announce() adds one notice per recipient (in
the recipient's language) to the step's session, and the e-mails leave only once the step commits
(mail.send_on_commit), so a step that is refused or rolled back tells nobody. The actor is never
told of their own step. A mail server that is down never undoes or fails the step; it is logged
and the notices stay in the bell. deliver() is for announcements that are a step of their own
(reminders): it commits at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from reform.extensions import db
from reform.i18n import fmt_date
from reform.models import Campaign, Notification, Submission, Unit, User
from reform.models.submissions import SUBMITTED
from reform.models.users import HEAD, LEADER, OFFICER, SECRETARIAT, UserRole
from reform.services import mail
from reform.services.appraisal_scope import campaign_evaluators, evaluators_of
from reform.services.framework_cache import area_of
from reform.services.notify import notify, people_by_unit, unit_people

# Notification kinds (Notification.kind).
SUBMISSION_RECEIVED = "submission"
APPROVAL_REQUESTED = "approval"
APPROVED = "approved"
RETURNED = "returned"
WITHDRAWN = "withdrawn"
TO_APPRAISE = "to_appraise"
ASSIGNED = "assigned"
UNASSIGNED = "unassigned"
RECUSED = "recused"
EXPLANATION_REQUESTED = "explanation"
EXPLANATION_ANSWERED = "explanation_answer"
EXPLANATION_DECIDED = "explanation_decided"
APPRAISAL_CLOSED = "appraisal_closed"
APPRAISAL_REOPENED = "appraisal_reopened"
DATES_CHANGED = "dates"
CAMPAIGN_OPENED = "campaign_opened"
DEADLINE = "deadline"
REMINDER = "reminder"
PUBLISHED = "published"
APPEAL_FILED = "appeal_filed"
APPEAL_DECIDED = "appeal"

# A link is one address for everyone, or one per recipient (a head and an officer open
# different pages for the same event).
Link = str | Callable[[User], str] | None


@dataclass
class Sent:
    """What one announcement did: notices added and e-mails handed to the server (or held)."""

    notices: int = 0
    mails: int = 0
    recipients: list[User] = field(default_factory=list)
    # The submission a per-unit announcement (deadline) was about.
    submission: Submission | None = None


def locale_of(user: User) -> str:
    """The language the user reads: their saved choice, else the default (Vietnamese)."""
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _unique(users: Iterable[User], actor: User | None = None) -> list[User]:
    seen: set[int] = {actor.id} if actor is not None else set()
    out = []
    for user in users:
        if user.id not in seen and user.active:
            seen.add(user.id)
            out.append(user)
    return out


def role_holders(*roles: str) -> list[User]:
    """Every active user holding any of the roles."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role_rows.any(UserRole.role.in_(roles)))
            .order_by(User.id)
        )
    )


def _prepare(
    users: Iterable[User], kind: str, link: Link, message: Callable[[], str], actor: User | None
):
    recipients = _unique(users, actor)
    outgoing = []
    for user in recipients:
        where = link(user) if callable(link) else link
        with force_locale(locale_of(user)):
            text = message()
            notify([user], kind, text, where)
            if mail.enabled() and user.email:
                outgoing.append(mail.compose(user, text, where))
    return recipients, outgoing


def announce(
    users: Iterable[User],
    kind: str,
    link: Link,
    message: Callable[[], str],
    *,
    actor: User | None = None,
) -> Sent:
    """Notify each user but the actor with message() in their language, in the caller's
    transaction; the e-mails leave when it commits."""
    recipients, outgoing = _prepare(users, kind, link, message, actor)
    mail.send_on_commit(outgoing)
    return Sent(notices=len(recipients), mails=len(outgoing), recipients=recipients)


def deliver(users: Iterable[User], kind: str, link: Link, message: Callable[[], str]) -> Sent:
    """Notify each user with message() built in their language, commit, then e-mail them."""
    recipients, outgoing = _prepare(users, kind, link, message, None)
    db.session.commit()
    return Sent(notices=len(recipients), mails=mail.send(outgoing), recipients=recipients)


# ---- who is told ---------------------------------------------------------------------------


def unit_heads(submission: Submission) -> list[User]:
    """The active heads of the submission's unit."""
    return unit_people(submission.unit_id, (HEAD,))


def preparers(submission: Submission) -> list[User]:
    """Who prepared the self-assessment: the unit's officers and whoever sent it to the head."""
    people = unit_people(submission.unit_id, (OFFICER,))
    sender = submission.sent_by
    if sender is not None and sender.unit_id == submission.unit_id:
        people.append(sender)
    return people


def form_link(submission: Submission, code: str | None = None) -> str:
    """The unit's self-assessment form, at a criterion (in its area) when one is named."""
    if code is None:
        return f"/assessments/{submission.id}"
    return f"/assessments/{submission.id}?area={_area_of(submission, code)}#c-{code}"


def appraisal_link(submission: Submission, area: str | None = None) -> str:
    """The appraisal page of the submission, at an area when one is named."""
    return f"/appraisal/{submission.id}" + (f"?area={area}" if area else "")


def queue_link(campaign: Campaign, block_id: int | None = None) -> str:
    """The evaluator's appraisal queue, filtered to the campaign (and a block)."""
    return f"/appraisal/queue?campaign={quote(campaign.code)}" + (
        f"&block={block_id}" if block_id else ""
    )


def campaign_link(campaign: Campaign, page: str = "") -> str:
    """A page of the campaign for the secretariat (overview, assignments, appeals)."""
    return f"/campaigns/{quote(campaign.code)}" + (f"/{page}" if page else "")


# ---- the self-assessment --------------------------------------------------------------------


def sent_for_approval(submission: Submission, *, actor: User) -> Sent:
    """The officer sent the self-assessment: the unit's head has it to approve."""

    def message() -> str:
        return _(
            "%(name)s sent the self-assessment of %(unit)s for %(campaign)s; "
            "it waits for your approval.",
            name=actor.full_name,
            unit=submission.unit.name,
            campaign=submission.campaign.name,
        )

    # Straight to the approve and return buttons.
    link = form_link(submission) + "#next-steps"
    return announce(unit_heads(submission), APPROVAL_REQUESTED, link, message, actor=actor)


def returned(submission: Submission, *, actor: User) -> Sent:
    """The head returned the self-assessment: those who prepared it have it again."""

    def message() -> str:
        return _(
            "%(name)s returned the self-assessment of %(unit)s for %(campaign)s: %(comment)s",
            name=actor.full_name,
            unit=submission.unit.name,
            campaign=submission.campaign.name,
            comment=submission.head_comment or "",
        )

    link = form_link(submission)
    return announce(preparers(submission), RETURNED, link, message, actor=actor)


def submitted(submission: Submission, *, actor: User) -> list[Sent]:
    """The head approved and submitted: the secretariat receives it, those who prepared it hear
    it went, and the evaluators already assigned find it in their queue."""
    unit, campaign = submission.unit, submission.campaign

    def received() -> str:
        return _(
            "Submission received: %(unit)s — %(campaign)s", unit=unit.name, campaign=campaign.name
        )

    def approved() -> str:
        return _(
            "%(name)s approved the self-assessment of %(unit)s for %(campaign)s and submitted "
            "it to the council.",
            name=actor.full_name,
            unit=unit.name,
            campaign=campaign.name,
        )

    def to_appraise() -> str:
        return _(
            "%(unit)s submitted its self-assessment for %(campaign)s; it is in your appraisal "
            "queue.",
            unit=unit.name,
            campaign=campaign.name,
        )

    return [
        announce(
            role_holders(SECRETARIAT),
            SUBMISSION_RECEIVED,
            campaign_link(campaign),
            received,
            actor=actor,
        ),
        announce(preparers(submission), APPROVED, form_link(submission), approved, actor=actor),
        announce(
            evaluators_of(submission),
            TO_APPRAISE,
            appraisal_link(submission),
            to_appraise,
            actor=actor,
        ),
    ]


def withdrawn(submission: Submission, *, actor: User) -> Sent:
    """The head withdrew a submitted self-assessment: the secretariat and the evaluators who
    were told of it lose it, those who prepared it may change it again."""
    unit, campaign = submission.unit, submission.campaign

    def message() -> str:
        return _(
            "%(name)s withdrew the self-assessment of %(unit)s for %(campaign)s from the "
            "council; it can be changed again.",
            name=actor.full_name,
            unit=unit.name,
            campaign=campaign.name,
        )

    secretariat = role_holders(SECRETARIAT)
    staff = {user.id for user in secretariat}
    evaluators = evaluators_of(submission)

    def link(user: User) -> str:
        if user.id in staff:
            return campaign_link(campaign)
        if user.unit_id == submission.unit_id:
            return form_link(submission)
        return queue_link(campaign)

    people = secretariat + evaluators + preparers(submission)
    return announce(people, WITHDRAWN, link, message, actor=actor)


# ---- assignments ------------------------------------------------------------------------------


def _scope(target: str, area: str | None) -> str:
    """What an assignment covers, as the secretariat writes it: "Sở Tư pháp, every area"."""
    if area:
        return _("%(target)s, area %(area)s", target=target, area=area)
    return _("%(target)s, every area", target=target)


def _target(assignment) -> str:
    if assignment.submission is not None:
        return assignment.submission.unit.name
    return assignment.block.name


def assigned(assignment, submissions: list[Submission], *, actor: User) -> Sent:
    """An evaluator was assigned: they have work, and each unit concerned learns who appraises
    it (every unit of a block for a block assignment)."""
    campaign = db.session.get(Campaign, assignment.campaign_id)
    evaluator, area = assignment.evaluator, assignment.area_code
    if assignment.submission is not None:
        link = appraisal_link(assignment.submission, area)
    else:
        link = queue_link(campaign, assignment.block_id)

    def to_evaluator() -> str:
        return _(
            "You are assigned to appraise %(what)s in %(campaign)s.",
            what=_scope(_target(assignment), area),
            campaign=campaign.name,
        )

    total = announce([evaluator], ASSIGNED, link, to_evaluator, actor=actor)
    people = people_by_unit(s.unit_id for s in submissions)
    for submission in submissions:

        def to_unit(unit=submission.unit) -> str:
            return _(
                "%(name)s is assigned to appraise %(what)s in %(campaign)s.",
                name=evaluator.full_name,
                what=_scope(unit.name, area),
                campaign=campaign.name,
            )

        sent = announce(
            people.get(submission.unit_id, []),
            ASSIGNED,
            form_link(submission),
            to_unit,
            actor=actor,
        )
        total.notices += sent.notices
        total.mails += sent.mails
        total.recipients += sent.recipients
    return total


def unassigned(assignment, *, actor: User) -> Sent:
    """An assignment was removed: the evaluator no longer appraises what it covered."""
    campaign = db.session.get(Campaign, assignment.campaign_id)
    target = _target(assignment)

    def message() -> str:
        return _(
            "Your assignment to appraise %(what)s in %(campaign)s was removed.",
            what=_scope(target, assignment.area_code),
            campaign=campaign.name,
        )

    link = queue_link(campaign)
    return announce([assignment.evaluator], UNASSIGNED, link, message, actor=actor)


def recused(recusal, *, actor: User) -> Sent:
    """An evaluator stepped aside: the secretariat has a unit to assign again."""
    submission = recusal.submission
    campaign = submission.campaign

    def message() -> str:
        return _(
            "%(name)s stepped aside from the appraisal of %(unit)s in %(campaign)s: %(reason)s",
            name=recusal.evaluator.full_name,
            unit=submission.unit.name,
            campaign=campaign.name,
            reason=recusal.reason,
        )

    link = campaign_link(campaign, "assignments")
    return announce(role_holders(SECRETARIAT), RECUSED, link, message, actor=actor)


# ---- appraisal --------------------------------------------------------------------------------


def explanation_requested(request, *, actor: User | None = None) -> Sent:
    """The council asks for an explanation: tell the unit's head and officers."""
    submission = db.session.get(Submission, request.submission_id)
    code = request.criterion.code

    def message() -> str:
        return _(
            "Explanation requested on criterion %(code)s of %(unit)s for %(campaign)s, due "
            "%(day)s: %(message)s",
            code=code,
            unit=submission.unit.name,
            campaign=submission.campaign.name,
            day=fmt_date(request.due_on),
            message=request.message,
        )

    # Straight to the criterion: the form shows one area at a time.
    return announce(
        unit_people(submission.unit_id),
        EXPLANATION_REQUESTED,
        form_link(submission, code),
        message,
        actor=actor,
    )


def explanation_answered(request, *, actor: User | None = None) -> Sent:
    """The unit answered: tell the evaluator who asked."""
    submission = db.session.get(Submission, request.submission_id)
    code = request.criterion.code

    def message() -> str:
        return _(
            "%(unit)s answered the explanation request on criterion %(code)s of %(campaign)s.",
            unit=submission.unit.name,
            code=code,
            campaign=submission.campaign.name,
        )

    link = appraisal_link(submission, _area_of(submission, code)) + f"#a-{code}"
    return announce([request.requested_by], EXPLANATION_ANSWERED, link, message, actor=actor)


def explanation_decided(request, *, actor: User) -> Sent:
    """The evaluator closed the request: tell the unit's head and officers what was decided."""
    submission = db.session.get(Submission, request.submission_id)
    code = request.criterion.code

    def message() -> str:
        return _(
            "The council closed the explanation request on criterion %(code)s of %(unit)s for "
            "%(campaign)s: %(decision)s",
            code=code,
            unit=submission.unit.name,
            campaign=submission.campaign.name,
            decision=request.decision or "",
        )

    people = unit_people(submission.unit_id)
    link = form_link(submission, code)
    return announce(people, EXPLANATION_DECIDED, link, message, actor=actor)


def _area_of(submission: Submission, code: str) -> str:
    """The top-level area holding a criterion, for links to the page that shows it."""
    return area_of(submission.campaign.framework, code)


def appraisal_closed(submission: Submission, *, actor: User | None) -> Sent:
    """The council closed a unit's appraisal: the unit and its evaluators hear it is done."""
    unit, campaign = submission.unit, submission.campaign

    def message() -> str:
        return _(
            "The council closed the appraisal of %(unit)s for %(campaign)s.",
            unit=unit.name,
            campaign=campaign.name,
        )

    return _to_unit_and_evaluators(submission, APPRAISAL_CLOSED, message, actor)


def appraisal_reopened(submission: Submission, *, actor: User | None, reason: str) -> Sent:
    """The council reopened a unit's appraisal: its evaluators have work again."""
    unit, campaign = submission.unit, submission.campaign

    def message() -> str:
        if reason:
            return _(
                "The council reopened the appraisal of %(unit)s for %(campaign)s: %(reason)s",
                unit=unit.name,
                campaign=campaign.name,
                reason=reason,
            )
        return _(
            "The council reopened the appraisal of %(unit)s for %(campaign)s.",
            unit=unit.name,
            campaign=campaign.name,
        )

    return _to_unit_and_evaluators(submission, APPRAISAL_REOPENED, message, actor)


def _to_unit_and_evaluators(
    submission: Submission, kind: str, message: Callable[[], str], actor: User | None
) -> Sent:
    evaluators = evaluators_of(submission)
    council = {user.id for user in evaluators}

    def link(user: User) -> str:
        return appraisal_link(submission) if user.id in council else form_link(submission)

    people = unit_people(submission.unit_id) + evaluators
    return announce(people, kind, link, message, actor=actor)


def _tell_units(
    submissions: Iterable[Submission],
    kind: str,
    message_for: Callable[[Unit], str],
    *,
    actor: User | None,
) -> list[Sent]:
    """Tell each submission's unit (heads and officers) its own message, with its form."""
    submissions = list(submissions)
    people = people_by_unit(s.unit_id for s in submissions)
    return [
        announce(
            people.get(s.unit_id, []),
            kind,
            form_link(s),
            lambda unit=s.unit: message_for(unit),
            actor=actor,
        )
        for s in submissions
    ]


def self_assessment_assigned(
    campaign: Campaign, submissions: Iterable[Submission], *, actor: User | None
) -> list[Sent]:
    """A campaign (or a unit added to it) hands each unit its self-assessment to fill."""

    def message(unit: Unit) -> str:
        return _(
            "%(unit)s takes part in %(campaign)s: fill in the self-assessment from %(start)s "
            "to %(end)s.",
            unit=unit.name,
            campaign=campaign.name,
            start=fmt_date(campaign.self_opens_on),
            end=fmt_date(campaign.self_closes_on),
        )

    return _tell_units(submissions, CAMPAIGN_OPENED, message, actor=actor)


def dates_changed(campaign: Campaign, changed: set[str], *, actor: User) -> list[Sent]:
    """Phase dates moved: units still at work hear of the self-assessment dates, the assigned
    evaluators of the appraisal dates."""
    out = []
    if changed & {"self_opens_on", "self_closes_on"}:

        def self_message(unit: Unit) -> str:
            return _(
                "The self-assessment of %(unit)s for %(campaign)s now runs from %(start)s "
                "to %(end)s.",
                unit=unit.name,
                campaign=campaign.name,
                start=fmt_date(campaign.self_opens_on),
                end=fmt_date(campaign.self_closes_on),
            )

        out += _tell_units(late_submissions(campaign), DATES_CHANGED, self_message, actor=actor)
    if changed & {"appraisal_opens_on", "appraisal_closes_on"}:

        def appraisal_message() -> str:
            if campaign.appraisal_opens_on is None:
                return _("The appraisal of %(campaign)s has no dates now.", campaign=campaign.name)
            return _(
                "The appraisal of %(campaign)s now runs from %(start)s to %(end)s.",
                campaign=campaign.name,
                start=fmt_date(campaign.appraisal_opens_on),
                end=fmt_date(campaign.appraisal_closes_on),
            )

        evaluators = campaign_evaluators(campaign)
        link = queue_link(campaign)
        out.append(announce(evaluators, DATES_CHANGED, link, appraisal_message, actor=actor))
    return out


# ---- reminders (each a step of its own: they commit at once) ----------------------------------


def _local_day_start_utc() -> datetime:
    """The start of today in the province's time zone, as stored times are (UTC, naive)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local_today = datetime.now(zone).date()
    start = datetime.combine(local_today, time.min, tzinfo=zone)
    return start.astimezone(UTC).replace(tzinfo=None)


def _already_reminded_today(link: str) -> set[int]:
    since = _local_day_start_utc()
    return set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == DEADLINE,
                Notification.link == link,
                Notification.created_at >= since,
                Notification.created_at < since + timedelta(days=1),
            )
        )
    )


def late_submissions(campaign: Campaign) -> list[Submission]:
    """The campaign's submissions not yet submitted to the council."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.campaign_id == campaign.id, Submission.status != SUBMITTED)
            .order_by(Submission.id)
        )
    )


def deadline_soon(campaign: Campaign, days: int, *, dry_run: bool = False) -> list[Sent]:
    """Self-assessment closes in N days: tell every unit not yet submitted, once a day each.

    A user who already got this reminder (same kind and link) today is skipped, so running
    the command twice on a day sends nothing new. With dry_run nothing is written or sent;
    the returned recipients are those who would be told.
    """
    out = []
    for submission in late_submissions(campaign):
        link = f"/assessments/{submission.id}"
        done = _already_reminded_today(link)
        people = [u for u in unit_people(submission.unit_id) if u.id not in done]

        def message(closes: date = campaign.self_closes_on) -> str:
            return ngettext(
                "The self-assessment of %(campaign)s closes in %(num)s day, on %(day)s.",
                "The self-assessment of %(campaign)s closes in %(num)s days, on %(day)s.",
                days,
                campaign=campaign.name,
                day=fmt_date(closes),
            )

        if dry_run or not people:
            out.append(Sent(recipients=_unique(people), submission=submission))
            continue
        sent = deliver(people, DEADLINE, link, message)
        sent.submission = submission
        out.append(sent)
    return out


def self_assessment_reminder(campaign: Campaign) -> tuple[int, int]:
    """A manual reminder to every unit not yet submitted; returns (people, units)."""
    late = late_submissions(campaign)
    people = 0

    def message() -> str:
        return _(
            "Reminder: the self-assessment of %(campaign)s closes on %(day)s.",
            campaign=campaign.name,
            day=fmt_date(campaign.self_closes_on),
        )

    for submission in late:
        sent = deliver(
            unit_people(submission.unit_id), REMINDER, f"/assessments/{submission.id}", message
        )
        people += sent.notices
    return people, len(late)


# ---- publication and appeals ------------------------------------------------------------------


def published(campaign: Campaign, version, *, actor: User | None = None) -> Sent:
    """Results published: every participant unit's head and officers (each at its own unit's
    results), and the leaders (at the public results)."""
    codes = dict(
        db.session.execute(
            select(Unit.id, Unit.code)
            .join(Submission, Submission.unit_id == Unit.id)
            .where(Submission.campaign_id == campaign.id)
        ).all()
    )
    people = people_by_unit(codes)
    number = getattr(version, "version", version)

    def message() -> str:
        return _(
            "The results of %(campaign)s are published (version %(version)s).",
            campaign=campaign.name,
            version=number,
        )

    in_units = {user.id for members in people.values() for user in members}

    def link(user: User) -> str:
        if user.id in in_units:
            return f"/reports/{quote(campaign.code)}/units/{quote(codes[user.unit_id])}"
        return f"/public/{quote(campaign.code)}"

    everyone = [user for members in people.values() for user in members]
    return announce(everyone + role_holders(LEADER), PUBLISHED, link, message, actor=actor)


def appeals_filed(submission: Submission, codes: list[str], *, actor: User) -> Sent:
    """The head appealed: the secretariat has appeals to decide."""

    def message() -> str:
        return ngettext(
            "%(unit)s appealed %(num)s criterion of %(campaign)s: %(codes)s.",
            "%(unit)s appealed %(num)s criteria of %(campaign)s: %(codes)s.",
            len(codes),
            unit=submission.unit.name,
            campaign=submission.campaign.name,
            codes=", ".join(codes),
        )

    link = campaign_link(submission.campaign, "appeals")
    return announce(role_holders(SECRETARIAT), APPEAL_FILED, link, message, actor=actor)


def appeal_decided(appeal, *, actor: User | None = None) -> Sent:
    """The council decided an appeal: tell the unit's head (at the appeal) and officers."""
    submission = appeal.submission
    code = appeal.criterion.code
    accepted = appeal.status == "accepted"

    def message() -> str:
        values = {
            "code": code,
            "unit": submission.unit.name,
            "campaign": submission.campaign.name,
            "decision": appeal.decision or "",
        }
        if accepted and not appeal.decision:
            return _("Appeal of %(unit)s on criterion %(code)s of %(campaign)s accepted.", **values)
        if accepted:
            return _(
                "Appeal of %(unit)s on criterion %(code)s of %(campaign)s accepted: %(decision)s",
                **values,
            )
        return _(
            "Appeal of %(unit)s on criterion %(code)s of %(campaign)s rejected: %(decision)s",
            **values,
        )

    def link(user: User) -> str:
        # The appeal page is the head's; officers read the criterion in the form.
        if user.has_role(HEAD):
            return f"/appeals/new/{submission.id}#appeal-{appeal.id}"
        return form_link(submission, code)

    people = unit_people(submission.unit_id)
    return announce(people, APPEAL_DECIDED, link, message, actor=actor)
