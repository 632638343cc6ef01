"""service questionnaires and the kiosk's sex and age step

Revision ID: 1003
Revises: 1001
Create Date: 2026-12-02 01:00:00.000000

Services (業務別) with a questionnaire each, assigned to counters (kiosk and QR poster) and to one-time QR
links; an office's kiosk settings, whose optional sex and age-group step is off until the office turns it on.
"""

import sqlalchemy as sa
from alembic import op

import feedback_app.models.base

# revision identifiers, used by Alembic.
revision = "1003"
down_revision = "1001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("created_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["city_id"], ["cities.id"], name=op.f("fk_services_city_id_cities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("city_id", "code", name=op.f("uq_services_city_id_code")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_services_city_id"), ["city_id"], unique=False)

    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_questionnaires_service_id_services"), "services", ["service_id"], ["id"]
        )

    with op.batch_alter_table("qr_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questionnaire_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_qr_tokens_questionnaire_id_questionnaires"), "questionnaires", ["questionnaire_id"], ["id"]
        )

    op.create_table(
        "counter_questionnaires",
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_questionnaire_id", sa.Integer(), nullable=True),
        sa.Column("qr_questionnaire_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counters.id"], name=op.f("fk_counter_questionnaires_counter_id_counters")
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_counter_questionnaires_kiosk_questionnaire_id_questionnaires"),
        ),
        sa.ForeignKeyConstraint(
            ["qr_questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_counter_questionnaires_qr_questionnaire_id_questionnaires"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_counter_questionnaires_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("counter_id", name=op.f("pk_counter_questionnaires")),
    )
    op.create_table(
        "office_kiosk_settings",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("ask_sex_age", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_office_kiosk_settings_office_id_offices")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_office_kiosk_settings_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_office_kiosk_settings")),
    )


def downgrade():
    op.drop_table("office_kiosk_settings")
    op.drop_table("counter_questionnaires")
    with op.batch_alter_table("qr_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_qr_tokens_questionnaire_id_questionnaires"), type_="foreignkey")
        batch_op.drop_column("questionnaire_id")
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_questionnaires_service_id_services"), type_="foreignkey")
        batch_op.drop_column("service_id")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_city_id"))
    op.drop_table("services")
