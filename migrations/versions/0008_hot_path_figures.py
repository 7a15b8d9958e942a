"""stored figures for the hot paths: unit sort key, per-area figures, campaign change counter

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        # Vietnamese dictionary order as a plain string, so a database ORDER BY gets it right.
        # Compared by code point: "C" on PostgreSQL, whose default collation may not be.
        sort_key = sa.String(length=1200).with_variant(
            sa.String(length=1200, collation='C'), 'postgresql'
        )
        batch_op.add_column(sa.Column('sort_key', sort_key, nullable=True))
        batch_op.create_index(batch_op.f('ix_units_sort_key'), ['sort_key'], unique=False)
    _fill_sort_keys()
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        # The council's figures per top-level area, written with the totals.
        batch_op.add_column(sa.Column('area_figures', sa.JSON(), nullable=True))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        # Bumped by every write that changes a figure: a poll's 304 reads only this.
        batch_op.add_column(
            sa.Column('change_count', sa.Integer(), server_default='0', nullable=False)
        )
    # Created last: a batch operation that copies a table would drop its triggers.
    for statement in _trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def _fill_sort_keys():
    """Existing units get the sort key the model now keeps with every name."""
    from reform.scoring import vi_sort_string

    units = sa.table(
        'units',
        sa.column('id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('sort_key', sa.String),
    )
    bind = op.get_bind()
    keys = [
        {'unit': unit_id, 'key': vi_sort_string(name)}
        for unit_id, name in bind.execute(sa.select(units.c.id, units.c.name))
        if name is not None
    ]
    if keys:
        bind.execute(
            units.update()
            .where(units.c.id == sa.bindparam('unit'))
            .values(sort_key=sa.bindparam('key')),
            keys,
        )


def downgrade():
    for statement in _drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('change_count')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('area_figures')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_sort_key'))
        batch_op.drop_column('sort_key')


# ---- the campaign change counter -----------------------------------------------------------
#
# Every write that changes what a campaign's results show bumps campaigns.change_count in the
# same transaction, whichever code path (or hand-written SQL) made it, so a live poll answers
# 304 after reading that one number. What the results show: a submission's figures, its block
# and status (INSERT and DELETE too), a published version, and the names and codes of its units
# and blocks. A statement that leaves every such column equal bumps nothing.

FIGURE_COLUMNS = (
    'self_points', 'max_points', 'self_index', 'self_band', 'appraised_points', 'survey_points',
    'points', 'index', 'band', 'appraised_count', 'area_figures', 'filled_count',
    'applicable_count', 'evidence_missing_count', 'status', 'block_id',
)
BUMP = 'UPDATE campaigns SET change_count = change_count + 1 WHERE id'
# (trigger, table, the submissions column that points at the renamed row)
RENAMES = (
    ('units_renamed_count_change', 'units', 'unit_id'),
    ('blocks_renamed_count_change', 'blocks', 'block_id'),
)


def _changed(columns, dialect: str) -> str:
    """A WHEN condition true when any of the columns differs between OLD and NEW."""
    differs = 'IS DISTINCT FROM' if dialect == 'postgresql' else 'IS NOT'
    cast = '::text' if dialect == 'postgresql' else ''  # json has no equality in PostgreSQL
    return ' OR '.join(
        f'OLD."{c}"{cast if c == "area_figures" else ""} {differs} '
        f'NEW."{c}"{cast if c == "area_figures" else ""}'
        for c in columns
    )


def _trigger_statements(dialect: str) -> list[str]:
    """The triggers that bump the counter, for the database at hand."""
    listed = ', '.join(f'"{c}"' for c in FIGURE_COLUMNS)
    if dialect == 'postgresql':
        # Deferred to the commit and run once per campaign and transaction: the campaign's row
        # is then locked only while the transaction commits, never while a long import or a
        # slow save is still working, and a bulk write bumps it once.
        statements = [
            "CREATE FUNCTION reform_campaign_changed() RETURNS trigger AS $$ "
            "DECLARE cid integer; "
            "BEGIN "
            "IF TG_OP = 'DELETE' THEN cid := OLD.campaign_id; ELSE cid := NEW.campaign_id; END IF; "
            "IF current_setting('reform.changed_' || cid, true) IS DISTINCT FROM '1' THEN "
            "PERFORM set_config('reform.changed_' || cid, '1', true); "
            f"{BUMP} = cid; "
            "END IF; "
            "RETURN NULL; "
            "END; $$ LANGUAGE plpgsql",
            "CREATE CONSTRAINT TRIGGER submissions_count_change AFTER INSERT OR DELETE "
            "ON submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION reform_campaign_changed()",
            f"CREATE CONSTRAINT TRIGGER submissions_figures_count_change AFTER UPDATE OF {listed} "
            "ON submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"WHEN ({_changed(FIGURE_COLUMNS, dialect)}) "
            "EXECUTE FUNCTION reform_campaign_changed()",
            "CREATE CONSTRAINT TRIGGER results_versions_count_change AFTER INSERT "
            "ON results_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION reform_campaign_changed()",
        ]
        for trigger, table, column in RENAMES:
            statements += [
                f"CREATE FUNCTION {trigger}() RETURNS trigger AS $$ "
                f"BEGIN {BUMP} IN (SELECT campaign_id FROM submissions WHERE {column} = NEW.id); "
                "RETURN NULL; END; $$ LANGUAGE plpgsql",
                f"CREATE TRIGGER {trigger} AFTER UPDATE OF code, name ON {table} FOR EACH ROW "
                f"WHEN ({_changed(('code', 'name'), dialect)}) EXECUTE FUNCTION {trigger}()",
            ]
        return statements
    statements = [
        "CREATE TRIGGER submissions_insert_count_change AFTER INSERT ON submissions "
        f"BEGIN {BUMP} = NEW.campaign_id; END",
        "CREATE TRIGGER submissions_delete_count_change AFTER DELETE ON submissions "
        f"BEGIN {BUMP} = OLD.campaign_id; END",
        f"CREATE TRIGGER submissions_figures_count_change AFTER UPDATE OF {listed} ON submissions "
        f"WHEN {_changed(FIGURE_COLUMNS, dialect)} "
        f"BEGIN {BUMP} IN (OLD.campaign_id, NEW.campaign_id); END",
        "CREATE TRIGGER results_versions_count_change AFTER INSERT ON results_versions "
        f"BEGIN {BUMP} = NEW.campaign_id; END",
    ]
    for trigger, table, column in RENAMES:
        statements.append(
            f"CREATE TRIGGER {trigger} AFTER UPDATE OF code, name ON {table} "
            f"WHEN {_changed(('code', 'name'), dialect)} "
            f"BEGIN {BUMP} IN (SELECT campaign_id FROM submissions WHERE {column} = NEW.id); END"
        )
    return statements


def _drop_statements(dialect: str) -> list[str]:
    """Drop what `_trigger_statements` created."""
    if dialect == 'postgresql':
        statements = [
            "DROP TRIGGER IF EXISTS submissions_count_change ON submissions",
            "DROP TRIGGER IF EXISTS submissions_figures_count_change ON submissions",
            "DROP TRIGGER IF EXISTS results_versions_count_change ON results_versions",
            "DROP FUNCTION IF EXISTS reform_campaign_changed()",
        ]
        for trigger, table, _column in RENAMES:
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                f"DROP FUNCTION IF EXISTS {trigger}()",
            ]
        return statements
    names = [
        'submissions_insert_count_change',
        'submissions_delete_count_change',
        'submissions_figures_count_change',
        'results_versions_count_change',
    ] + [trigger for trigger, _table, _column in RENAMES]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
