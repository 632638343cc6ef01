"""redact sent acknowledgements

Revision ID: 0901
Revises: 0801
Create Date: 2026-12-01 22:10:00.000000

Acknowledgement mails already sent or given up lose the body that held the petitioner's look-up code, as the
delivery job now does when it sends one. Data only; nothing to restore on downgrade.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0901"
down_revision = "0801"
branch_labels = None
depends_on = None

# The values of feedback_app.services.notify at the time of writing; a migration keeps its own copy.
SECRET_BODY_KINDS = ("acknowledgement",)
REDACTED_BODY = "[removed once sent]"


def upgrade():
    notifications = sa.table(
        "notifications", sa.column("kind", sa.String), sa.column("status", sa.String), sa.column("body", sa.Text)
    )
    op.execute(
        notifications.update()
        .where(notifications.c.kind.in_(SECRET_BODY_KINDS), notifications.c.status.in_(("sent", "failed")))
        .values(body=REDACTED_BODY)
    )


def downgrade():
    pass
