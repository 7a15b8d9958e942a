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
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('change_count')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('area_figures')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_sort_key'))
        batch_op.drop_column('sort_key')
