"""API tokens: shown once, stored hashed, scoped, revocable; the CLI and the admin page issue them."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ApiToken
from feedback_app.security import hash_token
from feedback_app.services.errors import AccessDenied, ValidationFailed
from feedback_app.services.tokens import issue_token, list_tokens, revoke_token
from tests.conftest import login

from .factories import bearer


def test_issue_keeps_only_the_hash_and_checks_scopes_and_reach(app, org):
    token, plain = issue_token(name="1999", scopes="cases:write  stats:read", office=org.a)
    db.session.commit()
    assert token.token_hash == hash_token(plain) and plain not in token.token_hash
    assert token.scopes == "cases:write stats:read" and token.city_id == org.tpe.id
    for bad in ({"scopes": "cases:delete"}, {"scopes": ""}, {"name": ""}):
        args = {"name": "x", "scopes": "cases:read", "city": org.tpe} | bad
        try:
            issue_token(**args)
        except ValidationFailed as error:
            assert set(error.details) & {"scopes", "name"}
        else:
            raise AssertionError(f"{bad} was accepted")
    try:
        issue_token(name="x", scopes="cases:read", user=org.users[("AA", "officer")], office=org.b)
    except ValidationFailed as error:
        assert "office" in error.details
    else:
        raise AssertionError("a user's token reached another office")
    try:
        issue_token(name="x", scopes="cases:read", office=org.c, issued_by=org.users[("TPE", "admin")])
    except AccessDenied:
        pass
    else:
        raise AssertionError("an admin issued a token for another city")


def test_user_token_takes_the_users_office(app, org):
    token, _ = issue_token(name="officer's script", scopes="cases:read", user=org.users[("BB", "officer")])
    assert token.office_id == org.b.id and token.user_id == org.users[("BB", "officer")].id


def test_office_admin_sees_and_revokes_only_their_office_tokens(app, org):
    mine, _ = issue_token(name="mine", scopes="cases:read", office=org.a)
    theirs, _ = issue_token(name="theirs", scopes="cases:read", office=org.b)
    db.session.commit()
    admin_a = org.users[("AA", "admin")]
    assert [t.name for t in list_tokens(admin_a)] == ["mine"]
    try:
        revoke_token(theirs.id, admin_a)
    except Exception as error:
        assert type(error).__name__ == "NotFound"
    else:
        raise AssertionError("revoked another office's token")
    first = revoke_token(mine.id, admin_a).revoked_at
    assert revoke_token(mine.id, admin_a).revoked_at == first


def test_cli_create_prints_the_token_on_its_last_line_and_it_works(app, org, runner, client):
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "--name",
            "1999 dispatch",
            "--scopes",
            "cases:write stats:read",
            "--office",
            "AA",
        ]
    )
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    assert token.office_id == org.a.id and token.scopes == "cases:write stats:read"
    assert client.get("/api/v1/cases", headers=bearer(plain)).status_code == 403
    listed = runner.invoke(args=["tokens", "list"])
    assert "1999 dispatch" in listed.output and plain not in listed.output
    assert runner.invoke(args=["tokens", "revoke", str(token.id)]).exit_code == 0
    assert client.get("/api/v1/cases", headers=bearer(plain)).status_code == 401


def test_cli_refuses_unknown_scopes_users_and_unclear_reach(app, org, runner):
    bad = runner.invoke(args=["tokens", "create", "--name", "x", "--scopes", "everything", "--office", "AA"])
    assert bad.exit_code != 0 and "everything" in bad.output
    assert (
        runner.invoke(
            args=["tokens", "create", "--name", "x", "--scopes", "cases:read", "--user", "nobody"]
        ).exit_code
        != 0
    )
    unclear = runner.invoke(args=["tokens", "create", "--name", "x", "--scopes", "cases:read"])
    assert unclear.exit_code != 0 and "--city" in unclear.output
    user = runner.invoke(
        args=["tokens", "create", "--name", "me", "--scopes", "cases:read", "--user", "aa.officer"]
    )
    assert user.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


def test_admin_page_issues_a_token_once_and_revokes_it(client, org):
    login(client, "tpe.admin")
    page = client.post(
        "/admin/tokens/", data={"name": "civic app", "scopes": ["open311", "cases:read"], "office": "BB"}
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken))
    plain = text.split('<pre class="token-value">')[1].split("</pre>")[0]
    assert token.token_hash == hash_token(plain) and token.office_id == org.b.id
    assert plain not in client.get("/admin/tokens/").get_data(as_text=True)
    client.post(f"/admin/tokens/{token.id}/revoke")
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_admin_page_rejects_bad_input_and_non_admins(client, org):
    login(client, "tpe.admin")
    assert client.post("/admin/tokens/", data={"name": "", "scopes": []}).status_code == 400
    assert (
        client.post("/admin/tokens/", data={"name": "x", "scopes": ["root"], "office": ""}).status_code == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    client.post("/logout")
    login(client, "aa.supervisor")
    assert client.get("/admin/tokens/").status_code == 403
    assert (
        client.post(
            "/admin/tokens/", data={"name": "x", "scopes": ["cases:read"], "office": "AA"}
        ).status_code
        == 403
    )
