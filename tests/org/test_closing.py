"""Closing a counter, unit or office: its kiosks stop with a clear message, its history stays in every report,
and it leaves the pickers for new data while report filters keep it."""

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Device, Rating
from feedback_app.services import analytics
from feedback_app.services import org as places
from feedback_app.services.stats import Period
from tests.analytics.conftest import quarter_data  # noqa: F401  (fixture)
from tests.conftest import login
from tests.kiosk.factories import bearer, paired_kiosk, rating


def _close_counter(counter):
    places.save_counter(counter.office, {"active": False}, counter)
    db.session.commit()


def test_a_closed_counters_kiosk_is_refused_with_counter_closed_and_nothing_is_stored(client, org):
    counter = org.a.counters[0]
    _device, token = paired_kiosk(counter)
    assert client.post("/api/v1/ratings", json={"ratings": [rating(5)]}, headers=bearer(token)).status_code == 200
    _close_counter(counter)
    response = client.post("/api/v1/ratings", json={"ratings": [rating(4)]}, headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "counter_closed"
    config = client.get("/kiosk/config", headers=bearer(token) | {"Accept": "application/json"})
    assert config.status_code == 403 and config.get_json()["error"]["code"] == "counter_closed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1


def test_closing_the_office_or_the_unit_stops_its_counters_kiosks_too(client, org):
    _device, token = paired_kiosk(org.a.counters[0])
    places.save_unit(org.a, {"active": False}, org.a.units[0])
    db.session.commit()
    response = client.post("/api/v1/ratings", json=rating(4), headers=bearer(token))
    assert response.get_json()["error"]["code"] == "counter_closed"
    places.save_unit(org.a, {"active": True}, org.a.units[0])
    places.save_office(org.tpe, {"active": False}, org.a)
    db.session.commit()
    response = client.post("/api/v1/ratings", json=rating(4), headers=bearer(token))
    assert response.get_json()["error"]["code"] == "counter_closed"


def test_the_kiosk_page_carries_the_closed_notice_in_every_language(client):
    page = client.get("/kiosk/").get_data(as_text=True)
    assert 'id="kiosk-closed"' in page and "closed.js" in page
    assert "本櫃檯已停止服務" in page and "This counter is closed" in page and "Quầy này" in page


def test_closed_counters_leave_the_pairing_and_poster_pickers_and_cannot_be_paired(client, org):
    closed, still_open = org.a.counters
    _close_counter(closed)
    login(client, "tpe.admin")
    kiosks = client.get("/kiosk/devices").get_data(as_text=True)
    assert f'value="{still_open.id}"' in kiosks and f'value="{closed.id}"' not in kiosks
    posters = client.get("/qr/").get_data(as_text=True)
    assert still_open.code in posters and closed.code not in posters
    response = client.post("/kiosk/devices", data={"counter_id": closed.id})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Device)) == 0


def test_a_closed_office_leaves_the_new_case_picker_but_stays_in_the_report_filters(client, org):
    places.save_office(org.tpe, {"active": False}, org.b)
    db.session.commit()
    login(client, "tpe.monitor")
    new_case = client.get("/cases/new").get_data(as_text=True)
    assert org.a.name in new_case and org.b.name not in new_case
    dashboard = client.get("/analytics/").get_data(as_text=True)
    assert org.b.name in dashboard


def test_a_closed_office_takes_no_new_case_from_any_entrance(org):
    from feedback_app.services import cases as case_service
    from feedback_app.services.errors import ValidationFailed

    places.save_office(org.tpe, {"active": False}, org.b)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        case_service.open_case(case_service.CaseInput(office_id=org.b.id, channel="counter", subject="櫃檯意見"))
    assert "office_id" in refused.value.details


def test_closing_an_office_and_its_counters_changes_no_figure_of_the_quarter(app, quarter_data):  # noqa: F811
    data = quarter_data
    period = Period.parse("2025-Q2")

    def figures():
        db.session.expire_all()
        board = analytics.dashboard(analytics.scope_of(data.tpe), period)
        office_board = analytics.dashboard(analytics.scope_of(data.b), period)
        return (repr(board.lines), repr(board.funnel), repr(board.cases), repr(office_board.funnel),
                repr(office_board.lines))

    before = figures()
    assert data.b.name in before[1]
    for counter in data.b.counters:
        places.save_counter(data.b, {"active": False}, counter)
    places.save_unit(data.b, {"active": False}, data.b.units[0])
    places.save_office(data.tpe, {"active": False}, data.b)
    db.session.commit()
    assert figures() == before
