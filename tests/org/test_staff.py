"""Staff: a CSV import (dry run, per-row errors, all or nothing, re-import updates), disabling an account,
setting a password, and the first admin bootstrapped without a password on the command line."""

import sqlalchemy as sa
from flask_babel import force_locale

from feedback_app.extensions import db
from feedback_app.models import Case, City, User
from feedback_app.services import staff
from feedback_app.services.errors import ValidationFailed
from tests.cases.conftest import calendar_2025  # noqa: F401  (fixture)
from tests.cases.factories import assigned, make_case, taipei
from tests.conftest import login

CSV = (
    "username,name,email,office,unit,role,language\n"
    "aa.chen,陳雅婷,chen@example.gov.tw,AA,REG,officer,zh_TW\n"
    "bb.lin,林家豪,lin@example.gov.tw,BB,REG,supervisor,en\n"
    "tpe.hsu,許研考,,,,monitor,\n"
)


def _people() -> dict:
    db.session.expire_all()
    return {u.username: (u.display_name, u.email, u.office_id, u.unit_id, u.role, u.locale, u.active)
            for u in db.session.scalars(sa.select(User))}


def test_a_staff_csv_creates_accounts_without_a_usable_password(app, org):
    report = staff.import_staff(org.tpe, CSV.encode())
    db.session.commit()
    chen = db.session.scalar(sa.select(User).where(User.username == "aa.chen"))
    assert (chen.office_id, chen.unit_id, chen.role, chen.locale) == (org.a.id, org.a.units[0].id, "officer", "zh_TW")
    assert report.without_password == ["aa.chen", "bb.lin", "tpe.hsu"]
    assert not chen.check_password("") and not chen.check_password("!")


def test_a_dry_run_reports_the_rows_and_changes_nothing(app, org):
    before = _people()
    report = staff.import_staff(org.tpe, CSV.encode(), dry_run=True)
    db.session.commit()
    assert report.lines() == ["created user aa.chen", "created user bb.lin", "created user tpe.hsu"]
    assert _people() == before


def test_bad_rows_are_named_by_row_and_field_and_nothing_is_imported(app, org):
    before = _people()
    bad = CSV + "bb.wu,吳承辦,not-mail,BB,XXX,officer,fr\naa.chen,重複,,AA,REG,officer,\n,無名,,,,boss,\n"
    try:
        with force_locale("en"):
            staff.import_staff(org.tpe, bad.encode())
    except ValidationFailed as refused:
        problems = refused.details
    else:
        raise AssertionError("a file with bad rows was accepted")
    db.session.rollback()
    assert problems == {
        "row 5, email": "Not an email address.",
        "row 5, unit": "Office BB has no unit XXX.",
        "row 5, language": "Choose one of: zh_TW, en.",
        "row 6, username": "Already on row 2.",
        "row 7, username": "Use 2 to 64 lower-case letters, digits, . _ or -.",
        "row 7, role": "Choose one of: officer, supervisor, monitor, director, admin.",
    }
    assert _people() == before


def test_re_importing_updates_accounts_by_username_instead_of_duplicating_them(app, org):
    staff.import_staff(org.tpe, CSV.encode())
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    again = staff.import_staff(org.tpe, CSV.encode())
    assert again.changes == [] and again.unchanged == 3
    changed = CSV.replace("chen@example.gov.tw,AA,REG,officer", "chen@example.gov.tw,AA,REG,supervisor")
    report = staff.import_staff(org.tpe, changed.encode())
    db.session.commit()
    assert report.lines() == ["updated user aa.chen: role"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == count
    assert db.session.scalar(sa.select(User.role).where(User.username == "aa.chen")) == "supervisor"


def test_a_file_without_the_required_columns_is_refused(app, org):
    try:
        staff.import_staff(org.tpe, b"user,name\nx,y\n")
    except ValidationFailed as refused:
        assert refused.code == "bad_header"
    else:
        raise AssertionError("a file without a header was accepted")


def test_the_import_page_checks_first_then_imports_every_row(client, org):
    login(client, "tpe.admin")
    from io import BytesIO

    check = client.post("/admin/staff/import", data={"action": "check", "file": (BytesIO(CSV.encode()), "staff.csv")},
                        content_type="multipart/form-data")
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "created user bb.lin" in page
    assert db.session.scalar(sa.select(User).where(User.username == "bb.lin")) is None
    payload = page.split('name="payload" type="hidden" value="')[1].split('"')[0]
    done = client.post("/admin/staff/import", data={"action": "import", "payload": payload})
    assert done.status_code == 200
    assert db.session.scalar(sa.select(User).where(User.username == "bb.lin")) is not None
    bad_file = (BytesIO(b"username,name,role\nx y,z,boss\n"), "s.csv")
    bad = client.post("/admin/staff/import", data={"action": "check", "file": bad_file},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "第 2 列, role" in bad.get_data(as_text=True)


def test_users_import_command_dry_run_then_import(runner, org, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(CSV, encoding="utf-8")
    dry = runner.invoke(args=["users", "import", str(path), "--city", "TPE", "--dry-run"])
    assert dry.exit_code == 0 and "would have created user aa.chen" in dry.output
    assert db.session.scalar(sa.select(User).where(User.username == "aa.chen")) is None
    done = runner.invoke(args=["users", "import", str(path), "--city", "TPE"])
    assert done.exit_code == 0 and "3 changed, 0 unchanged" in done.output and "set-password" in done.output


def test_a_disabled_user_cannot_sign_in_and_their_cases_keep_them_as_officer(client, org, calendar_2025):  # noqa: F811
    officer, supervisor = org.users[("AA", "officer")], org.users[("AA", "supervisor")]
    case, _code = make_case(org.a, received_at=taipei(2025, 3, 3, 10))
    assigned(case, supervisor, officer)
    login(client, "tpe.admin")
    response = client.post(f"/admin/staff/{officer.id}/active", data={"active": "0"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert case.number in page  # listed for reassignment
    db.session.expire_all()
    assert db.session.get(Case, case.id).assignee_id == officer.id
    assert not db.session.get(User, officer.id).active
    other = client.application.test_client()
    assert login(other, officer.username).status_code == 401
    listing = client.get("/admin/staff").get_data(as_text=True)
    assert "1 件待改派" in listing or "1 to reassign" in listing


def test_a_signed_in_user_who_is_disabled_is_signed_out_at_the_next_request(client, org):
    login(client, "aa.officer")
    assert client.get("/cases/").status_code == 200
    staff.set_active(org.users[("AA", "officer")], False)
    db.session.commit()
    assert client.get("/cases/").status_code in (302, 401)


def test_an_admin_cannot_disable_their_own_account(client, org):
    admin = org.users[("TPE", "admin")]
    login(client, "tpe.admin")
    client.post(f"/admin/staff/{admin.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_users_disable_command_lists_the_open_cases_to_reassign(runner, org, calendar_2025):  # noqa: F811
    officer, supervisor = org.users[("AA", "officer")], org.users[("AA", "supervisor")]
    case, _code = make_case(org.a, received_at=taipei(2025, 3, 3, 10))
    assigned(case, supervisor, officer)
    result = runner.invoke(args=["users", "disable", officer.username])
    assert result.exit_code == 0 and case.number in result.output and "reassign" in result.output
    enabled = runner.invoke(args=["users", "enable", officer.username])
    assert enabled.exit_code == 0


def test_an_admin_sets_a_new_accounts_password_on_its_page_and_it_can_sign_in(client, org):
    staff.import_staff(org.tpe, CSV.encode())
    db.session.commit()
    chen = db.session.scalar(sa.select(User).where(User.username == "aa.chen"))
    login(client, "tpe.admin")
    weak = client.post(f"/admin/staff/{chen.id}/password", data={"password": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 400 and 'id="password-error"' in weak.get_data(as_text=True)
    ok = client.post(f"/admin/staff/{chen.id}/password",
                     data={"password": "juniper-lantern-41", "confirm": "juniper-lantern-41"})
    assert ok.status_code == 302
    assert login(client.application.test_client(), "aa.chen", "juniper-lantern-41").status_code == 302


def test_the_staff_page_adds_an_account_and_refuses_an_officer_without_a_unit(client, org):
    login(client, "tpe.admin")
    bad = client.post("/admin/staff/new", data={"username": "aa.new", "name": "新人", "role": "officer",
                                               "office": "AA", "unit": "", "language": ""})
    assert bad.status_code == 400 and 'id="unit-error"' in bad.get_data(as_text=True)
    good = client.post("/admin/staff/new", data={"username": "aa.new", "name": "新人", "role": "officer",
                                                "office": "AA", "unit": "AA/REG", "language": "zh_TW"})
    assert good.status_code == 302
    assert db.session.scalar(sa.select(User.unit_id).where(User.username == "aa.new")) == org.a.units[0].id


def test_bootstrap_admin_takes_the_password_from_the_environment_and_creates_the_city(runner, app):
    result = runner.invoke(args=["users", "bootstrap-admin", "--city", "TPE", "--city-name", "臺北市"],
                           env={"CF_ADMIN_PASSWORD": "plum-orchard-2026"})
    assert result.exit_code == 0, result.output
    city = db.session.scalar(sa.select(City).where(City.code == "TPE"))
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    assert (admin.role, admin.city_id, admin.office_id) == ("admin", city.id, None)
    assert admin.check_password("plum-orchard-2026")
    again = runner.invoke(args=["users", "bootstrap-admin", "--city", "TPE"],
                          env={"CF_ADMIN_PASSWORD": "other-pass-99x"})
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert admin.check_password("plum-orchard-2026")


def test_bootstrap_admin_reads_a_hidden_prompt_and_refuses_a_weak_or_empty_password(runner, app):
    empty = runner.invoke(args=["users", "bootstrap-admin", "--city", "TPE"], input="\n\n",
                          env={"CF_ADMIN_PASSWORD": None})
    assert empty.exit_code == 1 and "password" in empty.output
    weak = runner.invoke(args=["users", "bootstrap-admin", "--city", "TPE"], input="password123\npassword123\n",
                         env={"CF_ADMIN_PASSWORD": None})
    assert weak.exit_code == 1 and "password" in weak.output
    assert db.session.scalar(sa.select(City.id)) is None
    typed = runner.invoke(args=["users", "bootstrap-admin", "--city", "TPE"],
                          input="plum-orchard-2026\nplum-orchard-2026\n", env={"CF_ADMIN_PASSWORD": None})
    assert typed.exit_code == 0, typed.output
    assert "plum-orchard" not in typed.output
    assert "--password" not in runner.invoke(args=["users", "bootstrap-admin", "--help"]).output


def test_set_password_command_gives_an_imported_account_its_first_password(runner, org):
    staff.import_staff(org.tpe, CSV.encode())
    db.session.commit()
    result = runner.invoke(args=["users", "set-password", "aa.chen"], env={"CF_PASSWORD": "juniper-lantern-41"})
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.username == "aa.chen")).check_password("juniper-lantern-41")
