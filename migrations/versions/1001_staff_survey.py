"""staff survey

Revision ID: 1001
Revises: 0901
Create Date: 2026-12-02 00:55:00

Rounds of the staff (內部顧客) satisfaction survey, their one-time invitations, and the answers, which carry
office and unit but no person.
"""

import sqlalchemy as sa
from alembic import op

import feedback_app.models.base

# revision identifiers, used by Alembic.
revision = "1001"
down_revision = "0901"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_survey_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("opened_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["city_id"], ["cities.id"], name=op.f("fk_staff_survey_rounds_city_id_cities")),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_staff_survey_rounds_office_id_offices")),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"], ["questionnaire_versions.id"],
            name=op.f("fk_staff_survey_rounds_questionnaire_version_id_questionnaire_versions"),
        ),
        sa.ForeignKeyConstraint(["opened_by_id"], ["users.id"], name=op.f("fk_staff_survey_rounds_opened_by_id_users")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_staff_survey_rounds_closed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_rounds")),
    )
    with op.batch_alter_table("staff_survey_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_survey_rounds_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_survey_rounds_office_id"), ["office_id"], unique=False)

    op.create_table(
        "staff_survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("used", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["staff_survey_rounds.id"],
            name=op.f("fk_staff_survey_invitations_round_id_staff_survey_rounds")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_staff_survey_invitations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_invitations")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_staff_survey_invitations_round_id_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_survey_invitations_token_hash")),
    )
    with op.batch_alter_table("staff_survey_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_survey_invitations_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_survey_invitations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "staff_survey_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["staff_survey_rounds.id"],
            name=op.f("fk_staff_survey_responses_round_id_staff_survey_rounds")
        ),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"],
            name=op.f("fk_staff_survey_responses_office_id_offices")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_staff_survey_responses_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_responses")),
    )
    with op.batch_alter_table("staff_survey_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_survey_responses_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_survey_responses_office_id"), ["office_id"], unique=False)


def downgrade():
    op.drop_table("staff_survey_responses")
    op.drop_table("staff_survey_invitations")
    op.drop_table("staff_survey_rounds")
