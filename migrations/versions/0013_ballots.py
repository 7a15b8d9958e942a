"""the vote: ballots, their items and candidates (with counters), the roll and receipts

No table holds an individual ballot: see reform/models/ballots.py for why and how.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ballots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cluster_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('previous_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=True),
        sa.Column('opens_at', sa.DateTime(), nullable=False),
        sa.Column('closes_at', sa.DateTime(), nullable=False),
        sa.Column('rule_numerator', sa.Integer(), nullable=False),
        sa.Column('rule_denominator', sa.Integer(), nullable=False),
        sa.Column('rule_strict', sa.Boolean(), nullable=False),
        sa.Column('quorum_numerator', sa.Integer(), nullable=False),
        sa.Column('quorum_denominator', sa.Integer(), nullable=False),
        sa.Column('quorum_strict', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.Column('chair_unit_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['previous_id'], ['ballots.id']),
        sa.ForeignKeyConstraint(['chair_unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ballots_cluster_id', 'ballots', ['cluster_id'])
    op.create_index('ix_ballots_previous_id', 'ballots', ['previous_id'])
    op.create_table(
        'ballot_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ballot_id', sa.Integer(), nullable=False),
        sa.Column('title_id', sa.Integer(), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('abstentions', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['title_id'], ['titles.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ballot_items_ballot_id', 'ballot_items', ['ballot_id'])
    op.create_table(
        'ballot_candidates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('ranking_rank', sa.Integer(), nullable=True),
        sa.Column('ranking_figure', sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column('added_reason', sa.Text(), nullable=True),
        sa.Column('votes', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['ballot_items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_id', 'unit_id'),
    )
    op.create_index('ix_ballot_candidates_item_id', 'ballot_candidates', ['item_id'])
    op.create_table(
        'ballot_voters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ballot_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('voted', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ballot_id', 'unit_id'),
    )
    op.create_index('ix_ballot_voters_ballot_id', 'ballot_voters', ['ballot_id'])
    op.create_table(
        'ballot_receipts',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('ballot_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_ballot_receipts_ballot_id', 'ballot_receipts', ['ballot_id'])


def downgrade():
    op.drop_table('ballot_receipts')
    op.drop_table('ballot_voters')
    op.drop_table('ballot_candidates')
    op.drop_table('ballot_items')
    op.drop_table('ballots')
