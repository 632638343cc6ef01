"""petitioner language, transfer contact, event versions

Revision ID: 1006
Revises: 1002
Create Date: 2026-12-02 01:00:00.000000

The language the petitioner used (one of the five kiosk languages), so every notice and the look-up page speak
it; the contact of the agency a case was transferred to, told to the petitioner; and the case version each
audit-trail entry left, so a refused stale form can show what changed since the version its author saw.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1006"
down_revision = "1002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("petitioner_locale", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("transferred_contact", sa.String(length=200), nullable=True))
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_column("case_version")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("transferred_contact")
        batch_op.drop_column("petitioner_locale")
