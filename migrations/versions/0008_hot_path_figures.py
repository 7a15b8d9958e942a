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
        batch_op.add_column(sa.Column('sort_key', sa.String(length=1200), nullable=True))
        batch_op.create_index(batch_op.f('ix_units_sort_key'), ['sort_key'], unique=False)
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        # The council's figures per top-level area, written with the totals.
        batch_op.add_column(sa.Column('area_figures', sa.JSON(), nullable=True))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        # Bumped by every write that changes a figure: a poll's 304 reads only this.
        batch_op.add_column(
            sa.Column('change_count', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('change_count')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('area_figures')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_sort_key'))
        batch_op.drop_column('sort_key')
