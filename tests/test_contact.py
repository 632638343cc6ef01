"""One check of phone numbers and e-mail addresses for every way a case comes in, with one message per field."""

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, Notification
from feedback_app.services import contact
from feedback_app.services.calendar import import_calendar
from feedback_app.services.case_import import import_cases
from feedback_app.services.errors import ValidationFailed
from tests.api.factories import bearer, make_token
from tests.conftest import CALENDAR_DIR, login

TAIWANESE_NUMBERS = [
    "02-2345-6789",
    "(02)23456789",
    "(02) 2345-6789",
    "02 2345 6789",
    "0223456789",
    "037-123-456",
    "04-2345-6789",
    "049-234-5678",
    "07-123-4567",
    "089-123-456",
    "0800-000-123",
    "0912-345-678",
    "0912345678",
    "0912 345 678",
    "+886-2-2345-6789",
    "+886 2 2345 6789",
    "+886 (0)2 2345 6789",
    "+886912345678",
    "+886-912-345-678",
    "02-2345-6789#123",
    "02-2345-6789 #123",
    "(02)2345-6789 分機 123",
    "02-2345-6789分機12",
    "02-2345-6789 ext. 5",
    "02-2345-6789 轉 301",
    "０９１２－３４５－６７８",  # typed with a Chinese input method: full-width
    "+84 912 345 678",  # a new immigrant's home number, in its international form
]
NOT_NUMBERS = [
    "call me maybe",
    "0912-345-67",
    "0912-345-6789",
    "09123456789",
    "01-2345-6789",
    "111111111",
    "+886 12",
    "+1 23",
    "02-2345-6789#",
    "02-2345-6789 分機 abc",
    "0912345678; DROP TABLE cases",
    "1" * 40,
]


@pytest.mark.parametrize("number", TAIWANESE_NUMBERS)
def test_taiwanese_landlines_mobiles_plus_886_and_extensions_are_phone_numbers(number):
    assert contact.phone_error(number) is None


@pytest.mark.parametrize("number", NOT_NUMBERS)
def test_anything_else_is_not_a_phone_number(app, number):
    assert contact.phone_error(number)


def test_a_byte_order_mark_counts_as_a_blank_as_the_published_pattern_reads_it():
    assert contact.phone_error("\ufeff") is None and contact.email_error("\ufeff") is None
    assert contact.phone_error("\ufeff0912-345-678") is None


def test_a_local_number_without_its_area_code_is_asked_for_the_area_code(app):
    assert "02-2345-6789" in contact.phone_error("2345-6789")
    assert contact.phone_error("2345-6789") != contact.phone_error("call me maybe")


@pytest.mark.parametrize("address", ["citizen@example.tw", "王小明@例子.台灣", "a.b+c@mail.example.com.tw"])
def test_addresses_mail_can_go_to_are_e_mail_addresses(address):
    assert contact.email_error(address) is None


@pytest.mark.parametrize("address", ["not-an-email", "a@b", "a@@example.tw", "a b@example.tw", "@example.tw",
                                     "a@example.tw.", "x" * 250 + "@example.tw"])
def test_anything_else_is_not_an_e_mail_address(app, address):
    assert contact.email_error(address)


def test_messages_are_per_field_in_the_users_language(app):
    errors = contact.contact_errors("call me maybe", "not-an-email")
    assert set(errors) == {"phone", "email"}
    assert "電話" in errors["phone"] and "電子郵件" in errors["email"]
    with force_locale("en"):
        assert contact.phone_error("call me maybe").startswith("Not a phone number")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- every entrance ---------------------------------------------------------------------------------------


def test_the_case_form_refuses_a_phone_that_is_not_one_and_shows_why_beside_it(client, org):
    login(client, "aa.officer")
    response = client.post(
        "/cases/new",
        data={"channel": CaseChannel.PHONE, "subject": "請回電", "petitioner_phone": "call me maybe",
              "petitioner_email": "not-an-email"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert contact.phone_error("call me maybe") in page and contact.email_error("not-an-email") in page
    assert count(Case) == 0
    fine = client.post(
        "/cases/new",
        data={"channel": CaseChannel.PHONE, "subject": "請回電", "petitioner_phone": "(02)2345-6789 分機 12"},
    )
    assert fine.status_code == 302 and count(Case) == 1


def test_the_api_refuses_a_phone_and_an_email_that_are_not_ones_with_422_per_field(client, org):
    token = make_token(org, "cases:write", office=org.a)
    body = {"channel": "phone", "subject": "請回電",
            "petitioner": {"phone": "call me maybe", "email": "not-an-email"}}
    response = client.post("/api/v1/cases", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert response.json["error"]["details"] == {
        "petitioner.phone": contact.phone_error("call me maybe"),
        "petitioner.email": contact.email_error("not-an-email"),
    }
    assert count(Case) == 0
    body["petitioner"] = {"phone": "+886-2-2345-6789#123", "email": "citizen@example.tw"}
    assert client.post("/api/v1/cases", json=body, headers=bearer(token)).status_code == 201


@pytest.fixture
def calendar_2025(app):
    import_calendar((CALENDAR_DIR / "2025.csv").read_bytes(), "2025.csv")
    db.session.commit()


def test_the_case_import_refuses_a_row_whose_email_is_not_one_and_queues_nothing(org, calendar_2025):
    data = (
        "案件編號,受理時間,管道,主旨,電話,電子郵件\r\n"
        "1999-0001,2025-01-22 10:05,1999,等候太久,0912345678,citizen@example.tw\r\n"
        "1999-0002,2025-01-22 10:06,1999,等候太久,,not-an-email\r\n"
        "1999-0003,2025-01-22 10:07,1999,等候太久,call me maybe,\r\n"
    ).encode()
    with pytest.raises(ValidationFailed) as raised:
        import_cases(data, org.a)
    db.session.rollback()
    assert raised.value.details == {
        "第 3 列，電子郵件": contact.email_error("not-an-email"),
        "第 4 列，電話": contact.phone_error("call me maybe"),
    }
    assert count(Case) == 0 and count(Notification) == 0


def test_the_case_import_page_names_the_bad_row(client, org, calendar_2025):
    login(client, "aa.supervisor")
    data = "案件編號,受理時間,管道,主旨,電子郵件\r\n1999-0002,2025-01-22 10:06,1999,等候太久,not-an-email\r\n"
    response = client.post(
        "/cases/import",
        data={"office": str(org.a.id), "action": "check", "file": (io.BytesIO(data.encode()), "a.csv")},
    )
    assert response.status_code == 400
    assert "第 2 列，電子郵件" in response.get_data(as_text=True)
    assert count(Case) == 0 and count(Notification) == 0


def test_open311_refuses_a_phone_and_an_email_that_are_not_ones_naming_each(client, org):
    token = quote(make_token(org, "open311", office=org.a))
    response = client.post(
        "/open311/v2/requests.json",
        data=f"api_key={token}&service_code=waiting_time&phone=call+me+maybe&email=not-an-email",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    description = response.json[0]["description"]
    assert f"phone: {contact.phone_error('call me maybe')}" in description
    assert f"email: {contact.email_error('not-an-email')}" in description
    assert count(Case) == 0
    fine = client.post(
        "/open311/v2/requests.json",
        data=f"api_key={token}&service_code=waiting_time&phone=%2B886912345678",
        content_type="application/x-www-form-urlencoded",
    )
    assert fine.status_code == 200, fine.json
