"""people: the yearly classification of each person and the facts that disqualify them

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person_disqualifying_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_person_disqualifying_facts_person_id", "person_disqualifying_facts", ["person_id"]
    )
    op.create_table(
        "person_classifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("duty_group", sa.String(length=100), nullable=False),
        sa.Column("self_text", sa.Text(), nullable=True),
        sa.Column("self_level", sa.String(length=20), nullable=True),
        sa.Column("manager_text", sa.Text(), nullable=True),
        sa.Column("manager_level", sa.String(length=20), nullable=True),
        sa.Column("manager_by_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("head_text", sa.Text(), nullable=True),
        sa.Column("year_score", sa.Numeric(14, 4), nullable=True),
        sa.Column("periods_counted", sa.Integer(), nullable=False),
        sa.Column("exception_decision", sa.String(length=300), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["manager_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "year"),
    )
    op.create_index("ix_person_classifications_person_id", "person_classifications", ["person_id"])
    op.create_index("ix_person_classifications_year", "person_classifications", ["year"])
    op.create_index("ix_person_classifications_unit_id", "person_classifications", ["unit_id"])


def downgrade():
    op.drop_index("ix_person_classifications_unit_id", table_name="person_classifications")
    op.drop_index("ix_person_classifications_year", table_name="person_classifications")
    op.drop_index("ix_person_classifications_person_id", table_name="person_classifications")
    op.drop_table("person_classifications")
    op.drop_index(
        "ix_person_disqualifying_facts_person_id", table_name="person_disqualifying_facts"
    )
    op.drop_table("person_disqualifying_facts")
