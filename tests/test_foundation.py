"""The foundation: config, health, errors, sign-in, roles and office scoping."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import abort, url_for

from config import ProductionConfig
from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import LoginThrottle, Role, User
from feedback_app.services import access
from feedback_app.services.errors import AccessDenied

from .conftest import login


def test_migrations_build_the_schema_the_models_describe(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


@pytest.mark.parametrize(
    "weak",
    ["x", "dev-only-not-secret", "short-but-random-7f3a9c", "a" * 64, "0123456789" * 4, "change-me-" * 4,
     "please-change-this-secret-key-now"],
)
def test_production_refuses_a_weak_secret_key(monkeypatch, weak):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", weak)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_starts_with_a_secret_key_made_as_the_readme_says(monkeypatch):
    import secrets

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "https://feedback.example.gov.tw")
    assert create_app(ProductionConfig).config["ENV_NAME"] == "production"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "python -c 'import secrets; print(secrets.token_hex(32))'" in readme


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.get_json()["database"] == "ok"  # the calendars and Redis: tests/test_health.py


def test_healthz_reports_an_unreachable_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.get_json()["error"]["message"]


def test_html_errors_are_pages_in_chinese_by_default(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "您要找的頁面不存在" in text
    assert "<html" in text


def test_html_errors_follow_the_browser_language(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "does not exist" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "chinese", "english"),
    [
        (400, "無法理解這個請求。", "The request could not be understood."),
        (403, "您沒有權限檢視此頁面。", "You do not have access to this page."),
    ],
)
def test_400_and_403_pages_speak_chinese_by_default_and_english_when_asked(make_app, status, chinese, english):
    app = make_app()

    @app.get("/refuse")
    def refuse():
        abort(status)

    client = app.test_client()
    default = client.get("/refuse")
    english_page = client.get("/refuse", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert default.status_code == english_page.status_code == status
    assert chinese in default.get_data(as_text=True) and "<html" in default.get_data(as_text=True)
    assert english in english_page.get_data(as_text=True)
    assert chinese not in english_page.get_data(as_text=True)


def test_an_unexpected_error_shows_no_stack_trace(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "secret internals" not in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "internal_server_error"
    assert "secret" not in api.get_data(as_text=True)


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_sign_in_and_land_on_their_page(client, org):
    response = login(client, "aa.supervisor")
    assert response.status_code == 302
    landing = client.get("/")
    assert landing.status_code == 200
    assert "aa.supervisor" in landing.get_data(as_text=True)


@pytest.mark.parametrize("username", ["aa.officer", "aa.supervisor", "aa.monitor", "aa.director", "aa.admin",
                                      "tpe.monitor", "tpe.director", "tpe.admin"])
def test_each_role_lands_on_the_areas_of_its_role_and_every_link_opens(client, org, app, username):
    from feedback_app.main.nav import AREAS

    login(client, username)
    page = client.get("/").get_data(as_text=True)
    role = db.session.scalar(sa.select(User.role).where(User.username == username))
    with app.test_request_context():
        links = {endpoint: url_for(endpoint) for endpoint, _, _ in AREAS}
    for endpoint, _label, roles in AREAS:
        shown = f'href="{links[endpoint]}"' in page
        assert shown == (role in roles), (username, endpoint)
        if shown:
            assert client.get(links[endpoint]).status_code == 200, (username, endpoint)


def test_wrong_password_is_refused(client, org):
    response = login(client, "aa.officer", "wrong-password")
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_a_sign_in_hashes_the_password_alike_for_unknown_known_and_disabled_users(client, org, app, monkeypatch):
    """Timing must not tell which usernames exist: every refused sign-in computes the same password hash."""
    import werkzeug.security

    hashed = []
    real = werkzeug.security._hash_internal

    def spy(method, salt, password):
        hashed.append(method)
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", spy)
    org.users[("BB", "officer")].active = False
    db.session.commit()
    login(client, "somebody.else", "wrong-password")  # the first one of a process also makes the dummy hash
    methods = {}
    for username in ("aa.officer", "nobody.here", "bb.officer"):
        hashed.clear()
        assert login(client, username, "wrong-password").status_code == 401
        methods[username] = list(hashed)
    assert methods["aa.officer"] == [app.config["PASSWORD_HASH_METHOD"]]
    assert methods["nobody.here"] == methods["aa.officer"]
    assert methods["bb.officer"] == methods["aa.officer"]


def test_login_is_throttled_even_for_the_right_password(client, org, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "aa.officer", "wrong-password")
    response = login(client, "aa.officer")
    assert response.status_code == 429
    assert db.session.get(LoginThrottle, "user:aa.officer").locked_until is not None


def test_passwords_are_stored_hashed(org):
    user = org.users[("AA", "officer")]
    assert "correct-horse" not in user.password_hash
    assert user.check_password("correct-horse-battery")


def test_open_redirect_after_login_is_refused(client, org):
    response = client.post("/login?next=//evil.example/", data={"username": "aa.officer",
                                                                  "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/"


def test_locale_choice_beats_the_browser(client, org):
    client.post("/locale/en", data={"next": "/login"})
    assert "Staff sign-in" in client.get("/login", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    client.post("/locale/zh_TW", data={"next": "/login"})
    assert "員工登入" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_office_staff_never_reach_another_office(org, role):
    user = org.users[("AA", role)]
    assert access.can_access_office(user, org.a.id)
    assert not access.can_access_office(user, org.b.id)
    assert not access.can_access_office(user, org.c.id)
    with pytest.raises(AccessDenied):
        access.ensure_access(user, org.users[("BB", "officer")])
    rows = db.session.scalars(access.scoped(sa.select(User), User, user)).all()
    assert {u.office_id for u in rows} == {org.a.id}


@pytest.mark.parametrize("role", [Role.MONITOR, Role.DIRECTOR, Role.ADMIN])
def test_city_wide_staff_reach_their_city_only(org, role):
    user = org.users[("TPE", role.value)]
    assert access.can_access_office(user, org.a.id)
    assert access.can_access_office(user, org.b.id)
    assert not access.can_access_office(user, org.c.id)
    rows = db.session.scalars(access.scoped(sa.select(User).where(User.office_id.is_not(None)), User, user)).all()
    assert {u.office_id for u in rows} == {org.a.id, org.b.id}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_office_page_of_another_office_is_forbidden(client, org, role):
    login(client, f"aa.{role}")
    assert client.get(f"/offices/{org.a.code}").status_code == 200
    assert client.get(f"/offices/{org.b.code}").status_code == 403
    assert client.get(f"/offices/{org.c.code}").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    response = client.get(f"/offices/{org.a.code}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_nul_characters_are_refused_as_bad_input(client):
    assert client.get("/login?next=%00").status_code == 400
    assert client.post("/login", data={"username": ["aa.officer", "aa\x00officer"]}).status_code == 400
    assert client.post("/login", data={"user\x00name": "aa.officer"}).status_code == 400
    response = client.post("/api/v1/cases", data='{"subject": "a\\u0000b"}', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_env_example_lists_every_setting_read_from_the_environment():
    root = Path(__file__).resolve().parents[1]
    read = set(re.findall(r'(?:os\.environ\.get|_bool)\("([A-Z_]+)"', (root / "config.py").read_text()))
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", (root / ".env.example").read_text(), re.MULTILINE))
    assert read and read <= listed, sorted(read - listed)
