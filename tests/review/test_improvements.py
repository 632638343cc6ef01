"""The improvement action register: what an action must say, what it may be linked to, and its before and after."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import CaseCategory, ImprovementAction, ImprovementState
from feedback_app.services import improvements
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.errors import AccessDenied, ValidationFailed
from feedback_app.services.stats import Period, wilson_interval
from tests.analytics.factories import make_rating

from .conftest import RECORDED
from .factories import record

NOW = datetime(2026, 9, 1, 10, 0, tzinfo=TAIPEI)


def _input(org, **fields) -> improvements.ActionInput:
    values = dict(
        office_id=org.a.id,
        problem="民眾反映等候時間過長",
        target="reason:wait_long",
        measure="尖峰時段加開綜合受理櫃檯",
        owner_id=org.users[("AA", "supervisor")].id,
        due_date=date(2026, 9, 30),
        state=ImprovementState.PLANNED,
    )
    values.update(fields)
    return improvements.ActionInput(**values)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ImprovementAction.id)))


def test_an_action_linked_to_a_reason_is_saved_and_named_by_the_reason(app, org):
    action = improvements.create_action(org.users[("AA", "director")], _input(org), now=NOW)
    db.session.commit()
    assert (action.target_kind, action.target_ref, action.state) == ("reason", "wait_long", "planned")
    assert improvements.target_label(action) == "不滿意原因：等候太久"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"state": ImprovementState.DROPPED, "dropped_reason": "  "}, "dropped_reason"),
        ({"due_date": date(2026, 8, 31)}, "due_date"),
        ({"target": "reason:no_such_reason"}, "target"),
        ({"target": "category:99999"}, "target"),
        ({"target": "counter:abc"}, "target"),
        ({"target": "budget:1"}, "target"),
        ({"problem": ""}, "problem"),
        ({"owner_id": 99999}, "owner_id"),
    ],
)
def test_invalid_input_is_refused_with_the_field_named_and_nothing_saved(app, org, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        improvements.create_action(org.users[("AA", "director")], _input(org, **fields), now=NOW)
    assert field in refused.value.details
    assert refused.value.details[field]
    db.session.rollback()
    assert _count() == 0


def test_targets_of_another_office_or_city_are_unknown_targets(app, org):
    director = org.users[("AA", "director")]
    other_counter = org.b.counters[0]
    other_category = CaseCategory(city_id=org.ntp.id, code="x", names={"zh_TW": "新北類別"})
    db.session.add(other_category)
    db.session.flush()
    foreign_test = record(org, RECORDED, office="BB")
    for target in (f"counter:{other_counter.id}", f"category:{other_category.id}", f"phone_test:{foreign_test.id}"):
        with pytest.raises(ValidationFailed) as refused:
            improvements.create_action(director, _input(org, target=target), now=NOW)
        assert "target" in refused.value.details


def test_an_edit_that_drops_without_a_reason_changes_nothing(app, org):
    director = org.users[("AA", "director")]
    action = improvements.create_action(director, _input(org), now=NOW)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        improvements.update_action(director, action, _input(org, state=ImprovementState.DROPPED), now=NOW)
    db.session.rollback()
    assert db.session.get(ImprovementAction, action.id).state == ImprovementState.PLANNED
    # With a reason it is dropped; the due date, now past, may stay as it was.
    later = datetime(2026, 10, 5, 9, tzinfo=TAIPEI)
    improvements.update_action(
        director, action, _input(org, state=ImprovementState.DROPPED, dropped_reason="已改採預約制"), now=later
    )
    assert action.dropped_reason == "已改採預約制"


def test_officers_and_other_offices_may_not_write_actions(app, org):
    with pytest.raises(AccessDenied):
        improvements.create_action(org.users[("AA", "officer")], _input(org), now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        improvements.create_action(org.users[("BB", "director")], _input(org), now=NOW)
    assert "office_id" in refused.value.details


def _ratings(org, day: date, satisfied: int, unhappy: int, reason_count: int) -> None:
    for i in range(satisfied + unhappy):
        reasons = ["wait_long"] if i < reason_count else ["other"]
        make_rating(org.a, datetime(day.year, day.month, day.day, 10, i, tzinfo=TAIPEI), 5 if i < satisfied else 2,
                    reasons=reasons)


def test_a_done_action_shows_its_target_before_and_after_in_equal_windows(app, org):
    director = org.users[("AA", "director")]
    action = improvements.create_action(director, _input(org), now=NOW)
    improvements.update_action(director, action, _input(org, state=ImprovementState.DONE), now=NOW)
    assert improvements.before_after(action, NOW) is None  # not a day yet
    _ratings(org, date(2026, 8, 20), satisfied=5, unhappy=5, reason_count=4)  # before
    _ratings(org, date(2026, 9, 15), satisfied=8, unhappy=2, reason_count=1)  # after
    _ratings(org, date(2026, 7, 20), satisfied=0, unhappy=9, reason_count=9)  # before the before window
    _ratings(org, date(2026, 10, 5), satisfied=0, unhappy=9, reason_count=9)  # after the after window
    db.session.commit()
    figures = improvements.before_after(action, datetime(2026, 10, 1, 12, tzinfo=TAIPEI))
    assert figures.days == 30
    assert figures.before_span == (date(2026, 8, 2), date(2026, 8, 31))
    assert figures.after_span == (date(2026, 9, 1), date(2026, 9, 30))
    satisfaction, reason = figures.measures
    assert (satisfaction.before.n, satisfaction.before.hits) == (10, 5)
    assert (satisfaction.after.n, satisfaction.after.hits) == (10, 8)
    assert satisfaction.after.interval == wilson_interval(8, 10)
    assert satisfaction.after.too_few is True
    assert satisfaction.change.points == pytest.approx(30.0)
    assert (reason.before.hits, reason.after.hits) == (4, 1)
    assert reason.higher_is_better is False
    # Back to in progress: no longer done, so no before and after.
    improvements.update_action(director, action, _input(org, state=ImprovementState.IN_PROGRESS), now=NOW)
    assert action.done_at is None and improvements.before_after(action, NOW) is None


def test_the_quarterly_review_puts_actions_beside_the_top_reasons(app, org):
    director = org.users[("AA", "director")]
    improvements.create_action(director, _input(org), now=NOW)
    _ratings(org, date(2026, 8, 20), satisfied=2, unhappy=6, reason_count=5)
    db.session.commit()
    review = improvements.quarterly_review(org.tpe, [org.a.id], Period("quarter", 2026, 3))
    top = review["reasons"][0]
    assert (top.code, top.label, top.count) == ("wait_long", "等候太久", 5)
    assert [a.measure for a in top.actions] == ["尖峰時段加開綜合受理櫃檯"]
    assert [line.actions for line in review["reasons"][1:]] == [[]]
    # An action finished before the quarter began is not the quarter's.
    assert improvements.quarterly_review(org.tpe, [org.a.id], Period("quarter", 2026, 4))["actions"]
    assert not improvements.quarterly_review(org.tpe, [org.a.id], Period("quarter", 2026, 2))["actions"]
