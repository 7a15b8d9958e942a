"""The unit of work reads what was committed even when it had to wait for the row lock."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, select, text

from reform.extensions import db
from reform.models import Entry


def save(client, submission, code, version=0, **fields):
    """Post one criterion as the form does."""
    data = {f"ver-{code}": str(version)} | {f"{k}-{code}": v for k, v in fields.items()}
    return client.post(
        f"/assessments/{submission.id}/criteria/{code}", data=data, headers={"HX-Request": "true"}
    )


def entry(submission, code) -> Entry:
    """The self entry of a criterion as committed."""
    db.session.rollback()
    return db.session.scalar(
        select(Entry).where(Entry.submission_id == submission.id, Entry.criterion.has(code=code))
    )


def _other_writer(url: str, submission_id: int, entry_id: int, locked: threading.Event) -> None:
    """Hold the submission's lock, change an entry's value and points, commit a second later.

    It does not touch the submission's row itself, as a writer that only changes an entry
    would not: on PostgreSQL the database does that for it (migration 0009).
    """
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(
                    text("SELECT id FROM submissions WHERE id = :id FOR UPDATE"),
                    {"id": submission_id},
                )
            conn.execute(
                text(
                    "UPDATE entries SET value = 'Đúng hạn', points = 2, version = version + 1 "
                    "WHERE id = :id"
                ),
                {"id": entry_id},
            )
            locked.set()
            time.sleep(1.0)  # the save below is waiting for the lock meanwhile
            conn.commit()
    finally:
        engine.dispose()


def test_a_save_that_waited_reads_the_entries_the_other_writer_committed(app, login_as, submission):
    c = login_as("officer")
    assert save(c, submission, "1.1", v="Chậm").status_code == 200
    first = entry(submission, "1.1")
    db.session.rollback()
    locked = threading.Event()
    other = threading.Thread(
        target=_other_writer,
        args=(app.config["SQLALCHEMY_DATABASE_URI"], submission.id, first.id, locked),
    )
    other.start()
    assert locked.wait(10)
    response = save(c, submission, "1.2", v="yes")  # waits for the other writer's commit
    other.join()
    assert response.status_code == 200
    # The totals were computed with 1.1 as the other writer left it, not as first read.
    result = app.test_cli_runner().invoke(args=["recompute", submission.campaign.code, "--check"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output
    assert entry(submission, "1.1").value == "Đúng hạn"
