"""case public summary

Revision ID: 0601
Revises: 0502
Create Date: 2026-11-30 20:40:00.000000

A summary of the reply that staff write for publication, shown as Open311 status_notes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0601"
down_revision = "0502"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_summary", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("public_summary")
