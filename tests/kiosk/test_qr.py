"""QR surveys: signed counter links, one-time links, posters, the no-JS form, the API with a survey token."""

import re
import uuid
import warnings
from datetime import timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import QrToken, Rating, utcnow
from feedback_app.services import qr
from tests.conftest import login

from .factories import rating

ANSWERS = {"q_attitude": "5", "q_competence": "4", "q_waiting": "3", "q_environment": "4", "q_overall": "4"}


def _rid(html: str) -> str:
    return re.search(r'name="rid" value="([^"]+)"', html).group(1)


def test_counter_link_rates_its_own_counter_through_the_form(client, org):
    counter = org.a.counters[1]
    token = qr.counter_token(counter)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    response = client.post(
        f"/s/{token}", data=dict(ANSWERS, rid=_rid(html), lang="vi", q_sex="female", q_reasons=["wait_long"])
    )
    assert response.status_code == 200
    assert "Cảm ơn" in response.get_data(as_text=True)
    stored = db.session.scalars(sa.select(Rating)).one()
    assert (stored.counter_id, stored.channel, stored.score, stored.locale, stored.sex) == (
        counter.id,
        "counter_qr",
        4,
        "vi",
        "female",
    )
    assert len(stored.answers) == 7


def test_sending_the_same_form_twice_stores_it_once(client, org):
    token = qr.counter_token(org.a.counters[0])
    rid = _rid(client.get(f"/s/{token}").get_data(as_text=True))
    for _ in range(2):
        assert client.post(f"/s/{token}", data=dict(ANSWERS, rid=rid)).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1


def test_missing_required_answer_shows_the_form_again_and_stores_nothing(client, org):
    token = qr.counter_token(org.a.counters[0])
    data = dict(ANSWERS, rid=str(uuid.uuid4()))
    del data["q_waiting"]
    response = client.post(f"/s/{token}", data=data)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Rating)).all() == []


def test_tampered_link_cannot_rate_another_office(client, org):
    token = qr.counter_token(org.a.counters[0])
    forged = qr._serializer().dumps({"c": org.b.counters[0].id}).split(".")[0] + "." + token.split(".")[1]
    assert client.get(f"/s/{forged}").status_code == 403
    assert client.post(f"/s/{forged}", data=dict(ANSWERS, rid=str(uuid.uuid4()))).status_code == 403
    api = client.post("/api/v1/ratings", json=dict(rating(), survey_token=forged))
    assert api.status_code == 403
    assert db.session.scalars(sa.select(Rating)).all() == []


def test_api_accepts_a_survey_token_for_the_full_questionnaire(client, org):
    token = qr.counter_token(org.b.counters[0])
    body = {
        "survey_token": token,
        "ratings": [
            rating(answers={"attitude": 5, "competence": 5, "waiting": 2, "environment": 4, "overall": 3})
        ],
    }
    response = client.post("/api/v1/ratings", json=body)
    assert response.json["stored"] == 1
    stored = db.session.scalars(sa.select(Rating)).one()
    assert (stored.office_id, stored.channel, stored.score) == (org.b.id, "counter_qr", 3)


def test_onetime_link_takes_one_submission(client, org):
    record, token = qr.mint_onetime(org.a.counters[0])
    db.session.commit()
    assert record.expires_at - utcnow() > timedelta(days=2, hours=23)
    assert client.post(f"/s/{token}", data=dict(ANSWERS, rid=str(uuid.uuid4()))).status_code == 200
    second = client.post(f"/s/{token}", data=dict(ANSWERS, rid=str(uuid.uuid4())))
    assert second.status_code == 410
    api = client.post("/api/v1/ratings", json=dict(rating(), survey_token=token))
    assert api.status_code == 410
    stored = db.session.scalars(sa.select(Rating)).one()
    assert (stored.channel, stored.qr_token_id) == ("onetime_qr", record.id)


def test_expired_onetime_link_is_refused(client, org):
    record, token = qr.mint_onetime(org.a.counters[0])
    record.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/s/{token}").status_code == 410
    assert client.post(f"/s/{token}", data=dict(ANSWERS, rid=str(uuid.uuid4()))).status_code == 410
    assert db.session.scalars(sa.select(Rating)).all() == []


def test_survey_form_needs_csrf_when_enabled(make_app, org):
    from tests.conftest import IsolatedClient

    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    with app.app_context():
        token = qr.counter_token(db.session.merge(org.a.counters[0]))
        client = app.test_client()
        assert client.post(f"/s/{token}", data=dict(ANSWERS, rid=str(uuid.uuid4()))).status_code == 400
        assert db.session.scalars(sa.select(Rating)).all() == []


def test_staff_mint_a_onetime_qr_and_download_posters(client, org):
    login(client, "aa.officer")
    counter = org.a.counters[0]
    assert "qr/poster" in client.get("/qr/").get_data(as_text=True)
    page = client.post("/qr/onetime", data={"counter_id": counter.id, "days": "3"})
    assert page.status_code == 200
    assert db.session.scalars(sa.select(QrToken)).one().counter_id == counter.id
    png = client.get(f"/qr/poster/{counter.id}.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = client.get(f"/qr/poster/{counter.id}.svg")
    assert b"<svg" in svg.data
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph the font lacks
        pdf = client.get(f"/qr/poster/{counter.id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get(f"/qr/poster/{org.b.counters[0].id}.png").status_code == 403


def test_optional_questions_are_marked_optional_once(client, org):
    token = qr.counter_token(org.a.counters[0])
    page = client.get(f"/s/{token}", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    legends = re.findall(r"<legend>(.*?)</legend>", page, re.S)
    sex = next(re.sub(r"<[^>]+>", "", legend) for legend in legends if "性別" in legend)
    assert sex.count("可不填") == 1, sex
