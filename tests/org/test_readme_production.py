"""The README's "Run on PostgreSQL" block, run exactly as written, takes an empty database to a working city."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Counter, Device
from tests.conftest import _postgres_database, login

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "harbour-lantern-2026"

pytestmark = pytest.mark.slow


def production_block() -> str:
    """The one fenced sh block of the README's "Run on PostgreSQL" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Run on PostgreSQL\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```$", section, flags=re.S | re.M)
    assert len(blocks) == 1, "the section must hold exactly one sh block"
    return blocks[0]


@pytest.fixture
def empty_postgres():
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith(("postgresql", "postgres://")):
        pytest.skip("the production block needs PostgreSQL: set TEST_DATABASE_URL to a postgresql:// URL")
    databases = _postgres_database(base)
    url = next(databases)
    yield url
    next(databases, None)


def test_the_readme_block_takes_an_empty_postgresql_database_to_a_city_where_the_admin_pairs_a_kiosk(empty_postgres):
    plain_url = make_url(empty_postgres).set(drivername="postgresql").render_as_string(hide_password=False)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": plain_url,
        "CF_ADMIN_PASSWORD": PASSWORD,
    }
    result = subprocess.run(["bash", "-e", "-u", "-o", "pipefail"], input=production_block(), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "created admin admin for TPE" in result.stdout

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_postgres, "SERVER_NAME": None})
    try:
        with app.app_context():
            client = app.test_client()
            assert login(client, "admin", PASSWORD).status_code == 302
            counter = db.session.scalar(sa.select(Counter).where(Counter.code == "ZZ-01"))
            devices_page = client.get("/kiosk/devices").get_data(as_text=True)
            assert f'value="{counter.id}"' in devices_page
            registered = client.post("/kiosk/devices", data={"counter_id": counter.id, "name": "中正 1 號機"},
                                     follow_redirects=True)
            code = re.search(r"/kiosk/pair/([A-Z0-9]+)", registered.get_data(as_text=True)).group(1)
            paired = client.post(f"/kiosk/pair/{code}")
            assert paired.status_code == 200
            token = re.search(r'data-token="([^"]+)"', paired.get_data(as_text=True)).group(1)
            config = client.get("/kiosk/config", headers={"Authorization": f"Bearer {token}"})
            assert config.status_code == 200 and config.get_json()["counter"]["code"] == "ZZ-01"
            device = db.session.scalar(sa.select(Device).where(Device.counter_id == counter.id))
            assert device.paired_at is not None
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.engine.dispose()
