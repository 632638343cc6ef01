"""rating clock and quarantine

Revision ID: 0801
Revises: 0702
Create Date: 2026-12-01 21:34:36.922157

Ratings keep the device's own tap time beside the corrected one, and a flag for tap times still implausible
after correction; refused ratings are kept in a quarantine until an admin stores or dismisses them.
"""

import sqlalchemy as sa
from alembic import op

import feedback_app.models.base

# revision identifiers, used by Alembic.
revision = "0801"
down_revision = "0702"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quarantined_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("qr_token_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("has_contact", sa.Boolean(), nullable=False),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.Column("received_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("rating_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counters.id"], name=op.f("fk_quarantined_ratings_counter_id_counters")
        ),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_quarantined_ratings_device_id_devices")),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_quarantined_ratings_office_id_offices")),
        sa.ForeignKeyConstraint(
            ["qr_token_id"], ["qr_tokens.id"], name=op.f("fk_quarantined_ratings_qr_token_id_qr_tokens")
        ),
        sa.ForeignKeyConstraint(["rating_id"], ["ratings.id"], name=op.f("fk_quarantined_ratings_rating_id_ratings")),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_quarantined_ratings_resolved_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_quarantined_ratings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_ratings")),
        sa.UniqueConstraint("payload_hash", name=op.f("uq_quarantined_ratings_payload_hash")),
    )
    with op.batch_alter_table("quarantined_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_quarantined_ratings_office_open", ["office_id", "resolved_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantined_ratings_uuid"), ["uuid"], unique=False)

    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("device_tapped_at", feedback_app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("tap_time_flag", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_ratings_tap_time_flag",
            ["tap_time_flag"],
            unique=False,
            postgresql_where=sa.text("tap_time_flag IS NOT NULL"),
            sqlite_where=sa.text("tap_time_flag IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_ratings_tap_time_flag",
            postgresql_where=sa.text("tap_time_flag IS NOT NULL"),
            sqlite_where=sa.text("tap_time_flag IS NOT NULL"),
        )
        batch_op.drop_column("tap_time_flag")
        batch_op.drop_column("device_tapped_at")

    with op.batch_alter_table("quarantined_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_ratings_uuid"))
        batch_op.drop_index("ix_quarantined_ratings_office_open")

    op.drop_table("quarantined_ratings")
