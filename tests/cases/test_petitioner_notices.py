"""The petitioner hears every turn in the language they used: receipt, transfer to another agency (its name and
contact), merging (the number that carries their case on); the look-up page shows the turns in five languages."""

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, LoginThrottle, Notification, Unit
from feedback_app.services import cases as svc
from feedback_app.services.errors import ValidationFailed
from tests.conftest import login

from .factories import assigned, make_case


def _mail(kind: str, case: Case) -> Notification:
    return db.session.scalar(sa.select(Notification).where(Notification.kind == kind,
                                                           Notification.case_id == case.id))


def test_the_acknowledgement_speaks_the_petitioners_language(org):
    case, code = make_case(org.a, channel=CaseChannel.EMAIL, petitioner_email="th@example.tw",
                           petitioner_locale="th")
    ack = _mail("acknowledgement", case)
    assert ack.subject == f"ได้รับเรื่อง {case.number} แล้ว"
    assert f"รหัสตรวจสอบ: {code}" in ack.body


def test_a_language_outside_the_five_is_refused(org):
    with pytest.raises(ValidationFailed) as refused:
        make_case(org.a, petitioner_email="x@example.tw", petitioner_locale="fr")
    assert "petitioner_locale" in refused.value.details
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_a_transfer_to_another_agency_tells_its_name_and_contact(org, users):
    case, _ = make_case(org.a, petitioner_email="id@example.tw", petitioner_locale="id")
    svc.transfer_case(case, users["supervisor"], case.version, "非本所業務", agency="新北市政府環境保護局",
                      contact="02-2953-2111")
    db.session.commit()
    mail = _mail("transfer", case)
    assert mail.subject == f"Kasus Anda {case.number} telah diteruskan ke instansi lain"
    assert f"Kasus Anda {case.number} telah diteruskan ke 新北市政府環境保護局" in mail.body
    assert "Kontak: 02-2953-2111" in mail.body
    assert case.transferred_contact == "02-2953-2111"


def test_a_transfer_within_the_office_tells_the_petitioner_nothing(org, users):
    case, _ = make_case(org.a, petitioner_email="a@example.tw")
    other_unit = Unit(office_id=org.a.id, code="SOC", name="社會課")
    db.session.add(other_unit)
    assigned(case, users["supervisor"], users["officer"])
    svc.transfer_case(case, users["supervisor"], case.version, "改由他課辦理", unit_id=other_unit.id)
    db.session.commit()
    assert _mail("transfer", case) is None


def test_a_merge_tells_the_number_of_the_case_that_carries_theirs(org, users):
    keep, _ = make_case(org.a)
    dup, _ = make_case(org.a, petitioner_email="en@example.tw", petitioner_locale="en")
    svc.merge_case(dup, users["supervisor"], dup.version, keep.number)
    db.session.commit()
    mail = _mail("merge", dup)
    assert keep.number in mail.subject
    assert f"has been merged into it; the reply will come under case {keep.number}" in mail.body


def _lookup(client, number, code, **extra):
    return client.post("/lookup", data={"number": number, "code": code, **extra},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})


def test_a_merged_cases_number_and_code_show_the_surviving_case_in_the_petitioners_language(
        client, app, org, users):
    keep, _ = make_case(org.a)
    dup, code = make_case(org.a, petitioner_email="vi@example.tw", petitioner_locale="vi")
    svc.merge_case(dup, users["supervisor"], dup.version, keep.number)
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        response = _lookup(client, dup.number, code)
        assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert f"Hồ sơ {keep.number}" in page
    assert f"Hồ sơ {dup.number} của bạn đã được gộp vào hồ sơ này ({keep.number})" in page
    assert f"Hồ sơ {dup.number} được gộp vào đây" in page
    assert db.session.get(LoginThrottle, "lookup:203.0.113.9") is None
    # The language switch keeps the case shown.
    thai = _lookup(client, dup.number, code, lang="th").get_data(as_text=True)
    assert '<html lang="th">' in thai and f"เรื่อง {dup.number} ของคุณถูกรวมเข้ากับเรื่องนี้ ({keep.number})" in thai


def test_the_look_up_page_lists_the_turns_the_petitioner_was_told(client, org, users):
    case, code = make_case(org.a, petitioner_email="vi@example.tw", petitioner_locale="vi")
    svc.transfer_case(case, users["supervisor"], case.version, "非本所業務", agency="臺北市政府工務局",
                      contact="1999 分機 8888")
    db.session.commit()
    page = _lookup(client, case.number, code).get_data(as_text=True)
    assert "Tiếp nhận hồ sơ" in page
    assert "Chuyển cho 臺北市政府工務局" in page and "Liên hệ: 1999 分機 8888" in page
    assert "Đã chuyển cơ quan khác" in page
    assert "非本所業務" not in page  # the reason is internal


def test_staff_choose_the_language_of_a_phone_case(client, org, users):
    login(client, "aa.officer")
    form = client.get("/cases/new").get_data(as_text=True)
    assert 'name="petitioner_locale"' in form and "Tiếng Việt" in form
    response = client.post("/cases/new", data={
        "channel": CaseChannel.PHONE, "subject": "越南籍陳情人來電", "category_id": "0",
        "petitioner_phone": "0912345678", "petitioner_email": "vi@example.tw", "petitioner_locale": "vi",
    })
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case).where(Case.subject == "越南籍陳情人來電"))
    assert case.petitioner_locale == "vi"
    assert _mail("acknowledgement", case).subject == f"Đã nhận hồ sơ {case.number}"
    detail = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert 'id="petitioner-language">Tiếng Việt<' in detail
