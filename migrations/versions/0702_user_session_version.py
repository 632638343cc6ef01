"""user session version

Revision ID: 0702
Revises: 0701
Create Date: 2026-12-01 22:00:00.000000

Each sign-in session carries its user's session version; signing out, a new password or disabling the account
raises it, which ends every copy of the session on every server.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0702"
down_revision = "0701"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
