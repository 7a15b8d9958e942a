"""commendation: catalogue versions with eligibility conditions, initiatives, the award register

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _now():
    return sa.text("(CURRENT_TIMESTAMP)")


def upgrade():
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=_now(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["based_on_id"], ["catalogue_versions.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("recognised_on", sa.Date(), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("decision_issuer", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_initiatives_unit_id", "initiatives", ["unit_id"])
    op.create_index("ix_initiatives_recognised_on", "initiatives", ["recognised_on"])
    op.create_table(
        "initiative_authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_initiative_authors_initiative_id", "initiative_authors", ["initiative_id"])
    op.create_index("ix_initiative_authors_person_id", "initiative_authors", ["person_id"])
    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(length=300), nullable=False),
        sa.Column("title_code", sa.String(length=40), nullable=False),
        sa.Column("title_name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("family", sa.String(length=12), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("signer", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_awards_year", "awards", ["year"])
    op.create_index("ix_awards_person_id", "awards", ["person_id"])
    op.create_index("ix_awards_title_year", "awards", ["title_code", "year"])
    op.create_index("ix_awards_unit_year", "awards", ["unit_id", "year"])


def downgrade():
    op.drop_index("ix_awards_unit_year", table_name="awards")
    op.drop_index("ix_awards_title_year", table_name="awards")
    op.drop_index("ix_awards_person_id", table_name="awards")
    op.drop_index("ix_awards_year", table_name="awards")
    op.drop_table("awards")
    op.drop_index("ix_initiative_authors_person_id", table_name="initiative_authors")
    op.drop_index("ix_initiative_authors_initiative_id", table_name="initiative_authors")
    op.drop_table("initiative_authors")
    op.drop_index("ix_initiatives_recognised_on", table_name="initiatives")
    op.drop_index("ix_initiatives_unit_id", table_name="initiatives")
    op.drop_table("initiatives")
    op.drop_table("catalogue_versions")
