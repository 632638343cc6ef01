"""One status per kind of error on the JSON API, in the house shape, in the request's language, as documented."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from marshmallow import Schema, ValidationError, fields, validate

from feedback_app.api.messages import TEMPLATES, localized
from feedback_app.extensions import db
from feedback_app.models import Case

from .factories import bearer, make_token

URL = "/api/v1/cases"
CASE = {"channel": "counter", "subject": "櫃檯等候太久", "external_ref": "1999-0001"}


@pytest.fixture
def token(org):
    return make_token(org, "cases:write cases:read", office=org.a)


def count_cases() -> int:
    return db.session.scalar(sa.select(sa.func.count(Case.id)))


@pytest.mark.parametrize("body", ['{"channel": "counter",', "not json", '{"subject": "a\\u0000b"}'])
def test_a_body_that_cannot_be_read_is_400(client, org, token, body):
    response = client.post(URL, data=body, content_type="application/json", headers=bearer(token))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request" and response.json["error"]["message"]
    assert count_cases() == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"channel": "pigeon"}, "channel"),  # refused by the schema
        ({"subject": None}, "subject"),
        ({"category": "nope"}, "category"),  # refused by the view
        ({"office": "CC"}, "office"),
        ({"channel": "email"}, "petitioner.email"),  # refused by the case service
        ({"received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),
        ({"received_at": "0249-12-13T09:53:05.4-08:32"}, "received_at"),  # before ROC year 1: no case number
        ({"petitioner": {"phone": "call me maybe"}}, "petitioner.phone"),
    ],
)
def test_a_well_formed_request_with_a_field_that_is_not_valid_is_422_naming_it(client, org, token, change, field):
    response = client.post(URL, json={**CASE, **change}, headers=bearer(token))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "invalid" and error["message"] == "部分資料不正確。"
    assert list(error["details"]) == [field]
    assert count_cases() == 0


def test_a_reference_number_the_office_has_is_422_like_any_other_field(client, org, token):
    assert client.post(URL, json=CASE, headers=bearer(token)).status_code == 201
    again = client.post(URL, json=CASE, headers=bearer(token))
    assert again.status_code == 422 and set(again.json["error"]["details"]) == {"external_ref"}
    assert count_cases() == 1


def test_details_are_in_the_requests_language_zh_tw_by_default(client, org, token):
    body = {"channel": "pigeon", "subject": "x" * 201, "extra": 1, "confidential": "maybe"}
    chinese = client.post(URL, json=body, headers=bearer(token)).json["error"]
    assert chinese["message"] == "部分資料不正確。"
    assert chinese["details"] == {
        "channel": chinese["details"]["channel"],
        "subject": "長度必須介於 1 與 200 之間。",
        "extra": "未知的欄位。",
        "confidential": "不是有效的布林值。",
    }
    assert chinese["details"]["channel"].startswith("必須是下列之一：1999, ")
    english = client.post(URL, json=body, headers={**bearer(token), "Accept-Language": "en"}).json["error"]
    assert english["message"] == "Some of the data is not valid."
    assert english["details"]["subject"] == "Length must be between 1 and 200."
    assert english["details"]["extra"] == "Unknown field."
    listing = client.get("/api/v1/cases?limit=0", headers=bearer(token)).json["error"]
    assert listing["details"] == {"limit": "必須大於或等於 1 且小於或等於 200。"}


def test_a_service_refusal_is_in_the_requests_language_too(client, org, token):
    body = {**CASE, "petitioner": {"phone": "call me maybe"}}
    english = client.post(URL, json=body, headers={**bearer(token), "Accept-Language": "en"}).json["error"]
    assert english["details"]["petitioner.phone"].startswith("Not a phone number.")
    chinese = client.post(URL, json=body, headers=bearer(token)).json["error"]
    assert chinese["details"]["petitioner.phone"].startswith("電話號碼格式不正確")


@pytest.mark.parametrize(
    "method, path, allowed",
    [("put", URL, {"GET", "POST"}), ("delete", f"{URL}/AA-1140122-0001", {"GET"}),
     ("post", "/api/v1/opendata/satisfaction.json", {"GET"})],
)
def test_a_method_the_path_does_not_take_is_405_with_allow(client, org, token, method, path, allowed):
    response = getattr(client, method)(path, headers=bearer(token))
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
    assert allowed <= {name.strip() for name in response.headers["Allow"].split(",")}


def test_open_data_answers_months_that_are_not_valid_with_422_in_the_house_shape(client, org):
    bad = client.get("/api/v1/opendata/satisfaction.json?start=2025-13")
    assert bad.status_code == 422
    assert bad.json["error"] == {"code": "invalid", "message": "部分資料不正確。",
                                 "details": {"start": "請使用 YYYY-MM 格式。"}}
    backwards = client.get(
        "/api/v1/opendata/satisfaction.csv?start=2025-06&end=2025-01", headers={"Accept-Language": "en"}
    )
    assert backwards.status_code == 422 and backwards.json["error"]["code"] == "invalid"
    assert backwards.json["error"]["message"].startswith("Choose from one month")


def test_the_openapi_document_describes_400_422_and_405(client):
    document = client.get("/api/v1/openapi.json").json
    responses = document["components"]["responses"]
    create = document["paths"][URL]["post"]["responses"]
    assert create["400"] == {"$ref": "#/components/responses/BAD_REQUEST"}
    assert create["422"] == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
    for path in ("/api/v1/opendata/satisfaction.json", "/api/v1/opendata/satisfaction.csv"):
        assert document["paths"][path]["get"]["responses"]["422"] == create["422"]
    assert "Accept-Language" in responses["UNPROCESSABLE_ENTITY"]["description"]
    assert "Allow" in responses["METHOD_NOT_ALLOWED"]["headers"]
    assert "405" in document["info"]["description"] and "422" in document["info"]["description"]


class Probe(Schema):
    text = fields.String(required=True, validate=validate.Length(min=2, max=5))
    count = fields.Integer(validate=validate.Range(min=1, max=9))
    small = fields.Integer(validate=validate.Range(min=1))
    kind = fields.String(validate=validate.OneOf(["a", "b"]))
    when = fields.AwareDateTime()
    flag = fields.Boolean()
    items = fields.List(fields.String())
    code = fields.String(validate=validate.Regexp(r"^\d+$"))
    maybe = fields.String(allow_none=False)


@pytest.mark.parametrize(
    "data",
    [{}, {"text": "x"}, {"text": "x" * 6}, {"text": 1}, {"text": "ok", "count": 0}, {"text": "ok", "count": "x"},
     {"text": "ok", "small": 0}, {"text": "ok", "kind": "c"}, {"text": "ok", "when": "2025-01-01T00:00:00"},
     {"text": "ok", "when": "soon"}, {"text": "ok", "flag": "maybe"}, {"text": "ok", "items": "x"},
     {"text": "ok", "code": "x"}, {"text": "ok", "maybe": None}, {"text": "ok", "other": 1}, []],
)
def test_every_message_marshmallow_gives_our_schemas_is_translated(app, data):
    try:
        Probe().load(data)
    except ValidationError as error:
        messages = [m for value in error.messages.values() for m in (value if isinstance(value, list) else [value])]
    else:
        pytest.fail("the probe should have been refused")
    with force_locale("zh_TW"):
        for message in messages:
            assert localized(message) != message, message


def test_a_message_of_our_own_is_kept_as_it_is(app):
    with force_locale("zh_TW"):
        assert localized("電話號碼格式不正確。") == "電話號碼格式不正確。"
        assert len(TEMPLATES) == len(set(TEMPLATES))
