"""Security across every page: CSRF on each form, user input escaped wherever shown, headers everywhere.

Routes are enumerated from the app's URL map, so pages and forms added later are covered without editing this.
"""

import re
import uuid

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter, IntegerConverter

from feedback_app.extensions import db
from feedback_app.models import Alert, Case, CaseChannel, Questionnaire, User, utcnow
from feedback_app.services import alerts, qr, questionnaires
from feedback_app.services import cases as case_service
from feedback_app.services.cases import CaseInput, open_case
from feedback_app.services.ratings import ingest
from feedback_app.services.tokens import issue_token
from tests.conftest import IsolatedClient, login

# Authenticated by API tokens, never by the session cookie, so no forged form can ride on a session.
TOKEN_AUTHENTICATED = ("/api/", "/open311/")


def markup(where: str) -> str:
    """Markup that would run if shown unescaped, naming the field it was put in."""
    return f'<script>alert("{where}")</script>'


def escaped(where: str) -> str:
    return f"&lt;script&gt;alert(&#34;{where}&#34;)&lt;/script&gt;"


PAYLOAD = markup("xss")
ESCAPED = "&lt;script&gt;"
RAW = "<script>alert("


def routes(app, method: str):
    for rule in app.url_map.iter_rules():
        if method in rule.methods:
            yield rule


def fill(rule, values: dict) -> str:
    """A URL for the rule, with plausible values for its arguments."""
    args = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            args[name] = values[name] if values.get(name) in converter.items else sorted(converter.items)[0]
        elif name in values:
            args[name] = values[name]
        elif isinstance(converter, IntegerConverter):
            args[name] = 1
        else:
            args[name] = "x"
    return rule.build(args, append_unknown=False)[1]


def test_every_html_form_refuses_a_post_without_csrf_token(make_app, org):
    """Each POST route outside the token-authenticated API answers 400 and never runs its view."""
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    called = []
    checked = []
    for rule in routes(app, "POST"):
        if rule.rule.startswith(TOKEN_AUTHENTICATED):
            continue
        view = app.view_functions[rule.endpoint]
        app.view_functions[rule.endpoint] = lambda *a, _e=rule.endpoint, _v=view, **k: (
            called.append(_e) or _v(*a, **k)
        )
        checked.append(rule)
    assert {r.endpoint for r in checked} >= {"auth.login", "auth.logout", "tokens.issue", "tokens.revoke"}
    client = app.test_client()
    for rule in checked:
        response = client.post(
            fill(rule, {"code": "en", "token_id": 1}), data={"name": "x", "username": "tpe.admin"}
        )
        assert response.status_code == 400, rule.rule
    assert called == []


def test_a_form_with_its_csrf_token_gets_through(make_app, org):
    """The check above is not vacuous: with the page's token the same post reaches the view."""
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
    )
    value = next(group for group in token.groups() if group)
    response = client.post(
        "/login", data={"username": "tpe.admin", "password": "correct-horse-battery", "csrf_token": value}
    )
    assert response.status_code == 302


def test_token_authenticated_endpoints_work_with_csrf_enabled(make_app, org):
    """The API and Open311 take tokens, not cookies; CSRF protection must not break them."""
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, plain = issue_token(name="csrf", scopes="cases:write open311", city=org.tpe)
        db.session.commit()
    client = app.test_client()
    made = client.post(
        "/api/v1/cases",
        json={"office": "AA", "channel": "counter", "subject": "x"},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert made.status_code == 201
    filed = client.post(
        "/open311/v2/requests.json",
        data={"api_key": plain, "service_code": "other", "attribute[OFFICE]": "AA", "jurisdiction_id": "TPE"},
    )
    assert filed.status_code == 200


@pytest.fixture
def hostile(org):
    """User input carrying markup in every field the pages may show."""
    case, lookup_code = open_case(
        CaseInput(
            office_id=org.a.id,
            channel="counter",
            subject=PAYLOAD,
            description=PAYLOAD,
            petitioner_name=PAYLOAD,
            petitioner_address=PAYLOAD,
            external_ref="<b>ref</b>",
        )
    )
    token, _ = issue_token(name=PAYLOAD, scopes="cases:read", city=org.tpe)
    staff = db.session.scalar(sa.select(User).where(User.username == "aa.officer"))
    staff.display_name = PAYLOAD
    db.session.commit()
    users = {
        name: db.session.scalar(sa.select(User).where(User.username == name))
        for name in ("aa.officer", "aa.supervisor", "tpe.monitor", "tpe.admin")
    }
    officer = users["aa.officer"]
    # A case note, a reply and its public summary.
    case_service.assign_case(case, users["aa.supervisor"], case.version, officer.unit_id, officer.id)
    case_service.start_work(case, officer, case.version)
    case_service.add_note(case, officer, case.version, markup("note"))
    case_service.reply_case(case, officer, case.version, markup("reply"), markup("summary"))
    db.session.commit()
    # A questionnaire's question and option texts, published.
    counter_survey = db.session.scalar(
        sa.select(Questionnaire).where(Questionnaire.city_id == org.tpe.id, Questionnaire.code == "counter")
    )
    version = questionnaires.new_draft(users["tpe.admin"], counter_survey.id)
    questionnaires.update_texts(
        users["tpe.admin"],
        version.id,
        {("comment", None, "zh_TW"): markup("question"), ("reasons", "wait_long", "zh_TW"): markup("option")},
    )
    questionnaires.publish(users["tpe.admin"], version.id)
    # A low rating's free text, which staff read in the follow-up case it opens.
    counter = org.a.counters[0]
    scores = {code: 1 for code in ("attitude", "competence", "waiting", "environment", "overall")}
    rating = {
        "uuid": str(uuid.uuid4()),
        "tapped_at": utcnow().isoformat(),
        "answers": scores | {"reasons": ["wait_long"], "comment": markup("comment")},
        "contact": {"phone": "0912345678", "consent": True},
    }
    assert ingest(qr.source_for(counter, None), [rating])[0].status == "stored"
    followup = db.session.scalar(sa.select(Case).where(Case.channel == CaseChannel.RATING_FOLLOWUP))
    # An alert acknowledged with a comment.
    alert = Alert(
        office_id=org.a.id,
        unit_id=counter.unit_id,
        counter_id=counter.id,
        triggered_at=utcnow(),
        window_start=utcnow(),
        ratings=4,
        unhappy=4,
    )
    db.session.add(alert)
    db.session.commit()
    alerts.acknowledge(users["tpe.monitor"], alert.id, markup("acknowledgement"))
    return {
        "number": case.number,
        "case_id": case.id,
        "id": case.id,
        "token_id": token.id,
        "code": "AA",
        "fmt": "json",
        "filename": "css/app.css",
        "version_id": version.id,
        "token": qr.counter_token(counter),
        "followup": followup.number,
        "lookup_code": lookup_code,
    }


@pytest.mark.parametrize("username", ["tpe.admin", "tpe.monitor", "aa.officer", "aa.supervisor"])
def test_user_input_is_escaped_on_every_page(client, org, hostile, username):
    login(client, username)
    html_pages = 0
    for rule in routes(client.application, "GET"):
        response = client.get(fill(rule, hostile))
        response.close()
        if response.mimetype != "text/html":
            continue
        body = response.get_data(as_text=True)
        html_pages += 1
        assert RAW not in body, rule.rule
        assert "<b>ref</b>" not in body, rule.rule
    assert html_pages >= 3
    if username == "tpe.admin":
        assert ESCAPED in client.get("/admin/tokens/").get_data(as_text=True)
        assert ESCAPED in client.get("/offices/AA").get_data(as_text=True)


# Who reads each page, and the seeded fields it shows.
SHOWN = [
    ("aa.officer", "/cases/{number}", ("note", "reply", "summary")),
    ("aa.officer", "/cases/{followup}", ("comment", "option")),
    ("tpe.monitor", "/alerts/", ("acknowledgement",)),
    ("tpe.admin", "/questionnaires/versions/{version_id}", ("question", "option")),
    (None, "/s/{token}", ("question", "option")),
]


@pytest.mark.parametrize(("username", "page", "fields"), SHOWN)
def test_notes_replies_comments_and_questionnaire_texts_are_escaped_where_shown(
    client, hostile, username, page, fields
):
    if username:
        login(client, username)
    response = client.get(page.format(**hostile))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert RAW not in body
    for field in fields:
        assert escaped(field) in body, field


def test_the_reply_is_escaped_on_the_petitioners_lookup_page(client, hostile):
    response = client.post("/lookup", data={"number": hostile["number"], "code": hostile["lookup_code"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and escaped("reply") in body and RAW not in body


@pytest.mark.parametrize("username", [None, "tpe.admin"])
def test_every_page_sends_csp_with_frame_ancestors_and_nosniff(client, org, hostile, username):
    if username:
        login(client, username)
    seen = 0
    for rule in routes(client.application, "GET"):
        for url in (fill(rule, hostile), fill(rule, {})):
            response = client.get(url)
            response.close()
            csp = response.headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, (url, response.status_code)
            assert "'unsafe-inline'" not in csp
            assert response.headers.get("X-Content-Type-Options") == "nosniff", url
            seen += 1
    assert seen >= 20
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "frame-ancestors" in missing.headers["Content-Security-Policy"]
