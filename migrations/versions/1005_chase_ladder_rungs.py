"""chase ladder: four rungs and the nudge to close a replied case

Revision ID: 1005
Revises: 1006
Create Date: 2026-12-02 01:10:00.000000

Each office's ladder gets its own rung for the supervisor (from the due date by default) and for the director
(later than the monitors, 5 working days late by default), and the number of working days after the reply
before the officer is nudged to close a replied case (5).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1005"
down_revision = "1006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chase_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supervisor_after_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("director_after_days", sa.Integer(), nullable=False, server_default="5"))
        batch_op.add_column(sa.Column("close_after_reply_days", sa.Integer(), nullable=False, server_default="5"))
    # An office whose monitors were told late already keeps its director a rung above them.
    op.execute(
        "UPDATE chase_settings SET director_after_days = escalate_after_days + 1 "
        "WHERE director_after_days <= escalate_after_days"
    )
    op.execute(
        "UPDATE chase_settings SET director_after_days = rehandling_escalate_after_days + 1 "
        "WHERE director_after_days <= rehandling_escalate_after_days"
    )


def downgrade():
    with op.batch_alter_table("chase_settings", schema=None) as batch_op:
        batch_op.drop_column("close_after_reply_days")
        batch_op.drop_column("director_after_days")
        batch_op.drop_column("supervisor_after_days")
