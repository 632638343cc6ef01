"""The staff (內部顧客) satisfaction survey: rounds, one-time links, anonymous answers, and their results.

Re-exports the public names of its two concerns: running a round (rounds.py) and reading its results with
small cells suppressed (results.py)."""

from .results import (
    MIN_CELL,
    ResultRow,
    RoundResults,
    previous_round,
    round_for_period,
    round_results,
    staff_table,
)
from .rounds import (
    KIND,
    REMINDER_KIND,
    LinkClosed,
    LinkUsed,
    answer,
    close_ended_rounds,
    close_round,
    invitation_for,
    open_round,
    remind,
    rounds_for,
    staff_questions,
)

__all__ = [
    "KIND", "MIN_CELL", "REMINDER_KIND", "LinkClosed", "LinkUsed", "ResultRow", "RoundResults", "answer",
    "close_ended_rounds", "close_round", "invitation_for", "open_round", "previous_round", "remind",
    "round_for_period", "round_results", "rounds_for", "staff_questions", "staff_table",
]
