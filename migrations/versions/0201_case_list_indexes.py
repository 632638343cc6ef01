"""case list indexes

Open cases by due date, the unassigned queue, newest first, and one case per office and original reference.

Revision ID: 0201
Revises: 0002
Create Date: 2026-11-23 20:52:55.795301

"""

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0002"
branch_labels = None
depends_on = None

# The open states as the lists query them (CaseState.OPEN); the partial indexes hold open cases only.
OPEN_STATES = sa.text("state IN ('received', 'assigned', 'in_progress', 'replied', 'reopened')")
UNASSIGNED = sa.text("state = 'received' AND assignee_id IS NULL")


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_open_due",
            ["due_at", "id"],
            unique=False,
            postgresql_where=OPEN_STATES,
            sqlite_where=OPEN_STATES,
        )
        batch_op.create_index(
            "ix_cases_open_office_due",
            ["office_id", "due_at", "id"],
            unique=False,
            postgresql_where=OPEN_STATES,
            sqlite_where=OPEN_STATES,
        )
        batch_op.create_index("ix_cases_received", ["received_at", "id"], unique=False)
        batch_op.create_index(
            "ix_cases_unassigned",
            ["office_id", "received_at", "id"],
            unique=False,
            postgresql_where=UNASSIGNED,
            sqlite_where=UNASSIGNED,
        )
        batch_op.create_index("uq_cases_office_external_ref", ["office_id", "external_ref"], unique=True)


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("uq_cases_office_external_ref")
        batch_op.drop_index("ix_cases_unassigned")
        batch_op.drop_index("ix_cases_received")
        batch_op.drop_index("ix_cases_open_office_due")
        batch_op.drop_index("ix_cases_open_due")
