"""The kiosk's optional sex and age step: off by default, turned on per office, its answers attached to the
stored rating by UUID with the QR survey's codes, so the 性別主流化 table counts kiosk answers."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Question, Questionnaire, QuestionnaireVersion, utcnow
from feedback_app.services import analytics, kiosk_sex_age, reports
from feedback_app.services.errors import AccessDenied
from feedback_app.services.rollups import refresh_rollups
from feedback_app.services.stats import Period
from tests.conftest import login

from .factories import bearer, paired_kiosk, rating
from .service_builders import stored


def _send(client, token, *items):
    answer = client.post("/api/v1/ratings", json={"ratings": list(items)}, headers=bearer(token))
    assert answer.json["stored"] == len(items)


def _attach(client, token, *answers):
    response = client.post("/kiosk/sex-age", json={"answers": list(answers)}, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["status"] for r in response.json["results"]]


def _gender_rows(org) -> list[list[str]]:
    board = analytics.dashboard(
        analytics.scope_for(org.users[("TPE", "admin")]), Period.containing(utcnow() - timedelta(seconds=600))
    )
    table = next(t for t in reports.tables(board) if t.key == "gender")
    return [[str(cell) for cell in row[:3]] for row in table.rows]


def test_the_step_is_off_until_an_office_admin_turns_it_on_for_their_office(client, org, kiosk):
    _device_id, token, _counter = kiosk
    assert client.get("/kiosk/config", headers=bearer(token)).json["sexAge"] is None
    with pytest.raises(AccessDenied):
        kiosk_sex_age.set_ask_sex_age(org.users[("BB", "admin")], org.a.id, True)
    db.session.rollback()
    login(client, "aa.admin")
    assert client.post(f"/questionnaires/offices/{org.a.id}/sex-age", data={"ask_sex_age": "on"}).status_code == 302
    step = client.get("/kiosk/config", headers=bearer(token)).json["sexAge"]
    # The QR survey's own codes, so both channels land in the same rows of the gender table.
    survey = db.session.scalars(
        sa.select(Question).join(QuestionnaireVersion).join(Questionnaire)
        .where(Questionnaire.city_id == org.tpe.id, Questionnaire.code == "counter", Question.role == "demographic")
    ).all()
    assert {q.code: [o["code"] for o in q.options] for q in survey} == {
        name: [o["code"] for o in options] for name, options in step.items()
    }
    assert set(step["sex"][0]["texts"]) == {"zh_TW", "en", "vi", "id", "th"}
    # Another office's kiosks do not ask.
    _other, other_token = paired_kiosk(org.b.counters[0])
    assert client.get("/kiosk/config", headers=bearer(other_token)).json["sexAge"] is None


def test_answers_fill_a_stored_ratings_sex_and_age_once_and_only_from_its_own_kiosk(client, org, kiosk):
    _device_id, token, _counter = kiosk
    first, second = rating(5, seconds_ago=900), rating(2, seconds_ago=600)
    _send(client, token, first, second)
    _other, other_token = paired_kiosk(org.a.counters[1])
    results = _attach(
        client,
        token,
        {"uuid": first["uuid"], "sex": "female", "age_group": "20_39"},
        {"uuid": second["uuid"], "sex": None, "age_group": "65_plus"},
        {"uuid": first["uuid"], "sex": "female", "age_group": "20_39"},
        {"uuid": rating()["uuid"], "sex": "male"},
        {"uuid": second["uuid"], "sex": "unknown-code"},
    )
    assert results == ["stored", "stored", "already_stored", "unknown", "invalid"]
    assert _attach(client, token, {"uuid": first["uuid"], "sex": "male", "age_group": "20_39"}) == ["conflict"]
    assert _attach(client, other_token, {"uuid": second["uuid"], "sex": "male"}) == ["unknown"]
    assert (stored(first["uuid"]).sex, stored(first["uuid"]).age_group) == ("female", "20_39")
    assert (stored(second["uuid"]).sex, stored(second["uuid"]).age_group) == (None, "65_plus")
    # The rating itself never changed: its score, answers and content hash are as tapped.
    assert stored(first["uuid"]).score == 5
    assert client.post("/kiosk/sex-age", json={"answers": []}, headers=bearer(token)).status_code == 400
    assert client.post("/kiosk/sex-age", json={"answers": [{"uuid": first["uuid"]}]}).status_code == 401


def test_kiosk_answers_fill_the_gender_table_even_for_a_rating_already_rolled_up(client, org, kiosk):
    _device_id, token, _counter = kiosk
    answered, skipped = rating(5, seconds_ago=900), rating(4, seconds_ago=600)
    _send(client, token, answered, skipped)
    refresh_rollups()
    db.session.commit()
    before = _gender_rows(org)
    assert sum(int(row[2]) for row in before) == 2 and not any(row[0] == "女" for row in before)
    assert _attach(client, token, {"uuid": answered["uuid"], "sex": "female", "age_group": "40_64"}) == ["stored"]
    rows = _gender_rows(org)
    assert ["女", "40–64歲", "1"] in rows
    assert sum(int(row[2]) for row in rows) == 2
    refresh_rollups()  # folded again as it now is: the figures stay the same
    db.session.commit()
    assert _gender_rows(org) == rows
