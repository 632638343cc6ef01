"""case cycles

Revision ID: 1004
Revises: 1005
Create Date: 2026-12-02 01:00:00.000000

Each receipt or reopening of a case is a handling cycle with its own due date, first reply and end, so a reply
or closure is no longer lost when the case is reopened and a past period's figures stay as they were.

Existing cases get their cycles from the row and, where a case was reopened, from its audit trail: each
reopening starts a cycle; the replies, closures, transfers and merges of the trail fall in the cycle they
happened in. An earlier cycle is measured against the due date in force when it ended (the "before" of the
first later due-date change, else the case's due date). Reopened cases used to keep their old due date; a cycle
started after that date is given the same allowance again from its start, in calendar days.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1004"
down_revision = "1005"
branch_labels = None
depends_on = None

DUE_CHANGES = ("extension_approved", "due_recomputed", "reopened")  # those whose "before" holds the due date


def upgrade():
    op.create_table(
        "case_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "number", name="uq_case_cycles_case_number"),
    )
    op.create_index("ix_case_cycles_case_id", "case_cycles", ["case_id"])
    op.create_index("ix_case_cycles_due", "case_cycles", ["due_at"])
    op.create_index("ix_case_cycles_replied", "case_cycles", ["first_replied_at"])
    op.create_index("ix_case_cycles_closed", "case_cycles", ["closed_at"])
    _fill()


def downgrade():
    op.drop_index("ix_case_cycles_closed", table_name="case_cycles")
    op.drop_index("ix_case_cycles_replied", table_name="case_cycles")
    op.drop_index("ix_case_cycles_due", table_name="case_cycles")
    op.drop_index("ix_case_cycles_case_id", table_name="case_cycles")
    op.drop_table("case_cycles")


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fill():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    def stored(value):
        return value.replace(tzinfo=None) if sqlite and value is not None else value

    dt = sa.DateTime(timezone=True)
    cases = sa.table(
        "cases", sa.column("id", sa.Integer), sa.column("state", sa.String), sa.column("received_at", dt),
        sa.column("due_at", dt), sa.column("replied_at", dt), sa.column("closed_at", dt),
        sa.column("outcome", sa.String), sa.column("updated_at", dt),
    )
    events = sa.table(
        "case_events", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer), sa.column("at", dt),
        sa.column("action", sa.String), sa.column("before", sa.JSON), sa.column("after", sa.JSON),
    )
    cycles = sa.table(
        "case_cycles", *[sa.column(n, dt) for n in ("started_at", "due_at", "first_replied_at", "closed_at",
                                                     "ended_at")],
        sa.column("case_id", sa.Integer), sa.column("number", sa.SmallInteger), sa.column("outcome", sa.String),
        sa.column("ended_by", sa.String),
    )
    reopened = sa.select(events.c.case_id).where(events.c.action == "reopened").distinct()
    left_at = (
        sa.select(sa.func.max(events.c.at))
        .where(events.c.case_id == cases.c.id, events.c.action.in_(("transferred", "merged")))
        .scalar_subquery()
    )
    closed = cases.c.state == "closed"
    # Cases never reopened: one cycle, from the row (a closed case was replied by its closure at the latest).
    op.execute(cycles.insert().from_select(
        ["case_id", "number", "started_at", "due_at", "first_replied_at", "closed_at", "outcome", "ended_at",
         "ended_by"],
        sa.select(
            cases.c.id, sa.literal(1), cases.c.received_at, cases.c.due_at,
            sa.func.coalesce(cases.c.replied_at, sa.case((closed, cases.c.closed_at))),
            sa.case((closed, cases.c.closed_at)),
            sa.case((closed, cases.c.outcome)),
            sa.case(
                (closed, cases.c.closed_at),
                (cases.c.state.in_(("transferred", "merged")),
                 sa.func.coalesce(left_at, cases.c.closed_at, cases.c.updated_at)),
            ),
            sa.case((closed, "closed"), (cases.c.state == "transferred", "transferred"),
                    (cases.c.state == "merged", "merged")),
        ).where(cases.c.id.not_in(reopened)),
    ))
    # Reopened cases: their cycles from the trail.
    rows = []
    for case in bind.execute(sa.select(cases).where(cases.c.id.in_(reopened)).order_by(cases.c.id)).mappings():
        trail = bind.execute(
            sa.select(events.c.at, events.c.action, events.c.before, events.c.after)
            .where(events.c.case_id == case["id"]).order_by(events.c.at, events.c.id)
        ).all()
        rows.extend(_cycles_of(case, trail))
    for start in range(0, len(rows), 500):
        op.bulk_insert(cycles, [{k: stored(v) if k in ("started_at", "due_at", "first_replied_at", "closed_at",
                                                         "ended_at") else v for k, v in row.items()}
                                for row in rows[start:start + 500]])


def _cycles_of(case, trail) -> list[dict]:
    received, due = _aware(case["received_at"]), _aware(case["due_at"])
    current = {"case_id": case["id"], "number": 1, "started_at": received, "due_at": None,
               "first_replied_at": None, "closed_at": None, "outcome": None, "ended_at": None, "ended_by": None}
    done = [current]
    for at, action, _before, after in trail:
        at, after = _aware(at), after or {}
        if action == "replied" and current["first_replied_at"] is None:
            current["first_replied_at"] = at
        elif action == "closed" and current["ended_by"] is None:
            current.update(closed_at=at, outcome=after.get("outcome"), ended_at=at, ended_by="closed")
        elif action == "transferred" and after.get("transferred_to") and current["ended_by"] is None:
            current.update(ended_at=at, ended_by="transferred")
        elif action == "merged" and current["ended_by"] is None:
            current.update(ended_at=at, ended_by="merged")
        elif action == "reopened":
            if current["ended_by"] is None:
                current.update(ended_at=at, ended_by="reopened")
            current = {**current, "number": current["number"] + 1, "started_at": at, "first_replied_at": None,
                       "closed_at": None, "outcome": None, "ended_at": None, "ended_by": None}
            done.append(current)
    for cycle in done:
        end = cycle["ended_at"]
        later = [(at, before) for at, action, before, _ in trail
                 if action in DUE_CHANGES and end is not None and _aware(at) >= end and (before or {}).get("due_at")]
        cycle_due = _aware(later[0][1]["due_at"]) if later else due
        if cycle["number"] > 1 and cycle_due < cycle["started_at"]:
            cycle_due = cycle["started_at"] + (due - received)
        cycle["due_at"] = cycle_due
    if case["replied_at"] is not None and current["first_replied_at"] is None \
            and _aware(case["replied_at"]) >= current["started_at"]:
        current["first_replied_at"] = _aware(case["replied_at"])
    return done
