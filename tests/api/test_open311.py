"""Open311 GeoReport v2: the spec's own examples, in JSON and XML, and a client following a request."""

from datetime import timedelta
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_app.extensions import db
from feedback_app.models import Case, CaseCategory, CaseNote, CaseState, Unit, utcnow
from feedback_app.services import cases
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.errors import ValidationFailed
from tests.conftest import login

from . import spec_examples as spec
from .factories import make_case, make_token

BASE = "/open311/v2"


def shape(element: ElementTree.Element):
    """Tag names and nesting of an XML document; repeated elements count once."""
    children = {}
    for child in element:
        children.setdefault(child.tag, shape(child))
    return element.tag, tuple(sorted(children.items()))


def xml_shape(data: bytes | str):
    return shape(ElementTree.fromstring(data.encode() if isinstance(data, str) else data))


def json_keys(value):
    return set(value[0]) if isinstance(value, list) else set(value)


# GeoReport v2 leaves identifiers' type open: the examples show numbers, our case numbers hold letters.
IDENTIFIERS = {"service_request_id", "address_id", "zipcode"}
JSON_TYPES = {bool: "boolean", int: "number", float: "number", str: "string"}


def assert_json_like(ours, example, where: str = "$") -> None:
    """Our JSON has the example's keys at every level and, where both hold a value, the example's types.

    Every item of a list is compared with the example's first item; null stands for an empty field on
    either side (the spec's fields are optional)."""
    if ours is None or example is None:
        return
    if isinstance(example, dict):
        assert isinstance(ours, dict) and set(ours) == set(example), (where, ours)
        for key, value in example.items():
            assert_json_like(ours[key], value, f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(ours, list) and ours, (where, ours)
        for index, item in enumerate(ours):
            assert_json_like(item, example[0], f"{where}[{index}]")
    elif where.rsplit(".", 1)[-1] in IDENTIFIERS:
        assert type(ours) in (str, int), (where, ours)
    else:
        assert JSON_TYPES[type(ours)] == JSON_TYPES[type(example)], (where, ours, example)


def spec_post_body(token: str, **changes) -> str:
    """The spec's example POST, addressed to our jurisdiction, a service of ours and an office, with a
    Taiwanese phone number (the spec's 111111111 is no number here)."""
    body = spec.POST_REQUEST_BODY.replace("api_key=xyz", f"api_key={quote(token)}")
    body = body.replace("phone=111111111", "phone=02-2345-6789")
    body = body.replace("jurisdiction_id=city.gov", "jurisdiction_id=TPE")
    body = body.replace("service_code=001", f"service_code={changes.pop('service_code', 'waiting_time')}")
    return body + "&attribute[OFFICE]=" + changes.pop("office", "AA")


def category_id(org, code: str) -> int:
    return db.session.scalar(
        sa.select(CaseCategory.id).where(CaseCategory.city_id == org.tpe.id, CaseCategory.code == code)
    )


def post(client, fmt: str, body: str):
    return client.post(
        f"{BASE}/requests.{fmt}", data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


def test_discovery_matches_the_spec_example_in_both_formats(client, org):
    xml = client.get(f"{BASE}/discovery.xml")
    assert xml.status_code == 200 and xml.content_type.startswith("text/xml")
    assert xml.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert xml_shape(xml.data) == xml_shape(spec.DISCOVERY_XML)
    body = client.get(f"{BASE}/discovery.json").json
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")


def test_request_list_and_discovery_json_have_the_spec_examples_keys_and_types(client, org):
    waiting = category_id(org, "waiting_time")
    closed, _ = make_case(org.a, category_id=waiting)
    closed.state, closed.outcome, closed.closed_at = CaseState.CLOSED, "duplicate", utcnow()
    make_case(org.b, category_id=waiting)
    db.session.commit()
    listed = client.get(f"{BASE}/requests.json?jurisdiction_id=TPE").json
    assert len(listed) == 2 and listed[1]["status_notes"] and listed[1]["service_name"]
    assert_json_like(listed, spec.REQUESTS_JSON)
    one = client.get(f"{BASE}/requests/{closed.number}.json?jurisdiction_id=TPE").json
    assert_json_like(one, spec.REQUESTS_JSON)
    assert_json_like(client.get(f"{BASE}/discovery.json").json, spec.DISCOVERY_JSON)


def test_services_are_our_categories_with_group_as_in_the_spec_example(client, org):
    xml = client.get(f"{BASE}/services.xml?jurisdiction_id=TPE")
    assert xml.status_code == 200
    assert xml_shape(xml.data) == xml_shape(spec.SERVICES_XML)
    services = client.get(f"{BASE}/services.json?jurisdiction_id=TPE", headers={"Accept-Language": "en"}).json
    assert json_keys(services) == json_keys(spec.SERVICES_JSON)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["waiting_time"]["group"] == "service" and by_code["facilities"]["group"] == "premises"
    assert by_code["waiting_time"]["metadata"] is True and by_code["waiting_time"]["type"] == "realtime"


def test_services_speak_the_clients_language_in_name_and_description(client, org):
    def waiting_time(language):
        services = client.get(f"{BASE}/services.json?jurisdiction_id=TPE", headers={"Accept-Language": language}).json
        return next(s for s in services if s["service_code"] == "waiting_time")

    chinese = waiting_time("zh-TW")
    assert chinese["service_name"] == "等候時間" and chinese["description"] == "關於櫃檯服務之等候時間意見。"
    english = waiting_time("en")
    assert english["service_name"] == "Waiting time" and "等候" not in english["description"]


def test_service_definition_offers_the_offices_as_in_the_spec_example(client, org):
    xml = client.get(f"{BASE}/services/waiting_time.xml?jurisdiction_id=TPE")
    assert xml_shape(xml.data) == xml_shape(spec.SERVICE_DEFINITION_XML)
    definition = client.get(f"{BASE}/services/waiting_time.json?jurisdiction_id=TPE").json
    assert json_keys(definition) == json_keys(spec.SERVICE_DEFINITION_JSON)
    attribute = definition["attributes"][0]
    assert json_keys(attribute) == json_keys(spec.SERVICE_DEFINITION_JSON["attributes"][0])
    assert [v["key"] for v in attribute["values"]] == ["AA", "BB"]
    missing = client.get(f"{BASE}/services/potholes.json?jurisdiction_id=TPE")
    assert missing.status_code == 404 and json_keys(missing.json) == {"code", "description"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_spec_example_post_creates_an_open311_case_through_open_case(client, org, writer, fmt):
    response = post(client, fmt, spec_post_body(writer))
    assert response.status_code == 200, response.data
    if fmt == "xml":
        assert xml_shape(response.data) == xml_shape(spec.POST_RESPONSE_XML)
        number = ElementTree.fromstring(response.data).findtext("request/service_request_id")
    else:
        assert json_keys(response.json) == json_keys(spec.POST_RESPONSE_JSON)
        number = response.json[0]["service_request_id"]
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert case.channel == "open311" and case.office.code == "AA" and case.category.code == "waiting_time"
    assert case.petitioner_name == "john smith" and case.petitioner_email == "smit333@sfgov.edu"
    assert case.petitioner_phone == "02-2345-6789"
    assert case.subject == "A large sinkhole is destroying the street"
    assert "1234 5th street" in case.description and case.events[0].action == "created"
    assert case.due_basis["working_days"] == 6


def test_counter_service_needs_no_location_and_office_token_needs_no_office(client, org):
    token = make_token(org, "open311", office=org.b)
    body = (
        f"api_key={quote(token)}&service_code=staff_attitude&description=%E6%85%8B%E5%BA%A6%E4%B8%8D%E4%BD%B3"
    )
    response = post(client, "json", body)
    assert response.status_code == 200, response.json
    case = db.session.scalar(sa.select(Case))
    assert case.office_id == org.b.id and case.subject == "態度不佳" and case.petitioner_name is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_or_missing_api_key_is_403_in_the_spec_error_format(client, org, fmt):
    for body in (
        "service_code=waiting_time&attribute[OFFICE]=AA",
        "api_key=xyz&service_code=waiting_time&attribute[OFFICE]=AA",
    ):
        response = post(client, fmt, body)
        assert response.status_code == 403
        if fmt == "xml":
            assert xml_shape(response.data) == xml_shape(spec.ERRORS_XML)
            assert ElementTree.fromstring(response.data).findtext("error/code") == "403"
        else:
            assert json_keys(response.json) == json_keys(spec.ERRORS_JSON) and response.json[0]["code"] == 403
    reader = make_token(org, "cases:read stats:read")
    assert post(client, fmt, spec_post_body(reader)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_bad_requests_are_400_or_404_and_change_nothing(client, org, writer):
    token = quote(writer)
    assert post(client, "json", f"api_key={token}&attribute[OFFICE]=AA").status_code == 400
    assert post(client, "json", f"api_key={token}&service_code=nope&attribute[OFFICE]=AA").status_code == 404
    assert post(client, "json", f"api_key={token}&service_code=other").status_code == 400
    assert post(client, "json", f"api_key={token}&service_code=other&attribute[OFFICE]=ZZ").status_code == 404
    assert post(client, "json", f"api_key={token}&service_code=other&attribute[OFFICE]=CC").status_code == 404
    assert (
        post(client, "json", spec_post_body(writer).replace("long=-122.4212043", "long=west")).status_code
        == 400
    )
    assert (
        post(client, "json", spec_post_body(writer).replace("smit333%40sfgov.edu", "nobody")).status_code
        == 400
    )
    long_text = "x" * 4001
    too_long = spec_post_body(writer).replace("description=A+large+sinkhole", f"description={long_text}")
    assert post(client, "json", too_long).status_code == 400
    assert client.get(f"{BASE}/requests.json?jurisdiction_id=XXX").status_code == 404
    assert client.get(f"{BASE}/requests.csv?jurisdiction_id=TPE").status_code == 404
    assert client.get(f"{BASE}/nothing/here?jurisdiction_id=TPE").json[0]["code"] == 404
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_office_token_cannot_file_for_another_office(client, org):
    token = make_token(org, "open311", office=org.a)
    response = post(client, "json", spec_post_body(token, office="BB"))
    assert response.status_code == 403 and response.json[0]["code"] == 403


def test_get_requests_filters_by_dates_status_and_service_within_90_days(client, org):
    now = utcnow()
    old, _ = make_case(org.a, received_at=now - timedelta(days=120), category_id=None)
    recent, _ = make_case(org.a)
    closed, _ = make_case(org.b)
    closed.state, closed.outcome, closed.closed_at = CaseState.CLOSED, "resolved", now
    db.session.commit()
    default = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json?jurisdiction_id=TPE").json}
    assert default == {recent.number, closed.number}
    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    window = client.get(f"{BASE}/requests.json?start_date={start}&end_date={end}&jurisdiction_id=TPE").json
    assert [r["service_request_id"] for r in window] == [old.number]
    open_only = client.get(f"{BASE}/requests.xml?status=open&jurisdiction_id=TPE")
    assert xml_shape(open_only.data) == xml_shape(spec.REQUESTS_XML)
    numbers = [e.text for e in ElementTree.fromstring(open_only.data).iter("service_request_id")]
    assert numbers == [recent.number]
    closed_only = client.get(f"{BASE}/requests.json?status=closed&jurisdiction_id=TPE").json
    assert [r["service_request_id"] for r in closed_only] == [closed.number]
    assert closed_only[0]["status_notes"]
    by_id = client.get(
        f"{BASE}/requests.json?service_request_id={old.number},{closed.number}&jurisdiction_id=TPE"
    ).json
    assert {r["service_request_id"] for r in by_id} == {old.number, closed.number}
    too_long = client.get(
        f"{BASE}/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z&jurisdiction_id=TPE"
    )
    assert too_long.status_code == 400 and too_long.json[0]["code"] == 400
    assert client.get(f"{BASE}/requests.json?status=lost&jurisdiction_id=TPE").status_code == 400
    assert client.get(f"{BASE}/requests.json?start_date=yesterday&jurisdiction_id=TPE").status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_filters_by_service_code(client, org, fmt):
    waiting, _ = make_case(org.a, category_id=category_id(org, "waiting_time"))
    attitude, _ = make_case(org.b, category_id=category_id(org, "staff_attitude"))
    uncategorised, _ = make_case(org.a)

    def found(service_code: str | None) -> dict[str, str]:
        query = {"jurisdiction_id": "TPE"} | ({"service_code": service_code} if service_code is not None else {})
        answer = client.get(f"{BASE}/requests.{fmt}", query_string=query)
        assert answer.status_code == 200
        if fmt == "xml":
            rows = ElementTree.fromstring(answer.data).iter("request")
            return {r.findtext("service_request_id"): r.findtext("service_code") for r in rows}
        return {r["service_request_id"]: r["service_code"] for r in answer.json}

    assert found("waiting_time") == {waiting.number: "waiting_time"}
    assert found("staff_attitude,waiting_time") == {waiting.number: "waiting_time", attitude.number: "staff_attitude"}
    assert found("potholes") == {}
    assert set(found(None)) == set(found("")) == {waiting.number, attitude.number, uncategorised.number}


def test_rows_are_capped_at_1000_by_default_and_the_caps_are_configurable(app, client, org):
    from feedback_app.services import open311

    assert (open311.MAX_ROWS, open311.MAX_DAYS) == (1000, 90)
    app.config.update(OPEN311_MAX_ROWS=3, OPEN311_MAX_DAYS=7)
    for _ in range(4):
        make_case(org.a)
    assert len(client.get(f"{BASE}/requests.json?jurisdiction_id=TPE").json) == 3
    week = client.get(
        f"{BASE}/requests.json?jurisdiction_id=TPE&start_date=2025-01-01T00:00:00Z"
        f"&end_date=2025-01-09T00:00:00Z"
    )
    assert week.status_code == 400


def test_requests_never_show_personal_data_description_or_internal_notes(client, org):
    case, code = make_case(
        org.a,
        subject="王小明抱怨",
        description="我是王小明 0912345678",
        petitioner_address="臺北市中正區重慶南路一段122號",
    )
    db.session.add(
        CaseNote(case_id=case.id, author_id=org.users[("AA", "officer")].id, body="內部：此人常來")
    )
    case.reply = "王小明先生您好，已改善。"
    case.state, case.outcome, case.closed_at = CaseState.CLOSED, "resolved", utcnow()
    db.session.commit()
    for fmt in ("json", "xml"):
        text = client.get(f"{BASE}/requests/{case.number}.{fmt}?jurisdiction_id=TPE").get_data(as_text=True)
        for secret in ("王小明", "0912", "wang@", "重慶南路", "內部", code, "抱怨"):
            assert secret not in text, (fmt, secret)


def test_client_lists_services_files_a_request_and_follows_it_to_closure(client, org, writer):
    """An Open311 client's whole journey: discover, list, define, file, follow, see it closed."""
    endpoint = client.get(f"{BASE}/discovery.json").json["endpoints"][0]
    assert "application/json" in endpoint["formats"]
    services = client.get(f"{BASE}/services.json?jurisdiction_id=TPE").json
    service = next(s for s in services if s["group"] == "service")
    definition = client.get(f"{BASE}/services/{service['service_code']}.json?jurisdiction_id=TPE").json
    office = definition["attributes"][0]["values"][0]["key"]
    filed = post(
        client,
        "json",
        f"api_key={quote(writer)}&service_code={service['service_code']}"
        f"&attribute[OFFICE]={office}&first_name=美玲&last_name=陳&email=chen%40example.tw"
        f"&description=%E6%AB%83%E6%AA%AF%E5%A4%AA%E5%B0%91",
    ).json[0]
    number = filed["service_request_id"]
    assert filed["service_notice"].startswith("處理期限")

    tracked = client.get(f"{BASE}/requests/{number}.json?jurisdiction_id=TPE").json[0]
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert case.petitioner_name == "陳美玲"
    assert tracked["status"] == "open" and tracked["status_notes"] is None
    assert tracked["expected_datetime"] == case.due_at.astimezone(TAIPEI).isoformat(timespec="seconds")
    assert tracked["requested_datetime"] == case.received_at.astimezone(TAIPEI).isoformat(timespec="seconds")
    assert tracked["agency_responsible"] == case.office.name

    case.unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.office_id == case.office_id))
    case.state, case.reply, case.replied_at = CaseState.REPLIED, "已增開櫃檯。", utcnow()
    db.session.commit()
    replied = client.get(f"{BASE}/requests/{number}.json?jurisdiction_id=TPE").json[0]
    assert replied["status"] == "open" and replied["status_notes"]
    assert replied["agency_responsible"].endswith("戶籍登記課")

    case.state, case.outcome, case.closed_at = CaseState.CLOSED, "resolved", utcnow()
    db.session.commit()
    final = ElementTree.fromstring(client.get(f"{BASE}/requests/{number}.xml?jurisdiction_id=TPE").data)
    assert final.findtext("request/status") == "closed"
    assert final.findtext("request/status_notes")
    assert client.get(f"{BASE}/requests/NO-SUCH.json?jurisdiction_id=TPE").status_code == 404


def published_notes(client, number: str, fmt: str) -> tuple[str | None, str]:
    """status_notes of GET requests/{id} in English, and the whole answer."""
    answer = client.get(
        f"{BASE}/requests/{number}.{fmt}?jurisdiction_id=TPE", headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 200
    if fmt == "xml":
        return ElementTree.fromstring(answer.data).findtext("request/status_notes"), answer.get_data(as_text=True)
    return answer.json[0]["status_notes"], answer.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_status_notes_is_the_summary_staff_publish_with_the_reply_never_the_reply(client, org, fmt):
    officer, supervisor = org.users[("AA", "officer")], org.users[("AA", "supervisor")]
    case, _ = make_case(org.a)
    cases.assign_case(case, supervisor, case.version, officer.unit_id, officer.id)
    cases.start_work(case, officer, case.version)
    db.session.commit()
    login(client, "aa.officer")
    page = client.get(f"/cases/{case.number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="reply-public_summary"' in page and "Published on Open311" in page
    reply = "王小明先生您好，已依您 0912345678 來電所述增開櫃檯。"
    form = {"reply-version": case.version, "reply-reply": reply}
    too_long = client.post(f"/cases/{case.number}/reply", data=form | {"reply-public_summary": "長" * 501})
    assert too_long.status_code == 400
    with pytest.raises(ValidationFailed):
        cases.reply_case(case, officer, case.version, reply, "長" * 501)
    db.session.rollback()
    summary = "已於尖峰時段增開兩個櫃檯。"
    sent = client.post(f"/cases/{case.number}/reply", data=form | {"reply-public_summary": f" {summary} "})
    assert sent.status_code == 302
    notes, text = published_notes(client, case.number, fmt)
    assert notes == summary and "王小明" not in text and "0912" not in text
    db.session.refresh(case)
    cases.close_case(case, officer, case.version, "resolved")
    db.session.commit()
    notes, text = published_notes(client, case.number, fmt)
    assert notes == summary and "王小明" not in text and "0912" not in text
    assert summary in client.get(f"/cases/{case.number}").get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_without_a_public_summary_status_notes_is_the_sentence_for_the_state(client, org, fmt):
    officer, supervisor = org.users[("AA", "officer")], org.users[("AA", "supervisor")]
    case, _ = make_case(org.a)
    cases.assign_case(case, supervisor, case.version, officer.unit_id, officer.id)
    cases.start_work(case, officer, case.version)
    cases.reply_case(case, officer, case.version, "王小明先生您好，已增開櫃檯。", "  ")
    db.session.commit()
    assert case.public_summary is None
    notes, text = published_notes(client, case.number, fmt)
    assert notes == "Replied to the petitioner." and "王小明" not in text
    cases.close_case(case, officer, case.version, "resolved")
    db.session.commit()
    assert published_notes(client, case.number, fmt)[0] == "Closed: resolved."


open311_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "open",
            "closed",
            "open,closed",
            "waiting_time",
            "AA",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
            "2025-01-22T10:00:00",
            "2025-01-22T10:00:00Z",
            "-1",
            "1e309",
            "NaN",
            "",
        ]
    ),
)
open311_fields = st.dictionaries(
    st.sampled_from(
        [
            "jurisdiction_id",
            "service_code",
            "start_date",
            "end_date",
            "status",
            "service_request_id",
            "lat",
            "long",
            "email",
            "phone",
            "first_name",
            "last_name",
            "description",
            "address_string",
            "attribute[OFFICE]",
            "media_url",
        ]
    ),
    open311_values,
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=open311_fields, fmt=st.sampled_from(["json", "xml"]), with_key=st.booleans())
def test_fuzzed_open311_input_never_breaks_it(client, org, writer, fields, fmt, with_key):
    """Any query or form gets either an answer or the spec's error list with 400/403/404, never a 5xx."""
    form = dict(fields, api_key=writer) if with_key else fields
    for response in (
        client.get(f"{BASE}/requests.{fmt}", query_string=fields),
        client.get(f"{BASE}/services.{fmt}", query_string=fields),
        client.post(f"{BASE}/requests.{fmt}", data=form),
    ):
        assert response.status_code in (200, 400, 403, 404), (response.status_code, response.data)
        if response.status_code != 200:
            errors = (
                response.json
                if fmt == "json"
                else [{"code": int(e.findtext("code"))} for e in ElementTree.fromstring(response.data)]
            )
            assert errors[0]["code"] == response.status_code
