"""every change to a submission's entries touches the submission's row (PostgreSQL)

A save reads the submission and its entries in one statement that also locks the row. When
that statement waited for another writer's lock, PostgreSQL hands back the row as committed but
the entries as they were when the statement began; the save notices by the row's xmin and reads
again. That only works if every transaction that changes entries changes the row too, which
these statement-level triggers make sure of. SQLite holds one write lock for the whole database,
so it needs nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_EVENTS = (('insert', 'NEW', 'changed'), ('update', 'NEW', 'changed'), ('delete', 'OLD', 'gone'))


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for event, kind, table in _EVENTS:
        op.execute(
            f"CREATE FUNCTION reform_entries_{event}_touch() RETURNS trigger AS $$ "
            "BEGIN "
            "UPDATE submissions SET updated_at = now() "
            f"WHERE id IN (SELECT DISTINCT submission_id FROM {table}); "
            "RETURN NULL; "
            "END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER entries_{event}_touch AFTER {event.upper()} ON entries "
            f"REFERENCING {kind} TABLE AS {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION reform_entries_{event}_touch()"
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for event, _kind, _table in _EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS entries_{event}_touch ON entries")
        op.execute(f"DROP FUNCTION IF EXISTS reform_entries_{event}_touch()")
