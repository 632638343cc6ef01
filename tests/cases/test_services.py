"""Case handling services: every transition, refusals that change nothing, the trail, optimistic locking."""

from datetime import date

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from feedback_app.extensions import db
from feedback_app.models import (
    Attachment,
    Case,
    CaseChannel,
    CaseEvent,
    CaseLink,
    CaseNote,
    CaseOutcome,
    CaseState,
    Extension,
    Notification,
    RehandlingTask,
    Unit,
)
from feedback_app.services import cases as svc
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.errors import AccessDenied, Conflict, ValidationFailed
from tests.factories import set_case_clock

from .factories import assigned, make_case, replied, taipei


def _events(case) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def _snapshot(case) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Case, case.id)
    return (
        fresh.state,
        fresh.unit_id,
        fresh.assignee_id,
        fresh.due_at,
        fresh.reply,
        fresh.outcome,
        fresh.version,
        len(_events(fresh)),
    )


def _refused(case, error, call):
    """The call raises `error` and leaves the case and its trail exactly as they were."""
    before = _snapshot(case)
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    assert _snapshot(case) == before
    return caught.value


def test_full_path_assign_start_reply_close_leaves_a_trail_with_actor_before_and_after(org, users):
    case, _ = make_case(org.a)
    sup, officer = users["supervisor"], users["officer"]
    svc.assign_case(case, sup, case.version, officer.unit_id, officer.id)
    svc.start_work(case, officer, case.version)
    svc.reply_case(case, officer, case.version, "已處理完畢。")
    svc.close_case(case, officer, case.version, CaseOutcome.RESOLVED)
    db.session.commit()
    assert case.state == CaseState.CLOSED and case.outcome == CaseOutcome.RESOLVED and case.closed_at
    assert _events(case) == ["created", "assigned", "started", "replied", "closed"]
    assigned_event = db.session.scalar(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "assigned")
    )
    assert assigned_event.actor_id == sup.id
    assert assigned_event.before == {"state": "received", "unit_id": None, "assignee_id": None}
    assert assigned_event.after == {
        "state": "assigned",
        "unit_id": officer.unit_id,
        "assignee_id": officer.id,
    }


def test_each_change_bumps_the_version(org, users):
    case, _ = make_case(org.a)
    first = case.version
    assigned(case, users["supervisor"], users["officer"])
    assert case.version == first + 1


def test_monitor_assigns_but_an_officer_may_not(org, users):
    case, _ = make_case(org.a)
    _refused(
        case,
        AccessDenied,
        lambda: svc.assign_case(
            case, users["officer"], case.version, users["officer"].unit_id, users["officer"].id
        ),
    )
    svc.assign_case(case, users["monitor"], case.version, users["officer"].unit_id, users["officer"].id)
    assert case.state == CaseState.ASSIGNED


def test_assignment_refuses_an_officer_of_another_office_or_unit(org, users):
    case, _ = make_case(org.a)
    other_unit = Unit(office_id=org.a.id, code="ADM", name="行政課")
    db.session.add(other_unit)
    db.session.commit()
    error = _refused(
        case,
        ValidationFailed,
        lambda: svc.assign_case(
            case, users["supervisor"], case.version, users["officer"].unit_id, users["b_officer"].id
        ),
    )
    assert "assignee_id" in error.details
    error = _refused(
        case,
        ValidationFailed,
        lambda: svc.assign_case(case, users["supervisor"], case.version, other_unit.id, users["officer"].id),
    )
    assert "assignee_id" in error.details
    error = _refused(
        case,
        ValidationFailed,
        lambda: svc.assign_case(
            case, users["supervisor"], case.version, org.b.units[0].id, users["b_officer"].id
        ),
    )
    assert "unit_id" in error.details


def test_staff_of_another_office_cannot_touch_the_case(org, users):
    case, _ = make_case(org.a)
    _refused(
        case,
        AccessDenied,
        lambda: svc.assign_case(
            case, users["b_supervisor"], case.version, users["officer"].unit_id, users["officer"].id
        ),
    )
    _refused(case, AccessDenied, lambda: svc.add_note(case, users["b_officer"], case.version, "看看"))


@pytest.mark.parametrize("action", ["start", "reply", "close", "extension", "merge_closed", "reopen_open"])
def test_invalid_transitions_are_refused_and_change_nothing(org, users, action):
    case, _ = make_case(org.a)
    officer, sup = users["officer"], users["supervisor"]
    other, _ = make_case(org.a)
    calls = {
        "start": lambda: svc.start_work(case, officer, case.version),
        "reply": lambda: svc.reply_case(case, officer, case.version, "答覆"),
        "close": lambda: svc.close_case(case, officer, case.version, CaseOutcome.RESOLVED),
        "extension": lambda: svc.request_extension(case, officer, case.version, "需會勘", date(2026, 12, 31)),
        "reopen_open": lambda: svc.reopen_case(case, sup, case.version, "再查"),
    }
    if action == "merge_closed":
        replied(case, sup, officer)
        svc.close_case(case, officer, case.version, CaseOutcome.RESOLVED)
        db.session.commit()
        calls[action] = lambda: svc.merge_case(case, sup, case.version, other.number)
    error = _refused(case, ValidationFailed, calls[action])
    assert error.code == "invalid_transition"


def test_close_needs_an_outcome_from_the_list(org, users):
    case, _ = make_case(org.a)
    replied(case, users["supervisor"], users["officer"])
    error = _refused(
        case, ValidationFailed, lambda: svc.close_case(case, users["officer"], case.version, "happy")
    )
    assert "outcome" in error.details


def test_reply_needs_text_and_is_emailed_when_the_petitioner_gave_an_address(org, users):
    case, _ = make_case(org.a, petitioner_email="citizen@example.tw")
    assigned(case, users["supervisor"], users["officer"])
    error = _refused(
        case, ValidationFailed, lambda: svc.reply_case(case, users["officer"], case.version, "  ")
    )
    assert "reply" in error.details
    svc.reply_case(case, users["officer"], case.version, "已改善叫號流程。")
    db.session.commit()
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "reply"))
    assert mail.recipient == "citizen@example.tw" and mail.body == "已改善叫號流程。"


def test_reopen_a_closed_case_with_a_reason(org, users):
    case, _ = make_case(org.a)
    replied(case, users["supervisor"], users["officer"])
    svc.close_case(case, users["officer"], case.version, CaseOutcome.EXPLAINED)
    db.session.commit()
    _refused(case, ValidationFailed, lambda: svc.reopen_case(case, users["supervisor"], case.version, ""))
    _refused(case, AccessDenied, lambda: svc.reopen_case(case, users["officer"], case.version, "民眾再陳"))
    svc.reopen_case(case, users["supervisor"], case.version, "民眾再陳")
    db.session.commit()
    assert case.state == CaseState.REOPENED and case.outcome is None and case.closed_at is None
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.action == "reopened"))
    assert event.before["state"] == "closed" and event.note == "民眾再陳"


def test_internal_transfer_moves_the_case_to_the_other_unit_for_assignment(org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    other_unit = Unit(office_id=org.a.id, code="REC", name="戶籍資料課")
    db.session.add(other_unit)
    db.session.commit()
    svc.transfer_case(case, users["supervisor"], case.version, "屬資料課業務", unit_id=other_unit.id)
    db.session.commit()
    assert (case.state, case.unit_id, case.assignee_id) == (CaseState.RECEIVED, other_unit.id, None)


def test_transfer_to_another_agency_records_the_agency_and_reason(org, users):
    case, _ = make_case(org.a)
    svc.transfer_case(case, users["monitor"], case.version, "屬地政事務所權責", agency="臺北市松山地政事務所")
    db.session.commit()
    assert case.state == CaseState.TRANSFERRED and case.transferred_to == "臺北市松山地政事務所"
    assert not case.is_open
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.action == "transferred"))
    assert event.note == "屬地政事務所權責"


def test_transfer_needs_exactly_one_destination_and_a_reason(org, users):
    case, _ = make_case(org.a)
    _refused(case, ValidationFailed, lambda: svc.transfer_case(case, users["monitor"], case.version, "x"))
    _refused(
        case,
        ValidationFailed,
        lambda: svc.transfer_case(case, users["monitor"], case.version, "", agency="地政事務所"),
    )
    _refused(
        case,
        ValidationFailed,
        lambda: svc.transfer_case(case, users["monitor"], case.version, "x", unit_id=org.b.units[0].id),
    )


def test_merge_as_duplicate_links_and_keeps_both_cases(org, users):
    keep, _ = make_case(org.a)
    dup, _ = make_case(org.a)
    svc.merge_case(dup, users["supervisor"], dup.version, keep.number)
    db.session.commit()
    assert dup.state == CaseState.MERGED and dup.merged_into_id == keep.id
    assert db.session.get(Case, dup.id) is not None
    link = db.session.scalar(sa.select(CaseLink).where(CaseLink.case_id == dup.id))
    assert (link.related_case_id, link.kind) == (keep.id, "duplicate")
    assert ("merged_here", dup) in svc.related_cases(keep)


def test_merge_refuses_itself_and_cases_of_other_offices(org, users):
    case, _ = make_case(org.a)
    other_office, _ = make_case(org.b)
    _refused(
        case, ValidationFailed, lambda: svc.merge_case(case, users["supervisor"], case.version, case.number)
    )
    _refused(
        case,
        ValidationFailed,
        lambda: svc.merge_case(case, users["supervisor"], case.version, other_office.number),
    )


def test_related_cases_are_linked_both_ways_once(org, users):
    one, _ = make_case(org.a)
    two, _ = make_case(org.a)
    svc.link_cases(one, users["officer"], one.version, two.number)
    db.session.commit()
    assert [c.id for _, c in svc.related_cases(one)] == [two.id]
    assert [c.id for _, c in svc.related_cases(two)] == [one.id]
    _refused(one, ValidationFailed, lambda: svc.link_cases(one, users["officer"], one.version, two.number))


def test_internal_notes_are_kept_apart_from_the_reply(org, users):
    case, _ = make_case(org.a)
    svc.add_note(case, users["officer"], case.version, "民眾情緒激動，已電話安撫。")
    db.session.commit()
    assert [n.body for n in db.session.scalars(sa.select(CaseNote))] == ["民眾情緒激動，已電話安撫。"]
    assert case.reply is None
    _refused(case, ValidationFailed, lambda: svc.add_note(case, users["officer"], case.version, " "))


def test_stale_version_is_a_conflict_and_changes_nothing(org, users):
    case, _ = make_case(org.a)
    seen = case.version
    svc.assign_case(case, users["supervisor"], seen, users["officer"].unit_id, users["officer"].id)
    db.session.commit()
    _refused(
        case,
        Conflict,
        lambda: svc.assign_case(
            case, users["supervisor"], seen, users["officer"].unit_id, users["officer"].id
        ),
    )


def test_two_sessions_saving_the_same_case_the_second_gets_a_conflict(org, users):
    case, _ = make_case(org.a)
    officer_id = users["officer"].id
    with so.Session(db.engine) as first, so.Session(db.engine) as second:
        from feedback_app.models import User

        case_1 = first.get(Case, case.id)
        case_2 = second.get(Case, case.id)
        assert case_1.version == case_2.version
        # Both staff opened the form at the same version; the first saves.
        case_1.unit_id, case_1.assignee_id, case_1.state = (
            first.get(User, officer_id).unit_id,
            officer_id,
            "assigned",
        )
        first.commit()
        # The second saves what they saw: the database refuses the stale row.
        case_2.transferred_to, case_2.state = "別的機關", "transferred"
        with pytest.raises(so.exc.StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "assigned"


def test_service_turns_a_concurrent_save_into_conflict(org, users):
    """The service's own check passed (same version in memory), but another session saved first."""
    case, _ = make_case(org.a)
    with so.Session(db.engine) as other:
        other_case = other.get(Case, case.id)
        other_case.subject = "別人改了主旨"
        other.commit()
    # db.session still holds the case at the old version.
    with pytest.raises(Conflict):
        svc.assign_case(case, users["supervisor"], case.version, users["officer"].unit_id, users["officer"].id)
    db.session.rollback()
    fresh = db.session.get(Case, case.id)
    assert fresh.subject == "別人改了主旨" and fresh.assignee_id is None


def test_extension_within_the_cap_is_decided_by_the_unit_supervisor_and_the_petitioner_is_told(org, users):
    case, _ = make_case(org.a, petitioner_email="citizen@example.tw")
    assigned(case, users["supervisor"], users["officer"])
    old_due = case.due_at
    new_date = _later_working_day(case, 5)
    extension = svc.request_extension(case, users["officer"], case.version, "需會同里長會勘", new_date)
    db.session.commit()
    assert not extension.needs_director and extension.state == "pending"
    assert case.due_at == old_due
    _refused(
        case, AccessDenied, lambda: svc.decide_extension(extension, users["b_supervisor"], case.version, True)
    )
    _refused(
        case, AccessDenied, lambda: svc.decide_extension(extension, users["officer"], case.version, True)
    )
    svc.decide_extension(extension, users["supervisor"], case.version, True, "同意")
    db.session.commit()
    assert case.due_at.astimezone(TAIPEI).date() == new_date
    assert case.due_basis["extension"]["reason"] == "需會同里長會勘"
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "extension"))
    assert (
        mail.recipient == "citizen@example.tw"
        and "需會同里長會勘" in mail.body
        and new_date.isoformat() in mail.body
    )
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.action == "extension_approved"))
    assert event.before["due_at"] == old_due.isoformat()


def _later_working_day(case, working_days_after_due: int) -> date:
    from feedback_app.services.calendar import WorkCalendar

    due = case.due_at.astimezone(TAIPEI).date()
    return WorkCalendar.around(due).add_working_days(due, working_days_after_due)[0]


def test_extension_beyond_thirty_working_days_needs_the_director(org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    far = _later_working_day(case, 30)
    extension = svc.request_extension(case, users["officer"], case.version, "需函詢內政部", far)
    db.session.commit()
    assert extension.needs_director
    _refused(
        case, AccessDenied, lambda: svc.decide_extension(extension, users["supervisor"], case.version, True)
    )
    svc.decide_extension(extension, users["director"], case.version, True)
    db.session.commit()
    assert case.due_at.astimezone(TAIPEI).date() == far


def test_extension_cap_follows_the_configuration(app, org, users):
    app.config["CASE_MAX_WORKING_DAYS"] = 8
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    extension = svc.request_extension(
        case, users["officer"], case.version, "需調閱檔案", _later_working_day(case, 3)
    )
    assert extension.needs_director


def test_extension_request_refusals(org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    due = case.due_at.astimezone(TAIPEI).date()
    for reason, new_date, field in [
        ("", _later_working_day(case, 2), "reason"),
        ("理由", due, "new_date"),
        ("理由", None, "new_date"),
    ]:
        error = _refused(
            case,
            ValidationFailed,
            lambda r=reason, d=new_date: svc.request_extension(case, users["officer"], case.version, r, d),
        )
        assert field in error.details
    _refused(
        case,
        AccessDenied,
        lambda: svc.request_extension(
            case, users["supervisor"], case.version, "理由", _later_working_day(case, 2)
        ),
    )
    svc.request_extension(case, users["officer"], case.version, "理由", _later_working_day(case, 2))
    db.session.commit()
    error = _refused(
        case,
        ValidationFailed,
        lambda: svc.request_extension(
            case, users["officer"], case.version, "再延", _later_working_day(case, 4)
        ),
    )
    assert error.code == "extension_pending"


def test_rejected_extension_keeps_the_due_date_and_cannot_be_decided_twice(org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    due = case.due_at
    extension = svc.request_extension(
        case, users["officer"], case.version, "理由", _later_working_day(case, 2)
    )
    svc.decide_extension(extension, users["supervisor"], case.version, False, "請如期辦理")
    db.session.commit()
    assert extension.state == "rejected" and case.due_at == due
    # The officer who asked finds the refusal and its note on their landing page; the petitioner hears nothing.
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "extension_decided")).all()
    assert [(n.user_id, n.channel, n.body) for n in told] == [(users["officer"].id, "inapp", "請如期辦理")]
    assert told[0].subject == f"展期未獲核准：案件 {case.number}"
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == "extension"))
    _refused(
        case,
        ValidationFailed,
        lambda: svc.decide_extension(extension, users["supervisor"], case.version, True),
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 1


def test_attachments_are_checked_by_content_not_name(org, users):
    case, _ = make_case(org.a)
    pdf = svc.add_attachment(case, users["officer"], case.version, "陳情書.pdf", b"%PDF-1.7\n...")
    png = svc.add_attachment(
        case, users["officer"], case.version, "photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    )
    txt = svc.add_attachment(case, users["officer"], case.version, "memo", "民眾補充說明".encode())
    db.session.commit()
    assert [a.content_type for a in (pdf, png, txt)] == ["application/pdf", "image/png", "text/plain"]
    assert txt.filename.endswith(".txt")
    exe = b"MZ\x90\x00\x03\x00\x00\x00"
    error = _refused(
        case,
        ValidationFailed,
        lambda: svc.add_attachment(case, users["officer"], case.version, "invoice.pdf", exe),
    )
    assert "PDF, PNG, JPEG" in error.details["attachments"] or "PDF、PNG" in error.details["attachments"]
    _refused(
        case, ValidationFailed, lambda: svc.add_attachment(case, users["officer"], case.version, "a.txt", b"")
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 3


def test_attachments_over_the_size_limit_are_refused(app, org, users):
    app.config["CASE_ATTACHMENT_MAX_BYTES"] = 1024
    case, _ = make_case(org.a)
    error = _refused(
        case,
        ValidationFailed,
        lambda: svc.add_attachment(case, users["officer"], case.version, "big.pdf", b"%PDF-" + b"x" * 1024),
    )
    assert "big.pdf" in error.details["attachments"]


def test_acknowledgement_is_queued_with_number_code_and_lookup_url(app, org):
    app.config["PUBLIC_BASE_URL"] = "https://feedback.example.gov.tw"
    case, code = make_case(org.a, channel=CaseChannel.EMAIL, petitioner_email="citizen@example.tw")
    mail = db.session.scalar(sa.select(Notification).where(Notification.key == f"case:{case.id}:ack"))
    assert (
        mail.channel == "email" and mail.recipient == "citizen@example.tw" and mail.kind == "acknowledgement"
    )
    assert (
        case.number in mail.body
        and code in mail.body
        and "https://feedback.example.gov.tw/lookup" in mail.body
    )
    assert svc.check_lookup_code(case, code)
    assert f"查詢碼：{code}" in mail.body


def test_no_acknowledgement_without_an_email(org):
    make_case(org.a, channel=CaseChannel.PHONE, petitioner_phone="0912345678")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_due_date_on_the_official_calendar_skips_lunar_new_year(org, calendar_2025):
    case, _ = make_case(org.a, channel=CaseChannel.HOTLINE_1999, received_at=taipei(2025, 1, 22, 10, 0))
    assert case.due_at.astimezone(TAIPEI).date() == date(2025, 2, 6)
    assert case.due_basis["working_days"] == 6
    assert case.due_basis["calendar_versions"] == {"2025": calendar_2025.id}
    assert {"date": "2025-01-28", "reason": "農曆除夕"} in case.due_basis["skipped"]


def test_make_up_saturday_counts_as_a_working_day(org, calendar_2025, app):
    from feedback_app.models import DueDateRule

    rule = db.session.scalar(sa.select(DueDateRule).where(DueDateRule.channel.is_(None)))
    rule.working_days = 3
    db.session.commit()
    case, _ = make_case(org.a, received_at=taipei(2025, 2, 5, 9, 0))
    assert case.due_at.astimezone(TAIPEI).date() == date(2025, 2, 8)


def test_text_with_nul_characters_is_refused_before_reaching_the_database(org):
    """PostgreSQL cannot store NUL; such input is a clear validation error, not a server error."""
    with pytest.raises(ValidationFailed) as refused:
        svc.open_case(svc.CaseInput(office_id=org.a.id, channel="counter", subject="ok", external_ref="1999-\x00-1"))
    assert set(refused.value.details) == {"external_ref"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_replies_are_mailed_in_office_hours_only(org, users, monkeypatch):
    """A reply recorded on Friday 27 Nov 2026 after closing time waits for Monday 08:30; one recorded on a working
    morning goes at once."""
    friday_evening = taipei(2026, 11, 27, 17, 45)
    set_case_clock(monkeypatch, friday_evening)
    late, _ = make_case(org.a, petitioner_email="late@example.tw")
    replied(late, users["supervisor"], users["officer"])
    monday = taipei(2026, 11, 30, 8, 30)
    wednesday_morning = taipei(2026, 12, 2, 10, 5)
    set_case_clock(monkeypatch, wednesday_morning)
    early, _ = make_case(org.a, petitioner_email="early@example.tw")
    replied(early, users["supervisor"], users["officer"])
    sends = {
        (n.recipient, n.kind): n.next_attempt_at
        for n in db.session.scalars(sa.select(Notification).where(Notification.channel == "email"))
    }
    assert sends == {
        ("late@example.tw", "acknowledgement"): monday,
        ("late@example.tw", "reply"): monday,
        ("early@example.tw", "acknowledgement"): wednesday_morning,
        ("early@example.tw", "reply"): wednesday_morning,
    }


def _rehandling(org, users):
    """A case whose reply was rated 1: a re-handling task for the supervisor of its unit."""
    case, _ = make_case(org.a)
    replied(case, users["supervisor"], users["officer"])
    task = svc.rate_reply(case, 1)
    db.session.commit()
    assert task.assignee_id == users["supervisor"].id
    return case, task


def _task_refused(case, task, error, user, text):
    """Completing the task raises `error` and leaves the task and the case's trail as they were."""
    def state():
        db.session.expire_all()
        fresh = db.session.get(RehandlingTask, task.id)
        return fresh.done_at, fresh.outcome, _events(case)

    before = state()
    with pytest.raises(error) as caught:
        svc.complete_rehandling(user, task.id, text)
    db.session.rollback()
    assert state() == before
    return caught.value


def test_rehandling_task_is_recorded_done_once_with_what_was_done(org, users):
    case, task = _rehandling(org, users)
    sup, director = users["supervisor"], users["director"]
    for text in ("", "   ", None, "太長" * 1001, "含\x00字元"):
        error = _task_refused(case, task, ValidationFailed, sup, text)
        assert "outcome" in error.details
    svc.complete_rehandling(sup, task.id, "  已致電陳情人說明，並調整尖峰時段的櫃檯人力。 ")
    db.session.commit()
    db.session.expire_all()
    done = db.session.get(RehandlingTask, task.id)
    assert done.done_at is not None and done.outcome == "已致電陳情人說明，並調整尖峰時段的櫃檯人力。"
    event = db.session.scalar(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()).limit(1)
    )
    assert (event.action, event.actor_id, event.after, event.note) == (
        "rehandling_done", sup.id, {"task_id": task.id}, done.outcome
    )
    _task_refused(case, task, Conflict, director, "再記一次")


def test_rehandling_task_is_done_by_its_assignee_or_a_supervisor_or_director_of_its_office(org, users):
    case, task = _rehandling(org, users)
    for who in ("officer", "monitor", "b_supervisor", "b_officer", "city_monitor"):
        _task_refused(case, task, AccessDenied, users[who], "已處理")
    svc.complete_rehandling(users["director"], task.id, "所長親自回電說明。")
    db.session.commit()
    assert db.session.get(RehandlingTask, task.id).done_at is not None


def test_two_people_finishing_a_rehandling_task_at_once_the_second_gets_a_conflict(org, users):
    """This session still holds the task as open, but another session recorded it as done first."""
    case, task = _rehandling(org, users)
    assert db.session.get(RehandlingTask, task.id).done_at is None
    with so.Session(db.engine) as other:
        theirs = other.get(RehandlingTask, task.id)
        theirs.done_at, theirs.outcome = taipei(2026, 11, 30, 9, 0), "主管已處理"
        other.commit()
    with pytest.raises(Conflict):
        svc.complete_rehandling(users["director"], task.id, "所長也處理了")
    db.session.rollback()
    assert db.session.get(RehandlingTask, task.id).outcome == "主管已處理"
    assert "rehandling_done" not in _events(case)
