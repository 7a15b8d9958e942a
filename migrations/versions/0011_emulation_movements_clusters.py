"""emulation: movements, their documents, clusters of a campaign and their members, titles

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'movements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('authority', sa.String(length=300), nullable=False),
        sa.Column('period_kind', sa.String(length=20), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('standards', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_table(
        'movement_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('movement_id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.ForeignKeyConstraint(['movement_id'], ['movements.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_movement_documents_movement_id', 'movement_documents', ['movement_id'])
    op.create_table(
        'clusters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'code'),
    )
    op.create_index('ix_clusters_campaign_id', 'clusters', ['campaign_id'])
    op.create_table(
        'cluster_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('cluster_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'unit_id'),
    )
    op.create_index('ix_cluster_members_campaign_id', 'cluster_members', ['campaign_id'])
    op.create_index('ix_cluster_members_cluster_id', 'cluster_members', ['cluster_id'])
    op.create_index('ix_cluster_members_unit_id', 'cluster_members', ['unit_id'])
    op.create_table(
        'titles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    # Plain ADD COLUMN on both databases: a batch copy of the table would drop its triggers.
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite takes a reference in ADD COLUMN; Alembic only offers it through a batch copy.
        op.execute('ALTER TABLE campaigns ADD COLUMN movement_id INTEGER REFERENCES movements (id)')
    else:
        op.add_column(
            'campaigns',
            sa.Column('movement_id', sa.Integer(), sa.ForeignKey('movements.id'), nullable=True),
        )
    op.create_index('ix_campaigns_movement_id', 'campaigns', ['movement_id'])
    op.add_column('campaigns', sa.Column('registration_closes_on', sa.Date(), nullable=True))


def downgrade():
    op.drop_index('ix_campaigns_movement_id', table_name='campaigns')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('registration_closes_on')
        batch_op.drop_column('movement_id')
    op.drop_table('titles')
    op.drop_table('cluster_members')
    op.drop_table('clusters')
    op.drop_table('movement_documents')
    op.drop_table('movements')
