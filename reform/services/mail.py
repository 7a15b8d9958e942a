"""E-mail through SMTP when MAIL_SERVER is configured; a server that is down is only logged.

Notices of a workflow step are written in the step's own transaction; their e-mails wait for it:
send_on_commit() holds them on the session, they leave once it commits, and a rollback drops them.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app, has_request_context, render_template, request
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from reform.extensions import db
from reform.models import User

log = logging.getLogger(__name__)

SUBJECT_MAX = 150
# Headers on one line (SMTP allows 998 bytes; a subject is at most 150 characters): folding a
# long Vietnamese subject into several encoded words loses the space at the fold, which mail
# readers then show as "thửkhông" (Python 3.11's email package).
UNFOLDED_HEADERS = default_policy.clone(max_line_length=998)
_HELD = "reform.mail.held"


def enabled() -> bool:
    """True when an SMTP server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def absolute(link: str | None) -> str | None:
    """The link as a full address someone can open from their mailbox."""
    if not link or "://" in link:
        return link
    base = current_app.config.get("BASE_URL") or (
        request.host_url if has_request_context() else "http://localhost:5000"
    )
    return base.rstrip("/") + "/" + link.lstrip("/")


def compose(user: User, message: str, link: str | None) -> EmailMessage:
    """One notice as a plain-text and HTML e-mail, in the locale active when called."""
    cfg = current_app.config
    url = absolute(link)
    subject = " ".join(message.split())
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
    context = {
        "message": message,
        "url": url,
        "greeting": _("Dear %(name)s,", name=user.full_name),
        "open_label": _("Open in the application"),
        "footer": _(
            "Sent by %(app)s. This notice is also under Notifications in the application.",
            app="reform",
        ),
    }
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = cfg["MAIL_FROM"]
    mail["To"] = formataddr((user.full_name, user.email))
    mail["Date"] = formatdate(localtime=True)
    # MAIL_FROM may carry a display name ("Reform <reform@example.gov.vn>").
    sender = parseaddr(str(cfg["MAIL_FROM"]))[1]
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(render_template("emails/notice.txt", **context))
    mail.add_alternative(render_template("emails/notice.html", **context), subtype="html")
    # Only now: the bodies above keep the default's encoding of long lines.
    mail.policy = UNFOLDED_HEADERS
    return mail


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    host, port, timeout = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), float(cfg["MAIL_TIMEOUT"])
    if _flag(cfg.get("MAIL_USE_SSL")):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if _flag(cfg.get("MAIL_USE_TLS")):
            smtp.starttls(context=ssl.create_default_context())
    if cfg.get("MAIL_USERNAME"):
        # REFORM_MAIL_PASSWORD=123456 arrives as a number: the environment's values are JSON.
        smtp.login(str(cfg["MAIL_USERNAME"]), str(cfg.get("MAIL_PASSWORD") or ""))
    return smtp


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def send(messages: list[EmailMessage]) -> int:
    """Send over one connection; returns how many the server accepted, never raises."""
    if not messages or not enabled():
        return 0
    sent = 0
    try:
        with _connect() as smtp:
            for message in messages:
                try:
                    smtp.send_message(message)
                    sent += 1
                except smtplib.SMTPException as exc:
                    log.warning("mail to %s refused: %s", message["To"], exc)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "mail server %s:%s unavailable, %d message(s) not sent: %s",
            current_app.config["MAIL_SERVER"],
            current_app.config["MAIL_PORT"],
            len(messages) - sent,
            exc,
        )
    return sent


def send_on_commit(messages: list[EmailMessage]) -> None:
    """Hold e-mails until the current transaction commits; a rollback drops them unsent."""
    if messages:
        session = db.session()  # the request's own Session behind the scoped proxy
        # Held by the innermost transaction, begun now if need be, so its rollback drops them.
        holder = session.get_nested_transaction() or session.get_transaction() or session.begin()
        session.info.setdefault(_HELD, []).extend((holder, m) for m in messages)


@event.listens_for(Session, "after_commit")
def _send_held(session: Session) -> None:
    # A savepoint's release also reports a commit: the mail waits for the real one.
    if session.in_nested_transaction():
        return
    held = session.info.pop(_HELD, None)
    if held:
        send([message for _holder, message in held])


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction) -> None:
    # What a rolled-back transaction (or a savepoint inside it) held never leaves.
    held = session.info.get(_HELD)
    if held:
        session.info[_HELD] = [
            (holder, message)
            for holder, message in held
            if not _within(holder, previous_transaction)
        ]


def _within(transaction, outer) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _drop_held(session: Session, transaction) -> None:
    # Reached after _send_held on a commit: what the outermost transaction still holds here
    # ended without a commit (closed).
    if transaction.parent is None:
        session.info.pop(_HELD, None)
