"""Behind the TLS proxy: with PROXY_FIX_X_FOR trusted hops every throttle keys on the client the proxy forwarded;
without it X-Forwarded-For is ignored, so a client cannot forge its way out of a throttle."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import LoginThrottle
from tests.cases.factories import make_case
from tests.conftest import IsolatedClient

PROXY = "127.0.0.10"
ALICE, BOB = "203.0.113.5", "203.0.113.6"


def _client(make_app, **config):
    app = make_app(**config)
    app.test_client_class = IsolatedClient
    return app.test_client()


def _via_proxy(client, url, forwarded_for, **kwargs):
    headers = {"X-Forwarded-For": forwarded_for, **kwargs.pop("headers", {})}
    return client.post(url, headers=headers, environ_base={"REMOTE_ADDR": PROXY}, **kwargs)


def _lookup(client, case, code, forwarded_for):
    return _via_proxy(client, "/lookup", forwarded_for, data={"number": case.number, "code": code})


def _throttle_keys():
    db.session.expire_all()
    return set(db.session.scalars(sa.select(LoginThrottle.key)))


def test_behind_a_trusted_proxy_two_clients_have_separate_lookup_throttles(make_app, app, org):
    client = _client(make_app, PROXY_FIX_X_FOR=1)
    case, code = make_case(org.a)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _lookup(client, case, "WRONGCOD", ALICE).status_code == 404
    assert _lookup(client, case, code, ALICE).status_code == 429
    assert _lookup(client, case, code, BOB).status_code == 200
    assert _throttle_keys() == {f"lookup:{ALICE}"}


def test_without_proxy_fix_a_forged_forwarded_for_does_not_escape_the_lookup_throttle(make_app, app, org):
    client = _client(make_app)
    case, code = make_case(org.a)
    for i in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _lookup(client, case, "WRONGCOD", f"198.51.100.{i}").status_code == 404
    assert _lookup(client, case, code, "198.51.100.99").status_code == 429
    assert _throttle_keys() == {f"lookup:{PROXY}"}


def test_behind_a_trusted_proxy_one_clients_failed_sign_ins_do_not_lock_out_another(make_app, app, org):
    client = _client(make_app, PROXY_FIX_X_FOR=1)
    address_limit = app.config["LOGIN_MAX_FAILURES"] * 4
    for i in range(address_limit):
        data = {"username": f"nobody{i}", "password": "wrong-password"}
        assert _via_proxy(client, "/login", ALICE, data=data).status_code == 401
    right = {"username": "aa.officer", "password": "correct-horse-battery"}
    assert _via_proxy(client, "/login", ALICE, data=right).status_code == 429
    assert _via_proxy(client, "/login", BOB, data=right).status_code == 302
    assert f"addr:{ALICE}" in _throttle_keys() and f"addr:{PROXY}" not in _throttle_keys()


def test_without_proxy_fix_sign_in_failures_count_against_the_connecting_address(make_app, org):
    client = _client(make_app)
    data = {"username": "aa.officer", "password": "wrong-password"}
    assert _via_proxy(client, "/login", ALICE, data=data).status_code == 401
    assert _throttle_keys() == {"user:aa.officer", f"addr:{PROXY}"}


def test_the_ratings_limit_keys_on_the_forwarded_client_only_behind_a_trusted_proxy(make_app, org):
    proxied = _client(make_app, PROXY_FIX_X_FOR=1, RATELIMIT_ENABLED=True, RATINGS_RATE_LIMIT="2/minute")
    codes = [_via_proxy(proxied, "/api/v1/ratings", ALICE, json={}).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    assert _via_proxy(proxied, "/api/v1/ratings", BOB, json={}).status_code == 401

    direct = _client(make_app, RATELIMIT_ENABLED=True, RATINGS_RATE_LIMIT="2/minute")
    codes = [_via_proxy(direct, "/api/v1/ratings", f"198.51.100.{i}", json={}).status_code for i in range(3)]
    assert codes == [401, 401, 429]


def test_a_trusted_proxy_tells_the_app_the_request_came_over_https(make_app):
    client = _client(make_app, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    response = client.get("/healthz", headers={"X-Forwarded-For": ALICE, "X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": PROXY})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = _client(make_app).get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers
