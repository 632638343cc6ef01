"""The organisation pages: a city admin keeps offices, units and counters; bad input changes nothing."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import City, Counter, Office, Unit
from tests.conftest import login

OFFICE = {"code": "ZZ", "kind": "household", "name": "臺北市中正區戶政事務所", "name_en": "",
          "address": "臺北市中正區羅斯福路一段2號", "phone": "02-2341-2566", "active": "y"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_city_admin_adds_an_office_a_unit_and_a_counter_through_the_pages(client, org):
    login(client, "tpe.admin")
    assert client.post("/admin/offices", data=OFFICE).status_code == 302
    office = db.session.scalar(sa.select(Office).where(Office.code == "ZZ"))
    assert (office.city_id, office.kind, office.phone, office.active) == (org.tpe.id, "household", "02-2341-2566", True)

    response = client.post(f"/admin/offices/{office.id}/units/new",
                           data={"code": "reg", "name": "戶籍登記課", "active": "y"})
    assert response.status_code == 302
    unit = db.session.scalar(sa.select(Unit).where(Unit.office_id == office.id))
    assert unit.code == "REG"

    response = client.post(f"/admin/offices/{office.id}/counters/new",
                           data={"code": "ZZ-01", "unit": "REG", "kind": "one_stop", "name": "綜合受理櫃檯 1",
                                 "active": "y"})
    assert response.status_code == 302
    counter = db.session.scalar(sa.select(Counter).where(Counter.code == "ZZ-01"))
    assert (counter.unit_id, counter.kind, counter.active) == (unit.id, "one_stop", True)
    page = client.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert "ZZ-01" in page and "戶籍登記課" in page


def test_office_form_with_a_taken_code_and_a_bad_phone_says_so_per_field_and_adds_nothing(client, org):
    login(client, "tpe.admin")
    before = _count(Office)
    response = client.post("/admin/offices", data=OFFICE | {"code": "AA", "phone": "call me"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="code-error"' in page and 'id="phone-error"' in page
    assert _count(Office) == before


def test_editing_an_office_changes_its_fields_and_closing_it_keeps_it_listed(client, org):
    login(client, "tpe.admin")
    data = OFFICE | {"code": "AA", "kind": "district", "name": "臺北市中山區公所", "phone": "02-2503-3121"}
    data.pop("active")
    assert client.post(f"/admin/offices/{org.a.id}", data=data).status_code == 302
    db.session.refresh(org.a)
    assert (org.a.kind, org.a.name, org.a.active) == ("district", "臺北市中山區公所", False)
    listing = client.get("/admin/offices").get_data(as_text=True)
    assert "臺北市中山區公所" in listing


def test_counter_form_refuses_a_unit_of_another_office_and_a_code_in_use(client, org):
    login(client, "tpe.admin")
    before = _count(Counter)
    response = client.post(f"/admin/offices/{org.a.id}/counters/new",
                           data={"code": "BB-01", "unit": "REG", "kind": "general", "name": "x", "active": "y"})
    assert response.status_code == 400
    assert 'id="code-error"' in response.get_data(as_text=True)
    response = client.post(f"/admin/offices/{org.a.id}/counters/new",
                           data={"code": "AA-09", "unit": "NOPE", "kind": "general", "name": "x"})
    assert response.status_code == 400
    assert 'id="unit-error"' in response.get_data(as_text=True)
    assert _count(Counter) == before


def test_unit_form_refuses_a_duplicate_code_in_the_same_office(client, org):
    login(client, "tpe.admin")
    response = client.post(f"/admin/offices/{org.a.id}/units/new", data={"code": "REG", "name": "重複"})
    assert response.status_code == 400
    assert 'id="code-error"' in response.get_data(as_text=True)
    assert len(db.session.scalars(sa.select(Unit).where(Unit.office_id == org.a.id)).all()) == 1


def test_city_page_renames_the_city_and_refuses_an_empty_name(client, org):
    login(client, "tpe.admin")
    renamed = client.post("/admin/city", data={"code": "TPE", "name": "臺北市政府", "name_en": "Taipei"})
    assert renamed.status_code == 302
    assert client.post("/admin/city", data={"code": "TPE", "name": ""}).status_code == 400
    db.session.expire_all()
    assert db.session.get(City, org.tpe.id).name == "臺北市政府"


def test_office_admin_keeps_units_of_their_office_but_not_other_offices_or_the_city(client, org):
    login(client, "aa.admin")
    assert client.post(f"/admin/offices/{org.a.id}/units/new", data={"code": "REC", "name": "戶籍資料課"}
                       ).status_code == 302
    assert client.post(f"/admin/offices/{org.b.id}/units/new", data={"code": "REC", "name": "x"}).status_code == 403
    assert client.post("/admin/offices", data=OFFICE).status_code == 200  # no form for them: nothing is added
    assert client.get("/admin/city").status_code == 403
    assert db.session.scalar(sa.select(Office).where(Office.code == "ZZ")) is None


def test_officers_cannot_reach_the_organisation_pages(client, org):
    login(client, "aa.officer")
    assert client.get("/admin/offices").status_code == 403
    assert client.post(f"/admin/offices/{org.a.id}/units/new", data={"code": "X", "name": "x"}).status_code == 403
