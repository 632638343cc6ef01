"""Questionnaires per service: made, published, assigned to counters and one-time links, asked by the kiosk
and the QR survey, and counted apart on the dashboard by service."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import CounterQuestionnaire, Questionnaire, QuestionnaireVersion, Rating, utcnow
from feedback_app.services import analytics, qr, service_questionnaires
from feedback_app.services.errors import AccessDenied, ValidationFailed
from feedback_app.services.stats import Period
from tests.conftest import login

from .factories import bearer, rating
from .service_builders import assign, published_for_service, stored


def test_a_questionnaire_for_a_service_starts_as_a_draft_of_the_citys_questionnaire_of_its_kind(org):
    admin = org.users[("TPE", "admin")]
    service = service_questionnaires.create_service(admin, code="military", names={"zh_TW": "役政", "en": "Military"})
    draft = service_questionnaires.create_questionnaire(
        admin, code="kiosk_military", kind="kiosk", names={"zh_TW": "役政評分"}, service_id=service.id
    )
    db.session.commit()
    assert draft.version == 1 and draft.published_at is None
    assert [q.code for q in draft.questions] == ["overall", "reasons"]
    assert draft.questionnaire.service.names == {"zh_TW": "役政", "en": "Military"}


def test_only_a_city_admin_makes_services_and_questionnaires_and_bad_input_changes_nothing(org):
    with pytest.raises(AccessDenied):
        service_questionnaires.create_service(org.users[("AA", "admin")], code="x", names={"zh_TW": "x"})
    admin = org.users[("TPE", "admin")]
    with pytest.raises(ValidationFailed) as refused:
        service_questionnaires.create_service(admin, code="Bad Code", names={"en": "no Chinese"})
    assert set(refused.value.details) == {"code", "name_zh_TW"}
    with pytest.raises(ValidationFailed) as refused:
        service_questionnaires.create_questionnaire(
            admin, code="kiosk", kind="staff", names={"zh_TW": "x"}, service_id=None
        )
    assert set(refused.value.details) == {"code", "kind", "service"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire)) == 8  # 4 per city, as shipped


def test_the_kiosk_of_an_assigned_counter_gets_and_rates_the_service_questionnaire(client, org, kiosk):
    _device_id, token, counter = kiosk
    questionnaire, version = published_for_service(org)
    before = client.get("/kiosk/config", headers=bearer(token))
    assert before.json["questionnaire"] == "kiosk"
    assign(org, counter, kiosk=questionnaire)
    config = client.get("/kiosk/config", headers={**bearer(token), "If-None-Match": before.headers["ETag"]})
    assert config.status_code == 200  # the new assignment is a new ETag: the polling kiosk takes it up
    assert config.json["questionnaire"] == "kiosk_registration"
    assert config.json["version"] == 1
    assert config.json["overall"]["texts"]["zh_TW"] == "您對今天辦理戶籍登記的服務滿意嗎？"
    sent = rating(4, version=1)
    answer = client.post(
        "/api/v1/ratings", json={"ratings": [sent], "questionnaire": "kiosk_registration"}, headers=bearer(token)
    )
    assert answer.json["stored"] == 1
    assert stored(sent["uuid"]).questionnaire_version_id == version.id
    # Another counter of the office still asks the city's kiosk questionnaire.
    other = org.a.counters[1]
    assert service_questionnaires.kiosk_code(other) == "kiosk"


def test_ratings_queued_before_an_assignment_changed_are_read_against_the_questionnaire_they_were_given_on(
    client, org, kiosk
):
    _device_id, token, counter = kiosk
    questionnaire, version = published_for_service(org)
    assign(org, counter, kiosk=questionnaire)
    shipped = db.session.scalar(
        sa.select(QuestionnaireVersion).join(Questionnaire).where(
            Questionnaire.city_id == org.tpe.id, Questionnaire.code == "kiosk"
        )
    )
    old, new, unnamed = rating(5, version=1, seconds_ago=900), rating(3, version=1), rating(2, seconds_ago=300)
    client.post("/api/v1/ratings", json={"ratings": [old], "questionnaire": "kiosk"}, headers=bearer(token))
    client.post("/api/v1/ratings", json={"ratings": [new], "questionnaire": "kiosk_registration"},
                headers=bearer(token))
    # A kiosk that names no questionnaire (or one that is not a kiosk questionnaire) answers the assigned one.
    client.post("/api/v1/ratings", json={"ratings": [unnamed], "questionnaire": "staff"}, headers=bearer(token))
    assert stored(old["uuid"]).questionnaire_version_id == shipped.id
    assert stored(new["uuid"]).questionnaire_version_id == version.id
    assert stored(unnamed["uuid"]).questionnaire_version_id == version.id


def test_an_assignment_takes_only_a_published_questionnaire_of_the_slots_kind_within_the_admins_offices(org):
    kiosk_q, _ = published_for_service(org)
    survey_q, _ = published_for_service(org, code="survey_registration", kind="counter")
    counter = org.a.counters[0]
    admin_a, admin_b = org.users[("AA", "admin")], org.users[("BB", "admin")]
    for kiosk_id, qr_id in ((survey_q.id, None), (None, kiosk_q.id), (999999, None)):
        with pytest.raises(ValidationFailed):
            service_questionnaires.assign(admin_a, counter.id, kiosk_questionnaire_id=kiosk_id,
                                          qr_questionnaire_id=qr_id)
        db.session.rollback()
    with pytest.raises(AccessDenied):
        service_questionnaires.assign(admin_b, counter.id, kiosk_questionnaire_id=kiosk_q.id)
    db.session.rollback()
    assert db.session.scalars(sa.select(CounterQuestionnaire)).all() == []
    # An office admin sets up their own office's counters.
    service_questionnaires.assign(admin_a, counter.id, kiosk_questionnaire_id=kiosk_q.id,
                                  qr_questionnaire_id=survey_q.id)
    db.session.commit()
    row = db.session.get(CounterQuestionnaire, counter.id)
    assert (row.kiosk_questionnaire_id, row.qr_questionnaire_id) == (kiosk_q.id, survey_q.id)


def test_a_one_time_link_minted_for_a_service_asks_and_stores_that_service_questionnaire(client, org):
    survey_q, version = published_for_service(
        org, code="survey_registration", kind="counter", overall="整體而言，您對戶籍登記服務滿意嗎？"
    )
    counter = org.a.counters[0]
    record, token = qr.mint_onetime(counter, questionnaire_id=survey_q.id)
    plain_record, plain_token = qr.mint_onetime(counter)
    db.session.commit()
    assert record.questionnaire_id == survey_q.id and plain_record.questionnaire_id is None
    assert "整體而言，您對戶籍登記服務滿意嗎？" in client.get(f"/s/{token}").get_data(as_text=True)
    assert "整體而言，您對戶籍登記服務滿意嗎？" not in client.get(f"/s/{plain_token}").get_data(as_text=True)
    sent = rating(5, attitude=5)
    sent["answers"] = {"attitude": 5, "competence": 5, "waiting": 4, "environment": 4, "overall": 5}
    answer = client.post("/api/v1/ratings", json={**sent, "survey_token": token})
    assert answer.status_code == 200, answer.json
    assert stored(sent["uuid"]).questionnaire_version_id == version.id
    # A questionnaire made for no service, or a kiosk one, is not offered for a one-time link.
    kiosk_q, _ = published_for_service(org)
    with pytest.raises(ValidationFailed):
        qr.mint_onetime(counter, questionnaire_id=kiosk_q.id)


def test_the_dashboard_filtered_by_service_counts_the_ratings_of_that_services_questionnaires(client, org, kiosk):
    _device_id, token, counter = kiosk
    registration, _ = published_for_service(org)
    military, _ = published_for_service(
        org, service_code="military", service_name="役政", code="kiosk_military", overall="役政服務滿意嗎？"
    )
    assign(org, counter, kiosk=registration)
    assign(org, org.a.counters[1], kiosk=military)
    from .factories import paired_kiosk

    _other_id, other_token = paired_kiosk(org.a.counters[1])
    _plain_id, plain_token = paired_kiosk(org.b.counters[0])
    sends = [(token, "kiosk_registration", [5, 4, 2]), (other_token, "kiosk_military", [5, 1]),
             (plain_token, "kiosk", [4, 4, 4, 4])]
    for device_token, code, scores in sends:
        items = [rating(s, seconds_ago=3000 - 60 * i) for i, s in enumerate(scores)]
        assert client.post("/api/v1/ratings", json={"ratings": items, "questionnaire": code},
                           headers=bearer(device_token)).json["stored"] == len(scores)
    admin = org.users[("TPE", "admin")]
    scope = analytics.scope_for(admin)
    period = Period.containing(utcnow() - timedelta(seconds=3000))

    def counted(**selection):
        board = analytics.dashboard(scope, period, analytics.Selection(channel="kiosk", **selection))
        return board.lines[0].current.n, board.lines[0].current.satisfied

    assert counted() == (9, 7)
    assert counted(service_id=registration.service_id) == (3, 2)
    assert counted(service_id=military.service_id) == (2, 1)
    login(client, "tpe.admin")
    page = client.get(f"/analytics/?service={military.service_id}&channel=kiosk")
    assert page.status_code == 200
    assert f'<option value="{military.service_id}" selected>役政</option>' in page.get_data(as_text=True)


def test_the_admin_pages_make_a_questionnaire_for_a_service_and_assign_it_to_a_counter(client, org):
    login(client, "tpe.admin")
    assert client.post("/questionnaires/services", data={"code": "registration", "name_zh_TW": "戶籍登記",
                                                         "name_en": "Registration"}).status_code == 302
    service = service_questionnaires.services_for(org.tpe.id)[0]
    made = client.post("/questionnaires/for-service", data={
        "service_id": service.id, "kind": "kiosk", "q_code": "kiosk_registration", "q_name_zh_TW": "戶籍登記評分"})
    assert made.status_code == 302 and "/questionnaires/versions/" in made.headers["Location"]
    draft_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/questionnaires/versions/{draft_id}/publish").status_code == 302
    page = client.get("/questionnaires/counters")
    assert "戶籍登記 — 戶籍登記評分" in page.get_data(as_text=True)
    questionnaire = db.session.get(QuestionnaireVersion, draft_id).questionnaire
    counter = org.a.counters[0]
    saved = client.post("/questionnaires/counters", data={f"kiosk_{counter.id}": questionnaire.id,
                                                          f"qr_{counter.id}": ""})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(CounterQuestionnaire, counter.id).kiosk_questionnaire_id == questionnaire.id
    # A refused choice changes nothing and says why.
    refused = client.post("/questionnaires/counters", data={f"kiosk_{counter.id}": "", f"qr_{counter.id}":
                                                            questionnaire.id})
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(CounterQuestionnaire, counter.id).kiosk_questionnaire_id == questionnaire.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0
