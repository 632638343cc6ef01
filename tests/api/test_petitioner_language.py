"""A petitioner who files through the API or Open311 (the city's petition form) is answered in the language they
filed in, one of the five of the counter; any other locale falls back to the office's."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, Notification
from feedback_app.services.cases import language_of

from .factories import bearer
from .test_cases_api import NEW_CASE
from .test_open311 import post, spec_post_body


def test_language_codes_as_clients_send_them_map_onto_the_five():
    assert [language_of(v) for v in ("vi_VN", "zh-TW", "zh-Hant", "id", "th-TH", "en-US", "fr", "zh-CN", None)] == [
        "vi", "zh_TW", "zh_TW", "id", "th", "en", None, None, None]


def test_the_api_keeps_the_petitioners_language_and_refuses_another(client, org, writer):
    body = {**NEW_CASE, "petitioner": {**NEW_CASE["petitioner"], "language": "th"}}
    response = client.post("/api/v1/cases", json=body, headers=bearer(writer))
    assert response.status_code == 201, response.json
    case = db.session.scalar(sa.select(Case).where(Case.number == response.json["number"]))
    assert case.petitioner_locale == "th"
    ack = db.session.scalar(sa.select(Notification).where(Notification.case_id == case.id))
    assert ack.subject == f"ได้รับเรื่อง {case.number} แล้ว"
    bad = {**NEW_CASE, "external_ref": "other", "petitioner": {**NEW_CASE["petitioner"], "language": "fr"}}
    assert client.post("/api/v1/cases", json=bad, headers=bearer(writer)).status_code == 422


def test_open311_keeps_the_locale_the_request_was_filed_in(client, org, writer):
    response = post(client, "json", spec_post_body(writer) + "&locale=vi_VN")
    assert response.status_code == 200, response.get_data(as_text=True)
    number = response.json[0]["service_request_id"]
    assert db.session.scalar(sa.select(Case.petitioner_locale).where(Case.number == number)) == "vi"
    other = post(client, "json", spec_post_body(writer) + "&locale=fr_FR")
    number = other.json[0]["service_request_id"]
    assert db.session.scalar(sa.select(Case.petitioner_locale).where(Case.number == number)) is None
