"""units: the place name and abbreviation their official documents are dated and numbered with

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: a batch copy of the table would drop its triggers.
    op.add_column('units', sa.Column('place', sa.String(length=100), nullable=True))
    op.add_column('units', sa.Column('abbreviation', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('abbreviation')
        batch_op.drop_column('place')
