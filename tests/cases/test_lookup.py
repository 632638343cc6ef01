"""The petitioner's look-up page and reply rating: what it shows, throttling, and the re-handling task."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, LoginThrottle, Notification, RehandlingTask
from feedback_app.services import cases as svc
from feedback_app.services.calendar import TAIPEI, WorkCalendar
from feedback_app.services.errors import TooManyAttempts, ValidationFailed
from tests.conftest import login
from tests.factories import set_case_clock

from .factories import make_case, replied

NOT_FOUND = "沒有符合此案號與查詢碼的案件"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*>')


def _lookup(client, number, code, addr="203.0.113.7"):
    return client.post("/lookup", data={"number": number, "code": code}, environ_base={"REMOTE_ADDR": addr})


def test_lookup_shows_state_due_date_and_reply_and_nothing_else(client, org, users):
    case, code = make_case(
        org.a, petitioner_name="王小明", petitioner_phone="0912345678", description="內部描述不該出現"
    )
    svc.add_note(case, users["officer"], case.version, "內部備註不該出現")
    db.session.commit()
    replied(case, users["supervisor"], users["officer"], "已改善叫號流程。")
    response = _lookup(client, case.number, code.lower())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "已函復" in page
    assert case.due_at.astimezone(TAIPEI).date().isoformat() in page
    assert "已改善叫號流程。" in page
    for secret in (
        "王小明",
        "王○明",
        "0912",
        "內部描述不該出現",
        "內部備註不該出現",
        "櫃檯等候時間過長",
        users["officer"].display_name,
    ):
        assert secret not in page


def test_wrong_code_and_unknown_number_get_the_same_answer(client, org):
    case, code = make_case(org.a)
    wrong = _lookup(client, case.number, "WRONGCOD")
    unknown = _lookup(client, "ZZ-1140101-9999", "WRONGCOD")
    assert wrong.status_code == unknown.status_code == 404
    assert NOT_FOUND in wrong.get_data(as_text=True) and NOT_FOUND in unknown.get_data(as_text=True)
    # Apart from echoing the number typed in (and the form's time-stamped CSRF token), the pages are the same.
    def page(response, number):
        return CSRF_TOKEN.sub("TOKEN", response.get_data(as_text=True).replace(number, "N"))

    assert page(wrong, case.number) == page(unknown, "ZZ-1140101-9999")


def test_wrong_codes_are_throttled_per_address_even_with_the_right_code_afterwards(client, app, org):
    case, code = make_case(org.a)
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert _lookup(client, case.number, "WRONGCOD").status_code == 404
    assert _lookup(client, case.number, code).status_code == 429
    assert db.session.get(LoginThrottle, "lookup:203.0.113.7").locked_until is not None
    # Another address is not locked out.
    assert _lookup(client, case.number, code, addr="198.51.100.9").status_code == 200


def test_lookup_service_raises_while_locked(app, org):
    case, code = make_case(org.a)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert svc.lookup_case(case.number, "nope", "192.0.2.1") is None
    with pytest.raises(TooManyAttempts):
        svc.lookup_case(case.number, code, "192.0.2.1")


def test_a_merged_case_leads_to_the_case_that_carries_it_and_counts_as_no_failed_attempt(app, org, users):
    keep, _ = make_case(org.a)
    dup, code = make_case(org.a)
    svc.merge_case(dup, users["supervisor"], dup.version, keep.number)
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        assert svc.lookup_case(dup.number, code, "192.0.2.2") == keep
    assert db.session.get(LoginThrottle, "lookup:192.0.2.2") is None
    assert svc.lookup_case(dup.number, "WRONGCOD", "192.0.2.2") is None
    assert db.session.get(LoginThrottle, "lookup:192.0.2.2").failures == 1


def test_low_rating_opens_a_rehandling_task_for_the_supervisor_due_in_three_working_days(client, org, users):
    case, code = make_case(org.a)
    replied(case, users["supervisor"], users["officer"])
    response = client.post("/lookup/rate", data={"number": case.number, "code": code, "score": "2"})
    assert response.status_code == 200
    db.session.expire_all()
    fresh = db.session.get(Case, case.id)
    assert fresh.reply_score == 2 and fresh.reply_rated_at is not None
    task = db.session.scalar(sa.select(RehandlingTask))
    assert (
        task.case_id == case.id
        and task.assignee_id == users["supervisor"].id
        and task.unit_id == case.unit_id
    )
    created = task.created_at.astimezone(TAIPEI).date()
    expected = WorkCalendar.around(created).add_working_days(created, 3)[0]
    assert task.due_at.astimezone(TAIPEI).date() == expected
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "rehandling"))
    assert note.user_id == users["supervisor"].id and note.channel == "inapp"
    login(client, "aa.supervisor")
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "低分回復的重新檢討" in page and expected.isoformat() in page


def test_rehandling_due_date_uses_the_official_calendar(org, users, calendar_2025, monkeypatch):
    """Rated on Fri 2025-01-24 before the Lunar New Year break: due Wed 2025-02-05."""
    from datetime import datetime

    case, _ = make_case(org.a, received_at=datetime(2025, 1, 20, 9, 0, tzinfo=TAIPEI))
    replied(case, users["supervisor"], users["officer"])
    set_case_clock(monkeypatch, datetime(2025, 1, 24, 10, 0, tzinfo=TAIPEI))
    task = svc.rate_reply(case, 1)
    assert task.due_at.astimezone(TAIPEI).date() == date(2025, 2, 5)


def test_good_rating_opens_no_task_and_a_reply_is_rated_once(client, org, users):
    case, code = make_case(org.a)
    replied(case, users["supervisor"], users["officer"])
    assert (
        client.post("/lookup/rate", data={"number": case.number, "code": code, "score": "5"}).status_code
        == 200
    )
    again = client.post("/lookup/rate", data={"number": case.number, "code": code, "score": "1"})
    assert again.status_code == 400
    db.session.expire_all()
    assert db.session.get(Case, case.id).reply_score == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RehandlingTask)) == 0


def test_no_rating_before_a_reply_and_no_rating_with_a_wrong_code(client, org, users):
    case, code = make_case(org.a)
    with pytest.raises(ValidationFailed):
        svc.rate_reply(case, 1)
    db.session.rollback()
    replied(case, users["supervisor"], users["officer"])
    response = client.post("/lookup/rate", data={"number": case.number, "code": "WRONGCOD", "score": "1"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, case.id).reply_score is None


def test_the_lookup_form_is_offered_to_anyone(client):
    response = client.get("/lookup")
    assert response.status_code == 200 and 'name="code"' in response.get_data(as_text=True)


def test_pages_showing_a_case_or_its_petitioner_are_never_stored_by_a_browser_or_proxy(client, org, users):
    """Like the CSV export: the look-up result, the case lists and the case page send Cache-Control: no-store."""
    case, code = make_case(org.a, petitioner_name="王小明", petitioner_phone="0912345678")
    db.session.commit()
    result = _lookup(client, case.number, code)
    assert result.status_code == 200 and result.headers["Cache-Control"] == "no-store"
    login(client, "aa.officer")
    for url in ("/cases/", "/cases/mine", f"/cases/{case.number}", "/cases/?view=unit", "/cases/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
