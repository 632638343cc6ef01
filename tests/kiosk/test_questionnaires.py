"""Questionnaire versions: draft from the current one, translated texts, publish; old answers keep theirs."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Questionnaire, Rating
from tests.conftest import login

from .factories import bearer, rating


def _kiosk_questionnaire(org):
    return db.session.scalars(
        sa.select(Questionnaire).where(Questionnaire.city_id == org.tpe.id, Questionnaire.code == "kiosk")
    ).one()


def test_new_version_edit_publish_and_old_answers_keep_their_version(client, kiosk, org):
    _, token, _ = kiosk
    client.post("/api/v1/ratings", json=rating(5), headers=bearer(token))
    questionnaire = _kiosk_questionnaire(org)
    login(client, "tpe.admin")
    response = client.post(f"/questionnaires/{questionnaire.id}/versions")
    assert response.status_code == 302
    db.session.expire_all()
    draft = questionnaire.versions[-1]
    assert (draft.version, draft.published_at) == (2, None)
    assert client.post(f"/questionnaires/{questionnaire.id}/versions").status_code == 409
    saved = client.post(
        f"/questionnaires/versions/{draft.id}",
        data={"t|overall||vi": "Bạn hài lòng không?", "t|reasons|wait_long|en": "Long wait"},
    )
    assert saved.status_code == 302
    empty = client.post(f"/questionnaires/versions/{draft.id}", data={"t|overall||zh_TW": " "})
    assert empty.status_code == 400
    assert client.post(f"/questionnaires/versions/{draft.id}/publish").status_code == 302
    db.session.expire_all()
    overall = next(q for q in draft.questions if q.code == "overall")
    assert overall.texts["vi"] == "Bạn hài lòng không?" and overall.texts["zh_TW"].startswith("整體")
    assert client.post(f"/questionnaires/versions/{draft.id}", data={"t|overall||en": "x"}).status_code == 409
    client.post("/logout")
    client.post("/api/v1/ratings", json=rating(4), headers=bearer(token))
    client.post("/api/v1/ratings", json=rating(3, version=1), headers=bearer(token))
    versions = {r.score: r.questionnaire_version_id for r in db.session.scalars(sa.select(Rating))}
    first = questionnaire.versions[0].id
    assert versions == {5: first, 4: draft.id, 3: first}


def test_only_admins_of_the_city_manage_questionnaires(client, org):
    login(client, "aa.supervisor")
    assert client.get("/questionnaires/").status_code == 403
    client.post("/logout")
    login(client, "cc.officer")
    assert client.post(f"/questionnaires/{_kiosk_questionnaire(org).id}/versions").status_code == 403
