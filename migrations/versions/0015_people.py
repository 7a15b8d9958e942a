"""people: the staff of each unit with their status history; audit events may name a person

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    sort_key = sa.String(length=1200).with_variant(
        sa.String(length=1200, collation="C"), "postgresql"
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("sort_key", sort_key, nullable=True),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.Column("duty_group", sa.String(length=100), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_index("ix_people_unit_id", "people", ["unit_id"])
    op.create_index("ix_people_sort_key", "people", ["sort_key"])
    op.create_index("ix_people_manager_id", "people", ["manager_id"])
    op.create_table(
        "person_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_status_changes_person_id", "person_status_changes", ["person_id"])
    # A plain ADD COLUMN (no batch copy): a copied audit table would lose its append-only triggers.
    op.add_column("audit_events", sa.Column("person_id", sa.Integer(), nullable=True))
    op.create_index("ix_audit_events_person_id", "audit_events", ["person_id"])


def downgrade():
    op.drop_index("ix_audit_events_person_id", table_name="audit_events")
    op.drop_column("audit_events", "person_id")
    op.drop_index("ix_person_status_changes_person_id", table_name="person_status_changes")
    op.drop_table("person_status_changes")
    op.drop_index("ix_people_manager_id", table_name="people")
    op.drop_index("ix_people_sort_key", table_name="people")
    op.drop_index("ix_people_unit_id", table_name="people")
    op.drop_table("people")
