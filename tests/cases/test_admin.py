"""Admin pages for due-date rules and the case category taxonomy."""

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import CaseCategory, CaseChannel, DueDateRule
from feedback_app.services import cases as svc
from tests.conftest import login


def test_admin_sets_a_rule_for_a_channel_and_category_and_new_cases_follow_it(client, org):
    category = db.session.scalar(
        sa.select(CaseCategory).where(
            CaseCategory.code == "registration_rules", CaseCategory.city_id == org.tpe.id
        )
    )
    login(client, "tpe.admin")
    response = client.post(
        "/admin/rules", data={"channel": CaseChannel.LETTER, "category_id": category.id, "working_days": "10"}
    )
    assert response.status_code == 302
    assert svc.rule_for(org.tpe.id, CaseChannel.LETTER, category.id)[0] == 10
    response = client.post(
        "/admin/rules", data={"channel": CaseChannel.LETTER, "category_id": category.id, "working_days": "12"}
    )
    assert svc.rule_for(org.tpe.id, CaseChannel.LETTER, category.id)[0] == 12
    rules = db.session.scalars(sa.select(DueDateRule).where(DueDateRule.category_id == category.id)).all()
    assert len(rules) == 1
    assert "12" in client.get("/admin/rules").get_data(as_text=True)


def test_rule_form_refuses_bad_days_and_the_general_rule_stays(client, org):
    login(client, "tpe.admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(DueDateRule))
    assert client.post("/admin/rules", data={"channel": "", "working_days": "0"}).status_code == 400
    assert client.post("/admin/rules", data={"channel": "", "working_days": "x"}).status_code == 400
    general = db.session.scalar(
        sa.select(DueDateRule).where(
            DueDateRule.city_id == org.tpe.id,
            DueDateRule.channel.is_(None),
            DueDateRule.category_id.is_(None),
        )
    )
    client.post(f"/admin/rules/{general.id}/delete")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DueDateRule)) == before


def test_admin_removes_a_specific_rule(client, org):
    rule = db.session.scalar(
        sa.select(DueDateRule).where(
            DueDateRule.city_id == org.tpe.id, DueDateRule.channel == CaseChannel.HOTLINE_1999
        )
    )
    rule_id = rule.id
    login(client, "tpe.admin")
    assert client.post(f"/admin/rules/{rule_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(DueDateRule.id).where(DueDateRule.id == rule_id)) is None


def test_admin_adds_renames_and_retires_a_category(client, org):
    login(client, "tpe.admin")
    response = client.post(
        "/admin/categories",
        data={"code": "parking", "name_zh": "停車問題", "name_en": "Parking", "position": "9", "active": "y"},
    )
    assert response.status_code == 302
    category = db.session.scalar(sa.select(CaseCategory).where(CaseCategory.code == "parking"))
    assert category.names == {"zh_TW": "停車問題", "en": "Parking"} and category.active
    client.post(
        f"/admin/categories/{category.id}", data={"code": "parking", "name_zh": "停車場", "position": "9"}
    )
    db.session.expire_all()
    category = db.session.get(CaseCategory, category.id)
    assert category.names == {"zh_TW": "停車場"} and not category.active


def test_category_form_refuses_a_duplicate_code_and_a_bad_code(client, org):
    login(client, "tpe.admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CaseCategory))
    assert client.post("/admin/categories", data={"code": "other", "name_zh": "重複"}).status_code == 400
    assert client.post("/admin/categories", data={"code": "壞代碼", "name_zh": "壞"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseCategory)) == before


def test_other_cities_categories_cannot_be_edited(client, org):
    theirs = db.session.scalar(sa.select(CaseCategory).where(CaseCategory.city_id == org.ntp.id))
    login(client, "tpe.admin")
    assert client.get(f"/admin/categories/{theirs.id}").status_code == 404


@pytest.mark.parametrize(
    "username",
    ["aa.officer", "aa.supervisor", "aa.monitor", "aa.director", "aa.admin", "tpe.director", "tpe.monitor"],
)
def test_only_a_city_wide_admin_edits_rules_and_categories(client, org, username):
    login(client, username)
    for path in ("/admin/rules", "/admin/categories", "/admin/reply-templates"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"working_days": "3", "code": "zz", "name_zh": "z"}).status_code == 403


def test_reply_template_of_a_category_is_offered_on_its_cases(client, org, users):
    from .factories import assigned, make_case

    waiting = db.session.scalar(sa.select(CaseCategory).where(CaseCategory.code == "waiting_time",
                                                              CaseCategory.city_id == org.tpe.id))
    facilities = db.session.scalar(sa.select(CaseCategory).where(CaseCategory.code == "facilities",
                                                                 CaseCategory.city_id == org.tpe.id))
    login(client, "tpe.admin")
    assert client.post("/admin/reply-templates", data={"category_id": waiting.id, "title": "",
                                                       "body": "x"}).status_code == 400
    response = client.post("/admin/reply-templates", data={"category_id": waiting.id, "title": "增開櫃檯",
                                                           "body": "本所已於尖峰時段增開櫃檯。"})
    assert response.status_code == 302
    on_topic, _ = make_case(org.a, category_id=waiting.id)
    off_topic, _ = make_case(org.a, category_id=facilities.id)
    assert [t.title for t in svc.templates_for(on_topic)] == ["增開櫃檯"]
    assert svc.templates_for(off_topic) == []
    assigned(on_topic, users["supervisor"], users["officer"])
    client.post("/logout")
    login(client, "aa.officer")
    assert "本所已於尖峰時段增開櫃檯。" in client.get(f"/cases/{on_topic.number}").get_data(as_text=True)
