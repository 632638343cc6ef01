"""The rules of the 稽催 ladder, as pure functions of working days: which stage a due date is at and who hears of it.

A case is chased up to its reply: the reply (函復) meets the due date, so a replied case is never due or overdue
again; if it stays unclosed for `close_after_reply_days` working days after the reply, its officer is nudged once
to close it. Four rungs, each its own setting per office (counted in working days, inclusive, so a run missed on
the exact day still reaches the rung on the next one):

- the officer, from `before_due_days` before the due date, and every day after;
- the supervisor, from `supervisor_after_days` after the due date (0: on the due date itself);
- 研考 (the monitors), from `monitor_after_days` late;
- the director, from `director_after_days` late, later than the monitors.

Nothing here reads the database: the chase job gives these functions numbers and maps the roles to people."""

from dataclasses import dataclass

OFFICER, SUPERVISOR, MONITOR, DIRECTOR = "officer", "supervisor", "monitor", "director"
RUNGS = (OFFICER, SUPERVISOR, MONITOR, DIRECTOR)

SOON, DUE, OVERDUE = "soon", "due", "overdue"
CLOSE = "close"  # replied but not closed: the officer's one nudge

# Whole working days each setting may take.
LIMITS = {
    "before_due_days": (0, 30),
    "supervisor_after_days": (0, 30),
    "escalate_after_days": (1, 60),  # the monitors' rung (M)
    "director_after_days": (2, 90),  # the director's rung (D > M)
    "unassigned_days": (1, 30),
    "extension_pending_days": (1, 30),
    "rehandling_escalate_after_days": (1, 60),
    "close_after_reply_days": (1, 60),
}


@dataclass(frozen=True)
class Ladder:
    before_due_days: int = 2
    supervisor_after_days: int = 0
    escalate_after_days: int = 3  # monitors (研考) from this many working days late
    director_after_days: int = 5
    unassigned_days: int = 1
    extension_pending_days: int = 1
    rehandling_escalate_after_days: int = 3
    close_after_reply_days: int = 5

    @property
    def monitor_after_days(self) -> int:
        return self.escalate_after_days


DEFAULTS = Ladder()


def ladder_problems(values: dict[str, int]) -> dict[str, str]:
    """The order the rungs must keep, as {field: which rule it breaks}: the supervisor joins no later than the
    monitors, and the director after the monitors (of cases and of re-handling alike)."""
    problems = {}
    if values["supervisor_after_days"] >= values["escalate_after_days"]:
        problems["supervisor_after_days"] = "before-monitor"
    if values["director_after_days"] <= values["escalate_after_days"]:
        problems["director_after_days"] = "after-monitor"
    elif values["director_after_days"] <= values["rehandling_escalate_after_days"]:
        problems["director_after_days"] = "after-rehandling-monitor"
    return problems


def stage(late: int, before_due_days: int) -> str | None:
    """The stage of a due date `late` working days ago (negative: still ahead); None before the ladder starts."""
    if late < -before_due_days:
        return None
    if late < 0:
        return SOON
    return DUE if late == 0 else OVERDUE


def rungs(late: int, ladder: Ladder, *, rehandling: bool = False) -> tuple[str, ...]:
    """Who hears of a due date `late` working days ago, by role, on the ladder's rungs; () before it starts."""
    if stage(late, ladder.before_due_days) is None:
        return ()
    monitor_after = ladder.rehandling_escalate_after_days if rehandling else ladder.escalate_after_days
    reached = [OFFICER]
    if late >= ladder.supervisor_after_days:
        reached.append(SUPERVISOR)
    if late >= monitor_after:
        reached.append(MONITOR)
    if late >= max(ladder.director_after_days, monitor_after + 1):
        reached.append(DIRECTOR)
    return tuple(reached)


def case_stage(state_replied: bool, late: int, ladder: Ladder) -> str | None:
    """A case's stage today: a replied case is off the due-date ladder whatever its due date."""
    if state_replied:
        return None
    return stage(late, ladder.before_due_days)


def needs_close_nudge(days_since_reply: int, ladder: Ladder) -> bool:
    """A replied case still open `days_since_reply` working days after its reply: time to nudge its officer."""
    return days_since_reply >= ladder.close_after_reply_days


# The order of a staff member's morning mail: the most pressing first.
SECTION_ORDER = (
    "overdue",
    "rehandling-overdue",
    "due",
    "rehandling-due",
    "soon",
    "rehandling-soon",
    "unassigned",
    "extension",
    CLOSE,
)


def digest_order(items: list[dict]) -> list[dict]:
    """A person's items for the morning mail: by section, then most overdue (most days) first, then by number."""
    rank = {kind: i for i, kind in enumerate(SECTION_ORDER)}
    return sorted(
        items,
        key=lambda item: (
            rank.get(item["kind"], len(rank)),
            -item["days"] if item["kind"] not in ("soon", "rehandling-soon") else item["days"],
            item["number"],
        ),
    )
