"""/api/v1/cases: opened through open_case, scoped to the token's offices, personal data masked."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ApiToken, Case, CaseEvent
from feedback_app.services.cases import check_lookup_code

from .factories import bearer, make_case, make_token

NEW_CASE = {
    "office": "AA",
    "channel": "1999",
    "category": "waiting_time",
    "subject": "等候時間過長",
    "description": "週一上午等候超過一小時",
    "external_ref": "1999-20250122-0042",
    "petitioner": {"name": "陳美玲", "phone": "0987654321", "email": "chen@example.tw"},
}


def test_post_opens_case_through_open_case_with_due_date_and_lookup_code_once(client, org, writer):
    response = client.post("/api/v1/cases", json=NEW_CASE, headers=bearer(writer))
    assert response.status_code == 201, response.json
    body = response.json
    case = db.session.scalar(sa.select(Case).where(Case.number == body["number"]))
    assert case.channel == "1999" and case.office_id == org.a.id and case.category.code == "waiting_time"
    assert body["due_at"] and case.working_days == 6 and body["working_days"] == 6
    assert check_lookup_code(case, body["lookup_code"])
    assert db.session.scalar(sa.select(CaseEvent.action).where(CaseEvent.case_id == case.id)) == "created"
    assert body["petitioner"] == {
        "name": "陳○玲",
        "phone": "0987-***-321",
        "email": "c***@example.tw",
        "address": "",
        "masked": True,
    }
    again = client.get(f"/api/v1/cases/{body['number']}", headers=bearer(writer)).json
    assert "lookup_code" not in again and again["number"] == body["number"]


def test_missing_invalid_revoked_and_wrong_scope_tokens_are_refused(client, org):
    from feedback_app.services.tokens import revoke_token

    assert client.post("/api/v1/cases", json=NEW_CASE).status_code == 401
    assert client.post("/api/v1/cases", json=NEW_CASE, headers=bearer("cf_nope")).status_code == 401
    reader = make_token(org, "cases:read")
    refused = client.post("/api/v1/cases", json=NEW_CASE, headers=bearer(reader))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "insufficient_scope"
    writer = make_token(org, "cases:write", name="revoked later")
    token_id = db.session.scalar(sa.select(sa.func.max(ApiToken.id)))
    revoke_token(token_id)
    db.session.commit()
    assert client.post("/api/v1/cases", json=NEW_CASE, headers=bearer(writer)).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_expired_token_is_refused(client, org):
    from datetime import timedelta

    from feedback_app.models import utcnow

    token = make_token(org, "cases:read")
    record = db.session.scalar(sa.select(ApiToken))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 401


def test_validation_errors_name_each_field_and_change_nothing(client, org, writer):
    bad = {
        "office": "AA",
        "channel": "pigeon",
        "subject": "",
        "petitioner": {"email": "not-an-email"},
        "received_at": "2025-01-22T10:00:00",
    }
    response = client.post("/api/v1/cases", json=bad, headers=bearer(writer))
    assert response.status_code == 422
    details = response.json["error"]["details"]
    assert {"channel", "subject", "petitioner.email", "received_at"} <= set(details)
    service_error = client.post(
        "/api/v1/cases", json={**NEW_CASE, "channel": "email", "petitioner": {}}, headers=bearer(writer)
    )
    assert service_error.status_code == 422
    assert "petitioner.email" in service_error.json["error"]["details"]
    unknown = client.post("/api/v1/cases", json={**NEW_CASE, "category": "nope"}, headers=bearer(writer))
    assert unknown.status_code == 422 and "category" in unknown.json["error"]["details"]
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_office_token_reads_and_writes_only_its_office(client, org):
    token = make_token(org, "cases:write cases:read", office=org.a)
    made = client.post("/api/v1/cases", json=NEW_CASE, headers=bearer(token))
    assert made.status_code == 201
    implicit = dict(NEW_CASE, external_ref="1999-20250122-0043")
    implicit.pop("office")
    duplicate = client.post("/api/v1/cases", json=implicit | {"external_ref": NEW_CASE["external_ref"]},
                            headers=bearer(token))
    assert duplicate.status_code == 422 and "external_ref" in duplicate.json["error"]["details"]
    assert client.post("/api/v1/cases", json=implicit, headers=bearer(token)).status_code == 201
    refused = client.post("/api/v1/cases", json={**NEW_CASE, "office": "BB"}, headers=bearer(token))
    assert refused.status_code == 422 and "office" in refused.json["error"]["details"]
    other, _ = make_case(org.b)
    foreign, _ = make_case(org.c)
    listed = client.get("/api/v1/cases", headers=bearer(token)).json["items"]
    assert {item["office"] for item in listed} == {"AA"} and len(listed) == 2
    assert client.get(f"/api/v1/cases/{other.number}", headers=bearer(token)).status_code == 404
    city_wide = make_token(org, "cases:read", name="city")
    numbers = {
        item["number"] for item in client.get("/api/v1/cases", headers=bearer(city_wide)).json["items"]
    }
    assert other.number in numbers and foreign.number not in numbers


def test_list_pages_with_keyset_cursor_and_filters(client, org, writer):
    made = [make_case(org.a, subject=f"案件 {i}")[0].number for i in range(5)]
    make_case(org.a, channel="letter", petitioner_address="臺北市中正區重慶南路一段122號")
    first = client.get("/api/v1/cases?limit=2&channel=counter", headers=bearer(writer)).json
    assert len(first["items"]) == 2 and first["next"]
    seen = [item["number"] for item in first["items"]]
    cursor = first["next"]
    while cursor:
        page = client.get(
            f"/api/v1/cases?limit=2&channel=counter&after={cursor}", headers=bearer(writer)
        ).json
        seen += [item["number"] for item in page["items"]]
        cursor = page["next"]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    bad = client.get("/api/v1/cases?limit=0&state=lost", headers=bearer(writer))
    assert bad.status_code == 422 and {"limit", "state"} <= set(bad.json["error"]["details"])


def test_personal_scope_unmasks_except_confidential_cases(client, org):
    plain, _ = make_case(org.a)
    secret, _ = make_case(org.a, confidential=True)
    masked = make_token(org, "cases:read", name="masked")
    personal = make_token(org, "cases:read cases:personal", name="personal")
    assert (
        client.get(f"/api/v1/cases/{plain.number}", headers=bearer(masked)).json["petitioner"]["name"]
        == "王○明"
    )
    shown = client.get(f"/api/v1/cases/{plain.number}", headers=bearer(personal)).json["petitioner"]
    assert shown == {
        "name": "王小明",
        "phone": "0912345678",
        "email": "wang@example.tw",
        "address": "",
        "masked": False,
    }
    hidden = client.get(f"/api/v1/cases/{secret.number}", headers=bearer(personal)).json["petitioner"]
    assert hidden["masked"] and "王" not in hidden["name"] and hidden["phone"] == ""


def test_401_carries_a_bearer_challenge(client, org):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_of_a_deactivated_user_stops_working(client, org):
    from feedback_app.services.tokens import issue_token

    officer = org.users[("AA", "officer")]
    _, plain = issue_token(name="script", scopes="cases:read open311", user=officer)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=bearer(plain)).status_code == 200
    officer.active = False
    db.session.commit()
    assert client.get("/api/v1/cases", headers=bearer(plain)).status_code == 401
    filed = client.post("/open311/v2/requests.json", data={"api_key": plain, "service_code": "other"})
    assert filed.status_code == 403
