"""Writes to one submission are serialised: each takes the submission's row first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from reform.extensions import db
from reform.models import Campaign, Submission

__all__ = [
    "StaleDataError",
    "lock_submission",
    "lock_submissions",
    "locked_submission",
    "mark_locked",
    "take_write_lock",
    "transaction_memo",
]

_HELD = "reform.locked_submissions"


def locked_submission(submission_id: int) -> Submission | None:
    """Load a submission (campaign, framework, unit) and hold its row until commit."""
    take_write_lock()
    # FOR UPDATE OF submissions: PostgreSQL holds that row until commit (SQLite already holds
    # its write lock). populate_existing: what this session loaded earlier is replaced by what
    # was committed, so the checks and totals that follow read the current state.
    found = db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.campaign).joinedload(Campaign.framework),
            joinedload(Submission.unit),
        )
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    )
    if found is not None:
        _held().add(found.id)
    return found


def lock_submission(submission: Submission) -> Submission:
    """Hold the submission's row until commit and reload it as others committed it."""
    if submission.id in _held():
        return submission  # already locked and reloaded in this transaction
    locked_submission(submission.id)
    return submission


def lock_submissions(submissions: Iterable[Submission]) -> None:
    """Lock several submissions at once (a survey grid, an import) and reload them."""
    held = _held()
    ids = sorted({s.id for s in submissions if s.id is not None} - held)
    if not ids:
        return
    take_write_lock()
    # Rows locked in id order: two batch writers wait for each other, never deadlock.
    db.session.execute(
        select(Submission)
        .where(Submission.id.in_(ids))
        .order_by(Submission.id)
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    ).scalars().all()
    held.update(ids)


def mark_locked(submission_id: int) -> None:
    """Note that the current transaction holds this submission's row."""
    _held().add(submission_id)


def _held() -> set[int]:
    """The submissions locked by the current transaction (a new transaction starts empty)."""
    return transaction_memo(_HELD, set)


def transaction_memo(name: str, factory):
    """A value kept for the current transaction only: the next one starts from factory()."""
    session = db.session()  # the request's own Session behind the scoped proxy
    transaction = session.get_transaction() or session.begin()
    mark = session.info.get(name)
    if mark is None or mark[0] is not transaction:
        mark = session.info[name] = (transaction, factory())
    return mark[1]


def take_write_lock() -> None:
    """On SQLite, take the database's write lock now rather than at the first write."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    # SQLite has no row locks. Without this, two requests read the same entries and the later
    # writer fails or works from a stale copy; BEGIN IMMEDIATE makes the second one wait (the
    # busy timeout) until the first commits, and then read what it wrote.
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
