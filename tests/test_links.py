"""Absolute links in mail, on posters and for pairing kiosks: PUBLIC_BASE_URL, else the request's address."""

import re
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import ProductionConfig
from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.links import FALLBACK_BASE_URL
from feedback_app.models import CaseChannel, Notification
from feedback_app.services.cases import CaseInput, open_case
from jobs.messages import case_link

from .factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
DEV_HOST = "http://192.0.2.10:8123"


def _login(client):
    """Signed in on the address the tests open pages on."""
    client.post("/login", data={"username": "aa.admin", "password": PASSWORD}, base_url=DEV_HOST)


def test_unset_in_development_the_pairing_and_survey_links_use_the_address_the_page_was_opened_on(app, client, org):
    app.config["PUBLIC_BASE_URL"] = None
    _login(client)
    counter = org.a.counters[0]
    paired = client.post("/kiosk/devices", data={"counter_id": counter.id, "name": "Kiosk 9"},
                         base_url=DEV_HOST, follow_redirects=True)
    assert re.search(rf"{re.escape(DEV_HOST)}/kiosk/pair/\w", paired.get_data(as_text=True))
    survey = client.post("/qr/onetime", data={"counter_id": counter.id, "days": "3"}, base_url=DEV_HOST)
    assert f"{DEV_HOST}/s/" in survey.get_data(as_text=True)
    assert "127.0.0.1:5000" not in paired.get_data(as_text=True) + survey.get_data(as_text=True)


def test_unset_in_development_a_mail_queued_while_serving_a_request_links_to_that_address(app, org):
    app.config["PUBLIC_BASE_URL"] = None
    with app.test_request_context("/cases/new", base_url=DEV_HOST):
        case, _ = open_case(CaseInput(office_id=org.a.id, channel=CaseChannel.EMAIL, subject="叫號系統故障",
                                      petitioner_email="citizen@example.tw"))
    mail = db.session.scalar(sa.select(Notification).where(Notification.key == f"case:{case.id}:ack"))
    assert mail.link == f"{DEV_HOST}/lookup" and f"{DEV_HOST}/lookup" in mail.body


def test_a_configured_public_base_url_wins_over_the_request_address(app, client, org):
    app.config["PUBLIC_BASE_URL"] = "https://feedback.example.gov.tw/"
    _login(client)
    paired = client.post("/kiosk/devices", data={"counter_id": org.a.counters[0].id, "name": "Kiosk 9"},
                         base_url=DEV_HOST, follow_redirects=True)
    assert "https://feedback.example.gov.tw/kiosk/pair/" in paired.get_data(as_text=True)
    assert DEV_HOST not in paired.get_data(as_text=True)
    discovery = client.get("/open311/v2/discovery.json", base_url=DEV_HOST).get_json()
    assert all(e["url"].startswith("https://feedback.example.gov.tw/open311/v2")
               for e in discovery["endpoints"])


def test_outside_a_request_without_the_setting_links_fall_back_to_the_local_development_address(app):
    app.config["PUBLIC_BASE_URL"] = None
    assert case_link("ZS-1140122-0001") == f"{FALLBACK_BASE_URL}/cases/ZS-1140122-0001"
    assert FALLBACK_BASE_URL == "http://127.0.0.1:5000"


def test_production_refuses_to_start_without_a_public_base_url(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", None)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(ProductionConfig)


def test_every_absolute_link_is_built_in_one_place():
    """A base URL read or an external url_for elsewhere would bring back links that ignore the setting."""
    offenders = []
    for folder in ("feedback_app", "jobs", "kiosk"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html", ".js") or path.name == "links.py":
                continue
            text = path.read_text(encoding="utf-8")
            if "PUBLIC_BASE_URL" in text or "_external=True" in text or "host_url" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
