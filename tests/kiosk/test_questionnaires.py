"""Questionnaire versions: draft from the current one, its questions, options and translated texts, publish;
old answers keep theirs."""

import re
import threading

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Question, Questionnaire, QuestionnaireVersion, Rating, Role, User
from feedback_app.services import qr
from feedback_app.services import questionnaires as service
from tests.conftest import login
from tests.factories import make_user

from .factories import bearer, rating

# The counter questionnaire's required scale questions, as the API and the survey form take them.
SCALES = {"attitude": 5, "competence": 4, "waiting": 3, "environment": 4, "overall": 4}


def _questionnaire(org, code="kiosk"):
    return db.session.scalars(
        sa.select(Questionnaire).where(Questionnaire.city_id == org.tpe.id, Questionnaire.code == code)
    ).one()


def _kiosk_questionnaire(org):
    return _questionnaire(org, "kiosk")


def _new_draft(client, questionnaire) -> int:
    assert client.post(f"/questionnaires/{questionnaire.id}/versions").status_code == 302
    return db.session.scalar(
        sa.select(sa.func.max(QuestionnaireVersion.id)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id
        )
    )


def _shape(version_id) -> list[tuple]:
    """The questions of a version as stored, read afresh."""
    db.session.expire_all()
    return [
        (q.position, q.code, q.kind, q.role, q.required, q.texts, q.options)
        for q in db.session.scalars(
            sa.select(Question).where(Question.version_id == version_id).order_by(Question.position, Question.id)
        )
    ]


def _every_change(version_id) -> list[tuple[str, dict]]:
    """One valid request of each kind of change to a counter questionnaire version."""
    base = f"/questionnaires/versions/{version_id}"
    return [
        (f"{base}/questions", {"code": "x", "kind": "text", "role": "comment", "text": "意見"}),
        (f"{base}/questions/attitude/remove", {}),
        (f"{base}/questions/competence/move", {"direction": "up"}),
        (f"{base}/questions/reasons/options", {"option_code": "x", "option_text": "x"}),
        (f"{base}/questions/reasons/options/other/remove", {}),
        (base, {"t|attitude||en": "Attitude"}),
        (f"{base}/publish", {}),
    ]


def _answers(rating_row) -> dict:
    questions = {q.id: q for q in db.session.scalars(sa.select(Question))}
    return {
        questions[a.question_id].code: (questions[a.question_id].version_id, a.score or a.choices or a.text)
        for a in rating_row.answers
    }


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


def test_an_office_admin_sees_the_shared_questionnaires_but_changes_none_of_them(client, org):
    """Every office of the city uses the same questionnaires: only a city-wide admin makes versions, edits and
    publishes; an office's admin reads them without a button to change them."""
    questionnaire = _kiosk_questionnaire(org)
    login(client, "aa.admin")
    assert client.post(f"/questionnaires/{questionnaire.id}/versions").status_code == 403
    client.post("/logout")
    db.session.expire_all()
    assert len(_kiosk_questionnaire(org).versions) == 1
    login(client, "tpe.admin")
    draft = _new_draft(client, questionnaire)
    client.post("/logout")
    before = _shape(draft)
    versions_before = len(questionnaire.versions)

    login(client, "aa.admin")
    assert client.get("/questionnaires/").status_code == 200
    page = client.get(f"/questionnaires/versions/{draft}")
    assert page.status_code == 200 and "/publish" not in page.get_data(as_text=True)
    base = f"/questionnaires/versions/{draft}"
    refused = [
        (f"/questionnaires/{questionnaire.id}/versions", {}),
        (f"{base}/questions/reasons/options", {"option_code": "evil", "option_text": "惡意選項"}),
        (f"{base}/questions/reasons/options/other/remove", {}),
        (base, {"t|overall||en": "Changed by another office"}),
        (f"{base}/publish", {}),
    ]
    for url, data in refused:
        assert client.post(url, data=data).status_code == 403, url
    client.post("/logout")
    assert _shape(draft) == before
    db.session.expire_all()
    assert db.session.get(QuestionnaireVersion, draft).published_at is None
    assert len(_kiosk_questionnaire(org).versions) == versions_before

    login(client, "tpe.admin")
    added = client.post(f"{base}/questions/reasons/options", data={"option_code": "noisy", "option_text": "太吵"})
    assert added.status_code == 302
    assert client.post(f"{base}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(QuestionnaireVersion, draft).published_at is not None


def test_admin_builds_a_version_with_new_questions_and_answers_keep_their_version(client, org):
    token = qr.counter_token(org.a.counters[0])
    old = rating(answers=dict(SCALES, reasons=["wait_long"]))
    assert client.post("/api/v1/ratings", json=dict(old, survey_token=token)).status_code == 200
    questionnaire = _questionnaire(org, "counter")
    first = questionnaire.versions[0].id
    login(client, "tpe.admin")
    draft = _new_draft(client, questionnaire)
    base = f"/questionnaires/versions/{draft}"
    steps = [
        (f"{base}/questions/reasons/remove", {}),
        (f"{base}/questions", {"code": "problems", "kind": "multi", "role": "reason", "text": "遇到哪些問題？"}),
        (f"{base}/questions/problems/options", {"option_code": "queue", "option_text": "排隊太久"}),
        (f"{base}/questions/problems/options", {"option_code": "forms", "option_text": "表格難填"}),
        (f"{base}/questions/problems/options", {"option_code": "parking", "option_text": "停車不便"}),
        (
            f"{base}/questions",
            {"code": "suggestion", "kind": "text", "role": "comment", "required": "y", "text": "給我們的建議"},
        ),
        (f"{base}/questions/suggestion/move", {"direction": "up"}),
        (f"{base}/questions/problems/options/parking/remove", {}),
        (base, {"t|problems||en": "What went wrong?", "t|problems|queue|en": "Long queue"}),
    ]
    for url, data in steps:
        assert client.post(url, data=data).status_code == 302, url
    page = client.get(base).get_data(as_text=True)
    assert 'id="o-problems-code"' in page and 'name="csrf_token"' in page
    shape = _shape(draft)
    assert [(position, code) for position, code, *_ in shape] == list(
        enumerate(
            ["attitude", "competence", "waiting", "environment", "overall", "sex", "age_group", "comment",
             "suggestion", "problems"],
            start=1,
        )
    )
    problems = next(q for q in shape if q[1] == "problems")
    assert problems[2:5] == ("multi", "reason", False)
    assert problems[5] == {"zh_TW": "遇到哪些問題？", "en": "What went wrong?"}
    assert problems[6] == [
        {"code": "queue", "texts": {"zh_TW": "排隊太久", "en": "Long queue"}},
        {"code": "forms", "texts": {"zh_TW": "表格難填"}},
    ]
    assert next(q for q in shape if q[1] == "suggestion")[2:5] == ("text", "comment", True)
    assert client.post(f"{base}/publish").status_code == 302
    client.post("/logout")

    form = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'name="q_problems"' in form and 'name="q_suggestion"' in form and "q_reasons" not in form
    rid = re.search(r'name="rid" value="([^"]+)"', form).group(1)
    fields = {f"q_{code}": str(score) for code, score in SCALES.items()}
    refused = client.post(f"/s/{token}", data=dict(fields, rid=rid, q_problems=["parking"], q_suggestion="x"))
    assert refused.status_code == 400
    missing = client.post(f"/s/{token}", data=dict(fields, rid=rid, q_problems=["queue"]))
    assert missing.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1
    sent = dict(fields, rid=rid, q_problems=["queue", "forms"], q_suggestion="多開櫃檯")
    assert client.post(f"/s/{token}", data=sent).status_code == 200

    def api(answers, **extra):
        return client.post("/api/v1/ratings", json=dict(rating(answers=answers, **extra), survey_token=token))

    for bad in (
        dict(SCALES, problems=["queue"]),  # the required suggestion is missing
        dict(SCALES, problems="queue", suggestion="ok"),  # a multiple choice is a list
        dict(SCALES, problems=["nope"], suggestion="ok"),
        dict(SCALES, reasons=["wait_long"], suggestion="ok"),  # no longer asked
    ):
        assert api(bad).status_code == 400, bad
    assert api(dict(SCALES, problems=["forms"], suggestion="好")).status_code == 200
    assert api(dict(SCALES, reasons=["attitude"]), version=1).status_code == 200

    stored = {r.uuid: r for r in db.session.scalars(sa.select(Rating))}
    assert len(stored) == 4
    assert stored[old["uuid"]].questionnaire_version_id == first
    assert _answers(stored[old["uuid"]])["reasons"] == (first, ["wait_long"])
    by_version = sorted((r.questionnaire_version_id, _answers(r).get("problems")) for r in stored.values())
    assert by_version == [
        (first, None),
        (first, None),
        (draft, (draft, ["forms"])),
        (draft, (draft, ["forms", "queue"])),
    ]
    from_form = next(r for r in stored.values() if r.uuid == rid)
    assert _answers(from_form)["suggestion"] == (draft, "多開櫃檯")


def test_kiosk_questionnaire_keeps_to_what_the_kiosk_shows(client, kiosk, org):
    _, token, _ = kiosk
    questionnaire = _kiosk_questionnaire(org)
    login(client, "tpe.admin")
    draft = _new_draft(client, questionnaire)
    base = f"/questionnaires/versions/{draft}"
    before = _shape(draft)
    # The kiosk asks the overall score and then reasons as a list; anything else would never be answered.
    for data in (
        {"code": "speed", "kind": "scale5", "role": "rating", "text": "速度"},
        {"code": "why", "kind": "single", "role": "reason", "text": "原因"},
        {"code": "why", "kind": "multi", "role": "reason", "required": "y", "text": "原因"},
    ):
        assert client.post(f"{base}/questions", data=data).status_code == 400
    assert _shape(draft) == before
    assert client.post(f"{base}/questions/reasons/remove").status_code == 302
    why = {"code": "why", "kind": "multi", "role": "reason", "text": "原因"}
    assert client.post(f"{base}/questions", data=why).status_code == 302
    for code, text in (("slow", "太慢"), ("rude", "不禮貌")):
        client.post(f"{base}/questions/why/options", data={"option_code": code, "option_text": text})
    assert client.post(f"{base}/publish").status_code == 302
    client.post("/logout")
    config = client.get("/kiosk/config", headers=bearer(token)).get_json()
    assert config["version"] == 2 and config["overall"]["options"]
    assert config["reasons"]["code"] == "why"
    assert [o["code"] for o in config["reasons"]["options"]] == ["slow", "rude"]
    sent = rating(2, answers={"overall": 2, "why": ["slow"]})
    assert client.post("/api/v1/ratings", json=sent, headers=bearer(token)).status_code == 200
    stored = db.session.scalars(sa.select(Rating)).one()
    assert (stored.questionnaire_version_id, stored.score) == (draft, 2)
    assert _answers(stored)["why"] == (draft, ["slow"])


def test_invalid_changes_are_refused_and_change_nothing(client, org):
    questionnaire = _questionnaire(org, "counter")
    published = questionnaire.versions[0].id
    login(client, "tpe.admin")
    draft = _new_draft(client, questionnaire)
    base = f"/questionnaires/versions/{draft}"
    before, published_before = _shape(draft), _shape(published)

    def question(**data):
        return client.post(f"{base}/questions", data={"kind": "single", "role": "reason", "text": "題目"} | data)

    for code in ("Bad", "1st", "with-dash", "two words", "a" * 33, ""):
        assert question(code=code).status_code == 400, code
    assert question(code="overall", kind="scale5", role="rating").status_code == 400  # in use already
    assert question(code="note", kind="text", role="rating").status_code == 400  # a rating is a scale
    assert question(code="note", kind="multi", role="demographic").status_code == 400
    assert question(code="income", kind="single", role="demographic").status_code == 400  # analytics reads sex/age
    assert question(code="note", kind="grid").status_code == 400
    assert question(code="note", role="other").status_code == 400
    assert question(code="note", kind="text", role="comment", text=" ").status_code == 400  # Chinese text needed
    refused = question(code="note", kind="text", role="rating")
    assert refused.status_code == 400 and 'value="note"' in refused.get_data(as_text=True)

    def option(on, code, text="選項"):
        return client.post(f"{base}/questions/{on}/options", data={"option_code": code, "option_text": text})

    assert option("reasons", "Wait").status_code == 400
    assert option("reasons", "wait_long").status_code == 400  # in use in this question
    assert option("reasons", "new", text="").status_code == 400
    assert option("sex", "nonbinary").status_code == 400  # longer than the rating's sex column
    assert option("overall", "six").status_code == 400  # a scale has its five options
    assert option("nothing", "x").status_code == 404
    assert client.post(f"{base}/questions/overall/remove").status_code == 400
    assert client.post(f"{base}/questions/attitude/move", data={"direction": "up"}).status_code == 400
    assert client.post(f"{base}/questions/comment/move", data={"direction": "down"}).status_code == 400
    assert client.post(f"{base}/questions/nothing/remove").status_code == 404
    assert client.post(f"{base}/questions/reasons/options/nothing/remove").status_code == 404
    assert client.post(base, data={"t|overall||zh_TW": ""}).status_code == 400
    assert _shape(draft) == before

    # Publishing checks the whole draft: here a choice question left with one option, then two reason questions.
    for gone in ("male", "other"):
        assert client.post(f"{base}/questions/sex/options/{gone}/remove").status_code == 302
    refused = client.post(f"{base}/publish")
    assert refused.status_code == 400 and "sex.options" in refused.get_data(as_text=True)
    assert option("sex", "male", "男").status_code == 302
    assert question(code="more_reasons", kind="multi").status_code == 302
    option("more_reasons", "a")
    option("more_reasons", "b")
    refused = client.post(f"{base}/publish")
    assert refused.status_code == 400 and "more_reasons.role" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuestionnaireVersion, draft).published_at is None

    # A published version never changes.
    for url, data in _every_change(published):
        assert client.post(url, data=data).status_code == 409, url
    assert _shape(published) == published_before
    client.post("/logout")

    # Admins of another city, and other staff of this one, reach nothing.
    make_user("ntp.admin", Role.ADMIN, org.ntp)
    db.session.commit()
    during = _shape(draft)
    for username, status in (("ntp.admin", 403), ("aa.officer", 403)):
        login(client, username)
        for url, data in _every_change(draft):
            assert client.post(url, data=data).status_code == status, (username, url)
        client.post("/logout")
    assert _shape(draft) == during
    db.session.expire_all()
    assert db.session.get(QuestionnaireVersion, draft).published_at is None


def test_two_admins_changing_a_draft_at_once_lose_nothing(app, org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite runs one writer at a time")
    questionnaire = _questionnaire(org, "counter")
    admin_id = org.users[("TPE", "admin")].id
    draft = service.new_draft(db.session.get(User, admin_id), questionnaire.id).id
    count = len(_shape(draft))
    workers = 4
    start = threading.Barrier(workers)
    failures = []

    def add(i):
        with app.app_context():
            try:
                user = db.session.get(User, admin_id)
                start.wait()
                service.add_question(
                    user, draft, code=f"extra_{i}", kind="text", role="comment", required=False, text="意見"
                )
                service.move_question(user, draft, f"extra_{i}", -1)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    shape = _shape(draft)
    assert [position for position, *_ in shape] == list(range(1, count + workers + 1))
    assert {code for _, code, *_ in shape} >= {f"extra_{i}" for i in range(workers)}
