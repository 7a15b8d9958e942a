"""What the application tells people, in the bell and by e-mail, when something happens to them.

Every function here is called AFTER the caller has committed the change it announces: it adds
one notice per recipient (in the recipient's language), commits those notices itself, and then
sends the e-mails when SMTP is configured. A mail server that is down never undoes or fails the
caller's action; it is logged and the notices stay in the bell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from reform.extensions import db
from reform.i18n import fmt_date
from reform.models import Campaign, Notification, Submission, User
from reform.models.submissions import SUBMITTED
from reform.models.users import LEADER, SECRETARIAT, UserRole
from reform.services import mail
from reform.services.framework_cache import area_of
from reform.services.notify import notify, unit_people

# Notification kinds (Notification.kind).
SUBMISSION_RECEIVED = "submission"
EXPLANATION_REQUESTED = "explanation"
EXPLANATION_ANSWERED = "explanation_answer"
DEADLINE = "deadline"
REMINDER = "reminder"
PUBLISHED = "published"
APPEAL_DECIDED = "appeal"


@dataclass
class Sent:
    """What one announcement did: notices added and e-mails handed to the server."""

    notices: int = 0
    mails: int = 0
    recipients: list[User] = field(default_factory=list)
    # The submission a per-unit announcement (deadline) was about.
    submission: Submission | None = None


def locale_of(user: User) -> str:
    """The language the user reads: their saved choice, else the default (Vietnamese)."""
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _unique(users: Iterable[User]) -> list[User]:
    seen: set[int] = set()
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


def deliver(users: Iterable[User], kind: str, link: str | None, message: Callable[[], str]) -> Sent:
    """Notify each user with message() built in their language, commit, then e-mail them."""
    recipients = _unique(users)
    outgoing = []
    for user in recipients:
        with force_locale(locale_of(user)):
            text = message()
            notify([user], kind, text, link)
            if mail.enabled() and user.email:
                outgoing.append(mail.compose(user, text, link))
    db.session.commit()
    return Sent(notices=len(recipients), mails=mail.send(outgoing), recipients=recipients)


# ---- the announcements ---------------------------------------------------------------------


def submission_received(submission: Submission) -> Sent:
    """The head submitted: tell the secretariat (call after the submission is committed)."""
    campaign = submission.campaign

    def message() -> str:
        return _(
            "Submission received: %(unit)s — %(campaign)s",
            unit=submission.unit.name,
            campaign=campaign.name,
        )

    return deliver(
        role_holders(SECRETARIAT), SUBMISSION_RECEIVED, f"/campaigns/{campaign.code}", message
    )


def explanation_requested(request) -> Sent:
    """The council asks for an explanation: tell the unit's head and officers."""
    submission = db.session.get(Submission, request.submission_id)
    code = request.criterion.code

    def message() -> str:
        return _(
            "Explanation requested on criterion %(code)s of %(campaign)s, due %(day)s: %(message)s",
            code=code,
            campaign=submission.campaign.name,
            day=fmt_date(request.due_on),
            message=request.message,
        )

    # Straight to the criterion: the form shows one area at a time.
    area = _area_of(submission, code)
    return deliver(
        unit_people(submission.unit_id),
        EXPLANATION_REQUESTED,
        f"/assessments/{submission.id}?area={area}#c-{code}",
        message,
    )


def explanation_answered(request) -> Sent:
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

    link = f"/appraisal/{submission.id}?area={_area_of(submission, code)}#a-{code}"
    return deliver([request.requested_by], EXPLANATION_ANSWERED, link, message)


def _area_of(submission: Submission, code: str) -> str:
    """The top-level area holding a criterion, for links to the page that shows it."""
    return area_of(submission.campaign.framework, code)


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


def published(campaign: Campaign, version) -> Sent:
    """Results published: tell every participant unit's head and officers, and the leaders."""
    unit_ids = db.session.scalars(
        select(Submission.unit_id).where(Submission.campaign_id == campaign.id)
    ).all()
    people = [u for unit_id in unit_ids for u in unit_people(unit_id)]
    number = getattr(version, "version", version)

    def message() -> str:
        return _(
            "The results of %(campaign)s are published (version %(version)s).",
            campaign=campaign.name,
            version=number,
        )

    return deliver(people + role_holders(LEADER), PUBLISHED, f"/public/{campaign.code}", message)


def appeal_decided(appeal) -> Sent:
    """The council decided an appeal: tell the unit's head and officers."""
    submission = appeal.submission
    code = appeal.criterion.code
    accepted = appeal.status == "accepted"

    def message() -> str:
        values = {
            "code": code,
            "campaign": submission.campaign.name,
            "decision": appeal.decision or "",
        }
        if accepted:
            return _(
                "Appeal on criterion %(code)s of %(campaign)s accepted: %(decision)s", **values
            )
        return _("Appeal on criterion %(code)s of %(campaign)s rejected: %(decision)s", **values)

    people = unit_people(submission.unit_id)
    return deliver(people, APPEAL_DECIDED, f"/assessments/{submission.id}", message)
