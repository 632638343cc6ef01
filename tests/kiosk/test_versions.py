"""Questionnaire versions at the kiosk and the QR survey: each renders its counter's published version, a new one
is taken up between citizens, and every rating is stored against the version it was made with; none is refused
because the version changed."""

import json
import re

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import QuestionnaireVersion, Rating, utcnow
from feedback_app.services import devices, qr, questionnaires
from feedback_app.services.ratings import published_versions

from .factories import bearer, publish_version, rating
from .test_qr import ANSWERS, _rid

URL = "/api/v1/ratings"


def _version_of(uuid: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(QuestionnaireVersion.version)
        .join(Rating, Rating.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Rating.uuid == uuid)
    )


def _reason_codes(config: dict) -> list[str]:
    return [option["code"] for option in config["reasons"]["options"]]


def test_kiosk_config_answers_304_until_a_new_version_is_published(client, kiosk, org):
    _, token, _ = kiosk
    first = client.get("/kiosk/config", headers=bearer(token))
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.json["version"] == 1 and "other" in _reason_codes(first.json)
    same = client.get("/kiosk/config", headers={**bearer(token), "If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304 and not same.data
    publish_version(org, add=("parking", "停車不便"))
    fresh = client.get("/kiosk/config", headers={**bearer(token), "If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != first.headers["ETag"]
    assert fresh.json["version"] == 2
    assert "parking" in _reason_codes(fresh.json) and "other" not in _reason_codes(fresh.json)


def test_pairing_hands_the_kiosk_its_counters_published_version(client, org):
    publish_version(org, add=("parking", "停車不便"))
    _, code = devices.register_device(org.a.counters[0])
    db.session.commit()
    html = client.post(f"/kiosk/pair/{code}").get_data(as_text=True)
    config = json.loads(re.search(r"data-config='([^']*)'", html).group(1).replace("&#34;", '"'))
    assert config["version"] == 2 and "parking" in _reason_codes(config)


def test_a_rating_made_with_an_older_version_is_stored_against_it(client, kiosk, org):
    _, token, _ = kiosk
    publish_version(org, add=("parking", "停車不便"))
    old = rating(1, version=1, reasons=["other"])
    new = rating(2, version=2, reasons=["parking"])
    response = client.post(URL, json={"ratings": [old, new]}, headers=bearer(token))
    assert [r["status"] for r in response.json["results"]] == ["stored", "stored"]
    assert (_version_of(old["uuid"]), _version_of(new["uuid"])) == (1, 2)


def test_a_version_published_by_another_server_process_is_taken_up_at_once(client, kiosk, org):
    _, token, counter = kiosk
    assert set(published_versions(org.tpe.id, "kiosk")) == {1}  # this process now keeps version 1 only
    admin = org.users[("TPE", "admin")]
    kiosk_questionnaire = db.session.get(QuestionnaireVersion, published_versions(org.tpe.id, "kiosk")[1][0])
    draft = questionnaires.new_draft(admin, kiosk_questionnaire.questionnaire_id)
    questionnaires.add_option(admin, draft.id, "reasons", code="parking", text="停車不便")
    # Published elsewhere: this process is not told.
    db.session.execute(sa.update(QuestionnaireVersion).where(QuestionnaireVersion.id == draft.id).values(
        published_at=utcnow()
    ))
    db.session.commit()
    body = rating(1, version=2, reasons=["parking"])
    response = client.post(URL, json={"ratings": [body]}, headers=bearer(token))
    assert response.json["results"][0]["status"] == "stored"
    assert _version_of(body["uuid"]) == 2


def test_a_rating_naming_no_version_is_stored_against_the_newest_version_its_answers_fit(client, kiosk, org):
    _, token, _ = kiosk
    publish_version(org, add=("parking", "停車不便"))
    old_reason, plain = rating(1, reasons=["other"]), rating(5)
    response = client.post(URL, json={"ratings": [old_reason, plain]}, headers=bearer(token))
    assert [r["status"] for r in response.json["results"]] == ["stored", "stored"]
    assert (_version_of(old_reason["uuid"]), _version_of(plain["uuid"])) == (1, 2)


def test_the_qr_survey_renders_its_counters_published_version_and_keeps_the_version_it_showed(client, org):
    counter = org.a.counters[0]
    token = qr.counter_token(counter)
    shown_before = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'name="version" value="1"' in shown_before and 'id="q_reasons_other"' in shown_before
    publish_version(org, "counter", add=("parking", "停車不便"))
    shown_after = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'name="version" value="2"' in shown_after
    assert "停車不便" in shown_after and 'id="q_reasons_other"' not in shown_after
    # The form filled in before the new version was published is stored against the version it showed.
    rid = _rid(shown_before)
    response = client.post(f"/s/{token}", data=dict(ANSWERS, rid=rid, version="1", q_reasons=["other"]))
    assert response.status_code == 200
    assert _version_of(rid) == 1
    newer = _rid(shown_after)
    client.post(f"/s/{token}", data=dict(ANSWERS, rid=newer, version="2", q_reasons=["parking"]))
    assert _version_of(newer) == 2
