"""people: each unit's period settings, each person's periods with their tasks and products

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _figure():
    return sa.Numeric(14, 4)


def upgrade():
    op.create_table(
        "people_settings",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["framework_id"], ["frameworks.id"]),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    op.create_table(
        "person_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("self_values", sa.JSON(), nullable=False),
        sa.Column("review_values", sa.JSON(), nullable=True),
        sa.Column("self_points", _figure(), nullable=True),
        sa.Column("points", _figure(), nullable=True),
        sa.Column("quantity", _figure(), nullable=True),
        sa.Column("quality", _figure(), nullable=True),
        sa.Column("progress", _figure(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["framework_id"], ["frameworks.id"]),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "kind", "year", "number"),
    )
    op.create_index("ix_person_periods_person_id", "person_periods", ["person_id"])
    op.create_index("ix_person_periods_unit_id", "person_periods", ["unit_id"])
    op.create_index("ix_person_periods_year", "person_periods", ["year"])
    op.create_table(
        "person_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("weight", _figure(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("quality_met", sa.Boolean(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("delays", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Boolean(), nullable=False),
        sa.Column("objective_reason", sa.Text(), nullable=True),
        sa.Column("objective_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["period_id"], ["person_periods.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["objective_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_tasks_period_id", "person_tasks", ["period_id"])


def downgrade():
    op.drop_index("ix_person_tasks_period_id", table_name="person_tasks")
    op.drop_table("person_tasks")
    op.drop_index("ix_person_periods_year", table_name="person_periods")
    op.drop_index("ix_person_periods_unit_id", table_name="person_periods")
    op.drop_index("ix_person_periods_person_id", table_name="person_periods")
    op.drop_table("person_periods")
    op.drop_table("people_settings")
