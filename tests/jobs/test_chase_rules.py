"""The ladder's rules as pure functions: no database, no app."""

import pytest

from feedback_app.services import chase_rules as rules
from feedback_app.services.chase_rules import Ladder

OFFICE = Ladder(before_due_days=2, supervisor_after_days=0, escalate_after_days=3, director_after_days=5)


@pytest.mark.parametrize(
    ("late", "stage", "who"),
    [
        (-3, None, ()),
        (-2, "soon", ("officer",)),
        (-1, "soon", ("officer",)),
        (0, "due", ("officer", "supervisor")),
        (1, "overdue", ("officer", "supervisor")),
        (2, "overdue", ("officer", "supervisor")),
        (3, "overdue", ("officer", "supervisor", "monitor")),
        (4, "overdue", ("officer", "supervisor", "monitor")),
        (5, "overdue", ("officer", "supervisor", "monitor", "director")),
        (40, "overdue", ("officer", "supervisor", "monitor", "director")),
    ],
)
def test_four_rungs_by_working_days_late(late, stage, who):
    assert rules.stage(late, OFFICE.before_due_days) == stage
    assert rules.rungs(late, OFFICE) == who


def test_each_rung_is_its_own_setting():
    """The supervisor from 2 days late, the monitors from 4, the director from 9."""
    ladder = Ladder(before_due_days=1, supervisor_after_days=2, escalate_after_days=4, director_after_days=9)
    assert rules.rungs(-1, ladder) == ("officer",)
    assert rules.rungs(0, ladder) == ("officer",)
    assert rules.rungs(2, ladder) == ("officer", "supervisor")
    assert rules.rungs(4, ladder) == ("officer", "supervisor", "monitor")
    assert rules.rungs(8, ladder) == ("officer", "supervisor", "monitor")
    assert rules.rungs(9, ladder) == ("officer", "supervisor", "monitor", "director")


def test_rehandling_uses_its_own_monitor_rung():
    ladder = Ladder(escalate_after_days=3, rehandling_escalate_after_days=1, director_after_days=5)
    assert rules.rungs(1, ladder, rehandling=True) == ("officer", "supervisor", "monitor")
    assert rules.rungs(1, ladder) == ("officer", "supervisor")


def test_a_replied_case_is_off_the_ladder_and_nudged_once_it_waits_n_days():
    assert rules.case_stage(True, 14, OFFICE) is None
    assert rules.case_stage(False, 14, OFFICE) == "overdue"
    ladder = Ladder(close_after_reply_days=5)
    assert [rules.needs_close_nudge(d, ladder) for d in (0, 4, 5, 9)] == [False, False, True, True]


def test_the_rungs_must_keep_their_order():
    good = dict(rules.DEFAULTS.__dict__)
    assert rules.ladder_problems(good) == {}
    assert rules.ladder_problems(good | {"director_after_days": 3}) == {"director_after_days": "after-monitor"}
    assert rules.ladder_problems(good | {"rehandling_escalate_after_days": 6}) == {
        "director_after_days": "after-rehandling-monitor"
    }
    assert rules.ladder_problems(good | {"supervisor_after_days": 3}) == {"supervisor_after_days": "before-monitor"}


def test_a_mail_lists_the_most_pressing_first():
    items = [
        {"kind": "soon", "days": 2, "number": "A3"},
        {"kind": "soon", "days": 1, "number": "A4"},
        {"kind": "overdue", "days": 1, "number": "A1"},
        {"kind": "close", "days": 6, "number": "A6"},
        {"kind": "overdue", "days": 9, "number": "A2"},
        {"kind": "due", "days": 0, "number": "A5"},
    ]
    assert [i["number"] for i in rules.digest_order(items)] == ["A2", "A1", "A5", "A4", "A3", "A6"]
