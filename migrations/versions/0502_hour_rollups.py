"""hourly roll-ups per office, filled from the per-counter ones

Revision ID: 0502
Revises: 0501
Create Date: 2026-11-30 20:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0502"
down_revision = "0501"
branch_labels = None
depends_on = None

SUMS = ("n1", "n2", "n3", "n4", "n5", "noise")


def upgrade():
    op.create_table(
        "hour_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ym", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SUMS],
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_hour_rollups_office_id_offices")),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_hour_rollups_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_rollups")),
        sa.UniqueConstraint(
            "office_id", "ym", "channel", "question_id", "weekday", "hour", name="uq_hour_rollups_key"
        ),
    )
    # Ratings folded before this revision are in the per-counter roll-up already: sum them up per office.
    keys = "ym, office_id, channel, question_id, weekday, hour"
    op.execute(
        f"INSERT INTO hour_rollups ({keys}, {', '.join(SUMS)}) "
        f"SELECT {keys}, {', '.join(f'sum({s})' for s in SUMS)} FROM score_rollups GROUP BY {keys}"
    )


def downgrade():
    op.drop_table("hour_rollups")
