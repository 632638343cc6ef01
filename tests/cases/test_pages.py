"""Staff case pages: intake form, detail page, action forms, validation errors and office scoping."""

import io

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import (
    Attachment,
    Case,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    Notification,
    RehandlingTask,
    ReplyTemplate,
)
from tests.conftest import login

from .factories import assigned, make_case, replied


def _case(number) -> Case:
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def test_an_officer_logs_a_back_dated_1999_case_with_an_attachment(client, org):
    login(client, "aa.officer")
    category = db.session.scalar(sa.select(CaseCategory).where(CaseCategory.code == "waiting_time"))
    response = client.post(
        "/cases/new",
        data={
            "channel": CaseChannel.HOTLINE_1999,
            "category_id": str(category.id),
            "subject": "等候時間過長",
            "description": "1999 派工",
            "received_at": "2025-01-22T10:00",
            "external_ref": "1999-12345678",
            "petitioner_name": "王小明",
            "petitioner_phone": "0912345678",
            "attachments": [(io.BytesIO(b"%PDF-1.4 dispatch"), "派工單.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalar(sa.select(Case))
    assert case.office_id == org.a.id and case.external_ref == "1999-12345678"
    assert case.number.startswith("AA-1140122-")
    assert case.received_at.isoformat() == "2025-01-22T02:00:00+00:00"
    assert [a.filename for a in db.session.scalars(sa.select(Attachment))] == ["派工單.pdf"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lookup code" in page or "查詢碼" in page
    assert "1999-12345678" in page


def test_intake_form_shows_field_errors_and_creates_nothing(client, org):
    login(client, "aa.officer")
    response = client.post("/cases/new", data={"channel": CaseChannel.EMAIL, "subject": ""})
    assert response.status_code == 400
    response = client.post("/cases/new", data={"channel": CaseChannel.EMAIL, "subject": "網站問題"})
    assert response.status_code == 400
    assert "field-error" in response.get_data(as_text=True)
    response = client.post(
        "/cases/new",
        data={
            "channel": CaseChannel.COUNTER,
            "subject": "x",
            "attachments": [(io.BytesIO(b"MZ\x90\x00"), "a.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_detail_page_shows_due_date_basis_trail_and_masked_petitioner(client, org, users):
    case, _ = make_case(org.a, petitioner_name="王小明", petitioner_phone="0912345678")
    login(client, "aa.director")
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "王○明" in page and "0912-***-678" in page and "王小明" not in page
    assert "calendar_versions" not in page and case.due_basis["due_date"] in page
    assert 'data-action="created"' in page


def test_handler_sees_the_petitioner_in_full(client, org, users):
    case, _ = make_case(org.a, petitioner_name="王小明")
    assigned(case, users["supervisor"], users["officer"])
    login(client, "aa.officer")
    assert "王小明" in client.get(f"/cases/{case.number}").get_data(as_text=True)


def test_action_forms_assign_reply_with_template_and_close(client, org, users):
    case, _ = make_case(org.a)
    db.session.add(
        ReplyTemplate(city_id=org.tpe.id, title="等候時間說明", body="感謝您的意見，本所已增開櫃檯。")
    )
    db.session.commit()
    login(client, "aa.supervisor")
    response = client.post(
        f"/cases/{case.number}/assign",
        data={
            "assign-version": case.version,
            "assign-unit_id": users["officer"].unit_id,
            "assign-assignee_id": users["officer"].id,
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    login(client, "aa.officer")
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "等候時間說明" in page and "感謝您的意見，本所已增開櫃檯。" in page
    case = _case(case.number)
    assert client.post(f"/cases/{case.number}/start", data={"start-version": case.version}).status_code == 302
    case = _case(case.number)
    response = client.post(
        f"/cases/{case.number}/reply",
        data={"reply-version": case.version, "reply-reply": "感謝您的意見，本所已增開櫃檯。"},
    )
    assert response.status_code == 302
    case = _case(case.number)
    response = client.post(
        f"/cases/{case.number}/close", data={"close-version": case.version, "close-outcome": "resolved"}
    )
    assert response.status_code == 302
    assert _case(case.number).state == "closed"


def test_a_stale_form_gets_a_conflict_page_and_changes_nothing(client, org, users):
    case, _ = make_case(org.a)
    stale = case.version
    login(client, "aa.supervisor")
    reopen = {"transfer-version": stale, "transfer-agency": "臺北市政府工務局", "transfer-reason": "非本所業務"}
    assert client.post(f"/cases/{case.number}/transfer", data=reopen).status_code == 302
    response = client.post(f"/cases/{case.number}/transfer", data={**reopen, "transfer-agency": "環保局"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "他人已變更本案" in text
    assert _case(case.number).transferred_to == "臺北市政府工務局"


def test_invalid_transition_from_a_form_is_a_clear_400(client, org, users):
    case, _ = make_case(org.a)
    login(client, "aa.supervisor")
    response = client.post(
        f"/cases/{case.number}/close", data={"close-version": case.version, "close-outcome": "resolved"}
    )
    assert response.status_code == 400
    assert _case(case.number).state == "received"


def test_extension_form_refuses_an_earlier_date_next_to_the_field(client, org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    login(client, "aa.officer")
    response = client.post(
        f"/cases/{case.number}/extension",
        data={
            "extension-version": case.version,
            "extension-new_date": "2020-01-02",
            "extension-reason": "需會勘",
        },
    )
    assert response.status_code == 400
    assert "field-error" in response.get_data(as_text=True)
    assert _case(case.number).extensions == []


def test_unknown_action_is_404(client, org):
    case, _ = make_case(org.a)
    login(client, "aa.officer")
    assert client.post(f"/cases/{case.number}/delete", data={}).status_code == 404


def test_attachment_download_is_scoped(client, org, users):
    case, _ = make_case(org.a)
    from feedback_app.services import cases as svc

    attachment = svc.add_attachment(case, users["officer"], case.version, "memo.txt", "說明".encode())
    db.session.commit()
    login(client, "aa.officer")
    response = client.get(f"/cases/{case.number}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == "說明".encode()
    assert "attachment" in response.headers["Content-Disposition"]
    client.post("/logout")
    login(client, "bb.officer")
    assert client.get(f"/cases/{case.number}/attachments/{attachment.id}").status_code == 403


@pytest.mark.parametrize(
    "username", ["bb.officer", "bb.supervisor", "bb.monitor", "bb.director", "bb.admin", "cc.officer"]
)
def test_staff_of_another_office_get_403_for_every_case_page_and_action(client, org, users, username):
    case, _ = make_case(org.a)
    login(client, username)
    assert client.get(f"/cases/{case.number}").status_code == 403
    for action in (
        "assign",
        "start",
        "note",
        "reply",
        "extension",
        "decide",
        "close",
        "reopen",
        "transfer",
        "merge",
        "link",
        "attach",
    ):
        assert (
            client.post(
                f"/cases/{case.number}/{action}", data={f"{action}-version": case.version}
            ).status_code
            == 403
        ), action
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 1


@pytest.mark.parametrize(
    "username",
    [
        "aa.officer",
        "aa.supervisor",
        "aa.monitor",
        "aa.director",
        "aa.admin",
        "tpe.monitor",
        "tpe.director",
        "tpe.admin",
    ],
)
def test_staff_of_the_office_and_city_wide_staff_read_the_case(client, org, username):
    case, _ = make_case(org.a)
    login(client, username)
    assert client.get(f"/cases/{case.number}").status_code == 200


def test_case_pages_need_sign_in(client, org):
    case, _ = make_case(org.a)
    assert client.get(f"/cases/{case.number}").status_code == 302
    assert client.get("/cases/new").status_code == 302


def test_extensions_page_lists_pending_requests_for_the_unit_supervisor_and_the_director(client, org, users):
    from feedback_app.services import cases as svc

    from .test_services import _later_working_day

    near, _ = make_case(org.a, subject="近期展期")
    far, _ = make_case(org.a, subject="超過上限")
    for case, days in ((near, 3), (far, 30)):
        assigned(case, users["supervisor"], users["officer"])
        svc.request_extension(case, users["officer"], case.version, "需會勘", _later_working_day(case, days))
    db.session.commit()
    login(client, "aa.supervisor")
    page = client.get("/cases/extensions").get_data(as_text=True)
    assert near.number in page and far.number not in page
    client.post("/logout")
    login(client, "aa.director")
    page = client.get("/cases/extensions").get_data(as_text=True)
    assert near.number in page and far.number in page
    extension = far.extensions[0]
    response = client.post(
        f"/cases/{far.number}/decide",
        data={
            "decide-version": far.version,
            "decide-extension_id": extension.id,
            "decide-decision": "approve",
        },
    )
    assert response.status_code == 302
    assert _case(far.number).extensions[0].state == "approved"
    client.post("/logout")
    login(client, "bb.supervisor")
    assert near.number not in client.get("/cases/extensions").get_data(as_text=True)
    client.post("/logout")
    login(client, "aa.officer")
    assert client.get("/cases/extensions").status_code == 403


def test_forms_carry_a_csrf_token_and_refuse_a_post_without_it(make_app, org):
    from feedback_app.extensions import db as _db

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        case = _db.session.scalar(sa.select(Case))
        assert case is None
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post(
            "/login",
            data={"username": "aa.officer", "password": "correct-horse-battery", "csrf_token": token},
        )
        form = client.get("/cases/new").get_data(as_text=True)
        assert 'name="csrf_token"' in form
        response = client.post("/cases/new", data={"channel": "counter", "subject": "沒有權杖"})
        assert response.status_code == 400
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_acknowledgement_is_written_in_chinese_even_from_an_english_screen(client, org):
    login(client, "aa.officer")
    response = client.post(
        "/cases/new",
        data={"channel": CaseChannel.EMAIL, "subject": "網站無法登入",
              "petitioner_email": "citizen@example.tw"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "acknowledgement"))
    assert "案號：" in mail.body and "查詢碼：" in mail.body


def _low_rated(org, users) -> tuple[Case, RehandlingTask]:
    from feedback_app.services import cases as svc

    case, _ = make_case(org.a)
    replied(case, users["supervisor"], users["officer"])
    task = svc.rate_reply(case, 2)
    db.session.commit()
    return case, task


def _task(task_id) -> RehandlingTask:
    db.session.expire_all()
    return db.session.get(RehandlingTask, task_id)


def test_the_supervisor_records_a_rehandling_task_as_done_on_the_case_page(client, org, users):
    case, task = _low_rated(org, users)
    url, field = f"/cases/{case.number}/rehandling/{task.id}", f"rehandling-{task.id}-outcome"
    login(client, "aa.officer")
    assert field not in client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert client.post(url, data={field: "我來結"}).status_code == 403
    client.post("/logout")
    login(client, "bb.supervisor")
    assert client.post(url, data={field: "別所代結"}).status_code == 403
    client.post("/logout")
    login(client, "aa.supervisor")
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert f'<label for="{field}">處理情形</label>' in page and "登錄完成" in page
    response = client.post(url, data={field: "  "})
    assert response.status_code == 400 and _task(task.id).done_at is None
    response = client.post(url, data={field: "已回電說明並加開尖峰櫃檯。"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.number}")
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "已登錄重新檢討任務完成。" in page and "已完成: 已回電說明並加開尖峰櫃檯。" in page
    assert "重新檢討任務完成" in page and field not in page
    assert _task(task.id).outcome == "已回電說明並加開尖峰櫃檯。"
    assert client.post(url, data={field: "再登錄一次"}).status_code == 409
    assert _task(task.id).outcome == "已回電說明並加開尖峰櫃檯。"


def test_the_rehandling_form_carries_a_csrf_token_and_refuses_a_post_without_it(make_app, org, users):
    import re

    from tests.factories import PASSWORD

    case, task = _low_rated(org, users)
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"username": "aa.supervisor", "password": PASSWORD, "csrf_token": token})
        page = client.get(f"/cases/{case.number}").get_data(as_text=True)
        prefix = f"rehandling-{task.id}"
        form_token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page)
        assert form_token is not None
        url, data = f"/cases/{case.number}/rehandling/{task.id}", {f"{prefix}-outcome": "已回電說明。"}
        assert client.post(url, data=data).status_code == 400
        assert _task(task.id).done_at is None
        assert client.post(url, data={**data, f"{prefix}-csrf_token": form_token.group(1)}).status_code == 302
        assert _task(task.id).done_at is not None
