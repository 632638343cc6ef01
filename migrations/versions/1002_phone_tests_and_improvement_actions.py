"""phone tests and improvement actions

Revision ID: 1002
Revises: 1003
Create Date: 2026-12-02 00:38:13.603766

Phone courtesy tests (電話禮貌測試) with their quarterly plans and follow-up tasks, and the register of
improvement actions (檢討改進).
"""

import sqlalchemy as sa
from alembic import op

import feedback_app.models.base

# revision identifiers, used by Alembic.
revision = "1002"
down_revision = "1003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "phone_test_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_phone_test_plans_office_id_offices")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_phone_test_plans_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_test_plans")),
        sa.UniqueConstraint("unit_id", "year", "quarter", name=op.f("uq_phone_test_plans_unit_id_year_quarter")),
    )
    with op.batch_alter_table("phone_test_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_test_plans_office_id"), ["office_id"], unique=False)

    op.create_table(
        "improvement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_ref", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("dropped_reason", sa.Text(), nullable=True),
        sa.Column("done_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_improvement_actions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_improvement_actions_office_id_offices")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_improvement_actions_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_actions")),
    )
    with op.batch_alter_table("improvement_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvement_actions_office_id"), ["office_id"], unique=False)

    op.create_table(
        "phone_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("called_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=True),
        sa.Column("tester", sa.String(length=64), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("needs_followup", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_phone_tests_office_id_offices")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_phone_tests_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_phone_tests_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_tests")),
    )
    with op.batch_alter_table("phone_tests", schema=None) as batch_op:
        batch_op.create_index("ix_phone_tests_office_called", ["office_id", "called_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_tests_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "phone_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_phone_followups_assignee_id_users")),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_phone_followups_office_id_offices")),
        sa.ForeignKeyConstraint(["test_id"], ["phone_tests.id"], name=op.f("fk_phone_followups_test_id_phone_tests")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_phone_followups_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_followups")),
        sa.UniqueConstraint("test_id", name=op.f("uq_phone_followups_test_id")),
    )
    with op.batch_alter_table("phone_followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_followups_done_at"), ["done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_followups_office_id"), ["office_id"], unique=False)


def downgrade():
    with op.batch_alter_table("phone_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_followups_office_id"))
        batch_op.drop_index(batch_op.f("ix_phone_followups_done_at"))

    op.drop_table("phone_followups")
    with op.batch_alter_table("phone_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_tests_unit_id"))
        batch_op.drop_index("ix_phone_tests_office_called")

    op.drop_table("phone_tests")
    with op.batch_alter_table("improvement_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_actions_office_id"))

    op.drop_table("improvement_actions")
    with op.batch_alter_table("phone_test_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_test_plans_office_id"))

    op.drop_table("phone_test_plans")
