"""Signing out ends the session everywhere: a copy of the cookie taken before stops working on every server,
as do sessions signed in before a new password or the account being disabled."""

from feedback_app.extensions import db
from feedback_app.models import User
from tests.conftest import login


def _copy_session(source, target):
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_session_cookie_copied_before_sign_out_does_not_work_after_it(app, org):
    browser, copy = app.test_client(), app.test_client()
    assert login(browser, "aa.officer").status_code == 302
    _copy_session(browser, copy)
    assert _signed_in(copy)
    assert browser.post("/logout").status_code == 302
    assert not _signed_in(copy)
    assert not _signed_in(browser)


def test_signing_out_ends_the_session_on_another_server_too(make_app, org):
    """Two app instances on one database, as two servers behind the proxy: the sign-out on one ends the
    copy of the session that the other is serving."""
    first, second = make_app().test_client(), make_app().test_client()
    login(first, "aa.officer")
    _copy_session(first, second)
    assert _signed_in(second)
    first.post("/logout")
    assert not _signed_in(second)


def test_signing_in_again_after_sign_out_works(app, org):
    client = app.test_client()
    login(client, "aa.officer")
    client.post("/logout")
    assert login(client, "aa.officer").status_code == 302
    assert _signed_in(client)


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(app, org):
    client = app.test_client()
    login(client, "aa.officer")
    user = db.session.get(User, org.users[("AA", "officer")].id)
    user.set_password("another-long-password")
    db.session.commit()
    assert not _signed_in(client)
    assert login(client, "aa.officer", "another-long-password").status_code == 302


def test_disabling_an_account_ends_its_sessions_even_once_it_is_enabled_again(app, org):
    client = app.test_client()
    login(client, "aa.officer")
    user = db.session.get(User, org.users[("AA", "officer")].id)
    user.active = False
    db.session.commit()
    assert not _signed_in(client)
    user.active = True
    db.session.commit()
    assert not _signed_in(client)


def test_other_users_sessions_survive_one_users_sign_out(app, org):
    officer, supervisor = app.test_client(), app.test_client()
    login(officer, "aa.officer")
    login(supervisor, "aa.supervisor")
    officer.post("/logout")
    assert _signed_in(supervisor)
