"""The phone test and improvement action pages, as staff use them: forms with CSRF, clear refusals."""

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ImprovementAction, PhoneFollowup, PhoneTest, utcnow
from feedback_app.services.calendar import TAIPEI
from tests.analytics.factories import make_rating
from tests.conftest import IsolatedClient, login

from .factories import ALL_PASS


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def _call_form(org, **fields) -> dict:
    called = (utcnow() - timedelta(hours=2)).astimezone(TAIPEI)
    form = {"unit_id": str(org.a.units[0].id), "called_at": called.strftime("%Y-%m-%dT%H:%M"),
            "extension": "215", "tester": "林研考", "note": "未報課室名稱"} | ALL_PASS
    return form | fields


def test_a_monitor_records_a_failed_call_with_csrf_and_sees_the_follow_up(make_app, org):
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    client = app.test_client()
    login_token = _token(client, "/login")
    client.post("/login", data={"username": "tpe.monitor", "password": "correct-horse-battery",
                                "csrf_token": login_token})
    token = _token(client, "/phone-tests/new")
    refused = client.post("/phone-tests/new", data=_call_form(org, greeting="fail"))
    assert refused.status_code == 400  # no token
    response = client.post("/phone-tests/new", data=_call_form(org, greeting="fail", csrf_token=token))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未通過" in page and "問候並報單位姓名" in page and "不合格" in page
    with app.app_context():
        task = db.session.scalar(sa.select(PhoneFollowup))
        assert task.assignee_id == org.users[("AA", "supervisor")].id
        assert task.due_date.isoformat() in page


def test_a_call_with_an_item_left_unscored_is_refused_beside_the_item(client, org):
    login(client, "tpe.monitor")
    form = _call_form(org)
    del form["attitude"]
    response = client.post("/phone-tests/new", data=form | {"extension": "分機5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "電話禮貌測試未登錄，資料未變更。" in page
    assert "請評定合格或不合格。" in page and "分機為 1 至 6 位數字。" in page
    assert _count(PhoneTest) == 0


def test_officers_and_supervisors_cannot_record_tests_and_officers_cannot_see_them(app, client, org):
    login(client, "aa.supervisor")
    assert client.get("/phone-tests/new").status_code == 403
    assert client.get("/phone-tests/").status_code == 200
    client = app.test_client()
    login(client, "aa.officer")
    assert client.get("/phone-tests/").status_code == 403
    assert client.get("/improvements/").status_code == 403


def test_the_plan_page_sets_a_quarter_and_the_list_shows_progress(client, org):
    login(client, "tpe.monitor")
    quarter = f"{utcnow().astimezone(TAIPEI).year - 1911}年第{(utcnow().astimezone(TAIPEI).month - 1) // 3 + 1}季"
    bad = client.post("/phone-tests/plan", data={"unit_id": org.a.units[0].id, "period": "115年10月", "planned": 3})
    assert bad.status_code == 400 and "測試計畫以季為單位。" in bad.get_data(as_text=True)
    response = client.post("/phone-tests/plan", data={"unit_id": org.a.units[0].id, "period": quarter, "planned": 3})
    assert response.status_code == 302
    client.post("/phone-tests/new", data=_call_form(org))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "各課室電話禮貌測試計畫與結果" in page
    assert re.search(r"<td>3</td><td>1</td><td>33%</td>", page)


def _action_form(org, **fields) -> dict:
    today = utcnow().astimezone(TAIPEI).date()
    return {"office_id": org.a.id, "problem": "民眾反映等候時間過長", "target": "reason:wait_long",
            "measure": "尖峰時段加開櫃檯", "owner_id": org.users[("AA", "supervisor")].id,
            "due_date": (today + timedelta(days=30)).isoformat(), "state": "planned"} | fields


def test_an_action_is_refused_with_clear_errors_and_nothing_saved(client, org):
    login(client, "aa.director")
    yesterday = (utcnow().astimezone(TAIPEI).date() - timedelta(days=1)).isoformat()
    for fields, message in (
        ({"state": "dropped"}, "請說明撤銷原因。"),
        ({"due_date": yesterday}, "期限不可早於今日。"),
        ({"target": "reason:nope"}, "本機關沒有這個不滿意原因。"),
        ({"target": "counter:99999"}, "本機關沒有這個櫃檯。"),
    ):
        response = client.post("/improvements/new", data=_action_form(org, **fields))
        page = response.get_data(as_text=True)
        assert response.status_code == 400, fields
        assert message in page and "改善措施未儲存，資料未變更。" in page, fields
    assert _count(ImprovementAction) == 0


def test_an_action_is_added_edited_to_done_and_shows_before_and_after(client, org):
    login(client, "aa.director")
    response = client.post("/improvements/new", data=_action_form(org))
    assert response.status_code == 302
    action = db.session.scalar(sa.select(ImprovementAction))
    edit = client.get(f"/improvements/{action.id}/edit").get_data(as_text=True)
    assert '<option selected value="reason:wait_long">' in edit
    client.post(f"/improvements/{action.id}/edit", data=_action_form(org, state="done"))
    db.session.expire_all()
    action = db.session.get(ImprovementAction, action.id)
    # Done 20 days ago: 20-day windows on each side.
    action.done_at = utcnow() - timedelta(days=20)
    done_on = action.done_at.astimezone(TAIPEI).date()
    for offset, score in ((-5, 2), (-4, 5), (3, 5), (4, 5)):
        day = done_on + timedelta(days=offset)
        make_rating(org.a, datetime(day.year, day.month, day.day, 11, tzinfo=TAIPEI), score)
    db.session.commit()
    page = client.get(f"/improvements/{action.id}").get_data(as_text=True)
    assert "改善前後比較" in page
    assert "完成日前 20 日" in page
    assert "50.0%" in page and "100.0%" in page and "樣本不足" in page


def test_the_quarterly_review_lists_top_reasons_beside_actions(client, org):
    login(client, "aa.director")
    client.post("/improvements/new", data=_action_form(org))
    now = utcnow()
    for i in range(3):
        make_rating(org.a, now - timedelta(minutes=5 + i), 2, reasons=["wait_long"])
    make_rating(org.a, now - timedelta(minutes=9), 2, reasons=["facilities"])
    db.session.commit()
    page = client.get("/improvements/review").get_data(as_text=True)
    assert "主要不滿意原因" in page
    waiting = page.index("等候太久")
    assert page.index("尖峰時段加開櫃檯") > waiting
    assert "尚無改善措施" in page[page.index("環境設施"):]


def test_the_landing_page_links_both_areas_for_managers(client, org):
    login(client, "aa.supervisor")
    page = client.get("/").get_data(as_text=True)
    assert "/phone-tests/" in page and "/improvements/" in page
    assert date.today()  # the page renders for a supervisor of an office


def test_an_empty_call_form_names_every_missing_field_at_once(client, org):
    login(client, "tpe.monitor")
    response = client.post("/phone-tests/new", data={"unit_id": "", "called_at": "", "tester": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("請選擇您所屬機關的課室。", "請填寫測試日期與時間。", "請填寫測試人員。", "請評定合格或不合格。",
                    "請評定合格、不合格或不適用。"):
        assert message in page, message
    assert _count(PhoneTest) == 0


def test_an_empty_action_form_names_every_missing_field_at_once(client, org):
    login(client, "aa.director")
    response = client.post("/improvements/new", data={"office_id": org.a.id, "state": "planned"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("此欄位必填。", "請將問題連結至不滿意原因", "請選擇本機關在職同仁為負責人。", "請填寫期限。"):
        assert message in page, message
    assert _count(ImprovementAction) == 0
