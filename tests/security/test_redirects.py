"""Redirects chosen by the visitor (after sign-in, after a language switch) stay on this site."""

import pytest

from feedback_app import security

# Each reads as another site (or a script) to a browser: tabs and newlines are dropped, a backslash is a slash.
HOSTILE = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    " //evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "http://localhost@evil.example/",
]


def lands_on_this_site(location: str) -> bool:
    """What a browser would do with the Location header: stay on this site."""
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").strip().replace("\\", "/")
    return seen.startswith("/") and not seen.startswith("//")


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_redirects_to_another_site(client, target):
    response = client.post("/locale/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", [t for t in HOSTILE if "\n" not in t])
def test_the_language_switch_ignores_a_referer_of_another_site(client, target):
    response = client.post("/locale/en", headers={"Referer": target})
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


def test_the_language_switch_returns_to_the_page_it_was_asked_from(client):
    assert client.post("/locale/en", data={"next": "/login?x=1"}).headers["Location"] == "/login?x=1"
    own = client.post("/locale/en", headers={"Referer": "http://localhost/lookup?q=1"})
    assert own.headers["Location"] == "/lookup?q=1"


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_never_redirects_to_another_site(client, org, target):
    response = client.post(
        "/login", query_string={"next": target},
        data={"username": "aa.officer", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_that_asked_for_it(client, org):
    response = client.post(
        "/login?next=/offices/AA", data={"username": "aa.officer", "password": "correct-horse-battery"}
    )
    assert response.headers["Location"] == "/offices/AA"


@pytest.mark.parametrize("target", HOSTILE)
def test_one_check_judges_urls_as_a_browser_reads_them(target):
    assert security.safe_local_url(target) is None
    assert security.safe_local_url(target, host="localhost") is None or lands_on_this_site(
        security.safe_local_url(target, host="localhost")
    )


def test_a_referer_of_this_host_becomes_its_path():
    assert security.safe_local_url("https://localhost/cases?state=new", host="localhost") == "/cases?state=new"
    assert security.safe_local_url("https://localhost//evil.example", host="localhost") is None
    assert security.safe_local_url("https://other.example/cases", host="localhost") is None
