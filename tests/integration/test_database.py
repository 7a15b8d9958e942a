"""The migrations and the database settings."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from reform.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_figures_are_stored_rounded_half_up_on_every_database(submission):
    """1.78125 (a proportional ratio's exact half) reads back as 1.7813 on SQLite and PostgreSQL."""
    from decimal import Decimal

    from reform.models import Submission

    submission.points = Decimal("1.78125")
    submission.self_points = Decimal("2.00005")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Submission, submission.id)
    assert stored.points == Decimal("1.7813")
    assert stored.self_points == Decimal("2.0001")
