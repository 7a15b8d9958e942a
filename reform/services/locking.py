"""Writes to one submission are serialised: each takes the submission's row first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from reform.extensions import db
from reform.models import Submission

__all__ = ["StaleDataError", "lock_submission", "lock_submissions"]


def lock_submission(submission: Submission) -> Submission:
    """Hold the submission's row until commit and reload it as others committed it."""
    # An UPDATE is the one lock both databases take the same way: PostgreSQL locks the row
    # until commit, SQLite takes its write lock (so the reads that follow see every committed
    # entry). RETURNING with populate_existing refreshes the loaded object in that statement,
    # so a status or total changed by the writer before us is what the checks then read.
    db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id)
        .values(updated_at=func.now())
        .returning(Submission)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).all()
    return submission


def lock_submissions(submissions: Iterable[Submission]) -> None:
    """Lock several submissions at once (a survey grid, an import) and reload them."""
    ids = sorted({s.id for s in submissions if s.id is not None})
    if not ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: any write takes the database's write lock.
        db.session.execute(
            update(Submission)
            .where(Submission.id.in_(ids))
            .values(updated_at=func.now())
            .execution_options(synchronize_session=False)
        )
        query = select(Submission).where(Submission.id.in_(ids))
    else:
        # Rows locked in id order: two batch writers wait for each other, never deadlock.
        query = select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id)
        query = query.with_for_update()
    db.session.execute(query.execution_options(populate_existing=True)).scalars().all()
