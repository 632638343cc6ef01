"""The QR survey marks every missing answer at once, each tied to its question, and asks for consent on the spot."""

import re
import uuid

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, Rating
from feedback_app.services import qr

SCORES = {"q_attitude": "5", "q_competence": "4", "q_waiting": "3", "q_environment": "4", "q_overall": "4"}
REQUIRED = ["attitude", "competence", "waiting", "environment", "overall"]


def _post(client, token, **data):
    return client.post(f"/s/{token}", data={"rid": str(uuid.uuid4()), **data})


def _marked(html: str) -> list[str]:
    """The questions whose inputs point at their own error text, in page order."""
    codes = re.findall(r'aria-describedby="q_(\w+)-error"', html)
    return list(dict.fromkeys(codes))


def _nothing_stored():
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


@pytest.mark.parametrize(
    "sent, missing",
    [
        ({"q_overall": "2"}, ["attitude", "competence", "waiting", "environment"]),
        ({}, REQUIRED),  # an empty form used to mark none
        ({"q_reasons": ["wait_long"], "q_comment": "太久"}, REQUIRED),
    ],
)
def test_every_missing_required_answer_is_marked_with_its_own_error_text(client, org, sent, missing):
    token = qr.counter_token(org.a.counters[0])
    response = _post(client, token, **sent)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _marked(html) == missing
    for code in missing:
        assert re.search(rf'<p class="question-error" id="q_{code}-error">[^<]+</p>', html)
        assert re.search(rf'<fieldset class="question invalid" aria-describedby="q_{code}-error">', html)
    summary = html[html.index('id="errors"') : html.index("</div>", html.index('id="errors"'))]
    assert re.findall(r'href="#q_(\w+?)_', summary) == missing
    assert "autofocus" in html[html.index('<div class="survey-error"') : html.index('id="errors"') + 60]
    assert 'name="q_comment"' in html and "太久" in html  # what was given stays
    assert _nothing_stored()


def test_the_marks_are_in_the_language_of_the_survey(client, org):
    token = qr.counter_token(org.a.counters[0])
    html = client.post(f"/s/{token}?lang=vi", data={"rid": str(uuid.uuid4()), "lang": "vi"}).get_data(as_text=True)
    assert html.count("Câu này bắt buộc") == len(REQUIRED)


def test_contact_typed_without_consent_is_asked_about_and_nothing_is_stored_yet(client, org):
    token = qr.counter_token(org.a.counters[0])
    response = _post(client, token, **SCORES, phone="0912345678")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="consent-ask"' in html and 'name="consent_answer"' in html
    assert 'value="0912345678"' in html
    assert re.search(r'id="q_overall_4"[^>]*checked', re.sub(r"\s+", " ", html))
    assert _nothing_stored()


def test_declining_consent_stores_the_rating_without_the_contact_and_says_so(client, org):
    token = qr.counter_token(org.a.counters[0])
    low = dict(SCORES, q_overall="1")
    response = _post(client, token, **low, phone="0912345678", consent_answer="no", lang="en")
    assert response.status_code == 200
    assert "were not kept" in response.get_data(as_text=True)
    db.session.rollback()
    rating = db.session.scalars(sa.select(Rating)).one()
    assert rating.score == 1 and rating.case_id is None
    assert db.session.scalars(sa.select(Case)).all() == []


def test_agreeing_on_the_spot_keeps_the_contact_on_a_follow_up_case(client, org):
    token = qr.counter_token(org.a.counters[0])
    low = dict(SCORES, q_overall="2")
    response = _post(client, token, **low, email="citizen@example.tw", consent_answer="yes")
    assert response.status_code == 200
    db.session.rollback()
    rating = db.session.scalars(sa.select(Rating)).one()
    assert db.session.get(Case, rating.case_id).petitioner_email == "citizen@example.tw"


def test_a_mistyped_phone_is_marked_on_the_contact_field(client, org):
    token = qr.counter_token(org.a.counters[0])
    response = _post(client, token, **SCORES, phone="09x", consent="yes")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-describedby="contact-phone-error"' in html and 'href="#contact-phone"' in html
    assert _nothing_stored()
