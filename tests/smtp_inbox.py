"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests of notices, and its fixtures.

A test module imports the fixtures it uses: `from smtp_inbox import app, inbox, mailboxes, smtp`
(the `app` here replaces the shared one with an application that sends its e-mail there).
"""

from __future__ import annotations

import email
import socket
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from reform.extensions import db
from reform.models import Notification


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages delivered to exactly this address."""
        return [m for m in self.messages if m["X-Envelope-To"] == address]

    def addresses(self) -> list[str]:
        """Every address delivered to, sorted."""
        return sorted(m["X-Envelope-To"] for m in self.messages)

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def notices_of(user, kind: str | None = None) -> list[Notification]:
    """The user's notices as committed, oldest first."""
    db.session.rollback()
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 and a free port; .inbox holds what it received."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


@pytest.fixture
def app(make_app, smtp):
    """The application sending its e-mail to the local SMTP server."""
    application = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with application.app_context():
        yield application


@pytest.fixture
def inbox(smtp) -> Inbox:
    return smtp.inbox


@pytest.fixture
def mailboxes(users):
    """Give every test user an address (username@example.gov.vn)."""
    for user in users.values():
        user.email = f"{user.username}@example.gov.vn"
    db.session.commit()
    return {name: user.email for name, user in users.items()}
