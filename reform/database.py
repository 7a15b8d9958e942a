"""Connection settings that every SQLite connection needs."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, event

# Writers of one SQLite file queue for its lock. SQLite's busy handler polls rather than queues,
# so under a burst one writer can wait several times the average hold: 30 s keeps a save in the
# last-day rush from failing where it would only have been slow.
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers work during a write; foreign keys are off by default in SQLite."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # SQLite's own lower() folds only ASCII; searches must match "Đông" when typed "đông".
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value
