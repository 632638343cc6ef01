"""A kiosk's call-back contact is checked as every case's contact is, so the follow-up case it opens is valid."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, Rating
from feedback_app.services import contact

from .factories import bearer, rating

URL = "/api/v1/ratings"


def test_a_call_back_number_without_area_code_is_refused_with_the_case_forms_message(client, kiosk):
    _, token, _ = kiosk
    body = rating(1, contact={"phone": "12345678", "consent": True})
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.status_code == 400
    assert response.json["error"]["details"]["contact.phone"] == contact.phone_error("12345678")
    assert db.session.scalars(sa.select(Rating)).all() == [] and db.session.scalars(sa.select(Case)).all() == []


def test_a_call_back_number_in_the_plus_886_form_opens_the_follow_up_case(client, kiosk):
    _, token, _ = kiosk
    body = rating(1, contact={"phone": "+886 912 345 678", "email": "", "consent": True})
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.json["results"][0]["status"] == "stored"
    assert db.session.scalars(sa.select(Case)).one().petitioner_phone == "+886 912 345 678"
