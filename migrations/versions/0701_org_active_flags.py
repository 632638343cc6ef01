"""offices and units can be deactivated

Revision ID: 0701
Revises: 0601
Create Date: 2026-12-01 21:40:00.000000

An office or unit that closes keeps its rows (and every report keeps counting them); `active` only takes it out of
the pickers for new data, as counters already could.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0701"
down_revision = "0601"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("active")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("active")
