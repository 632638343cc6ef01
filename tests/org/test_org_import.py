"""One organisation file sets up a city: dry run, bad entries refused whole, re-runs change only what changed."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import City, Counter, Office, Unit, User
from feedback_app.services.errors import ValidationFailed
from feedback_app.services.org_import import import_organisation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "city.toml"


def _snapshot() -> dict:
    """Every organisation row with its fields, to compare before and after."""
    db.session.expire_all()
    rows = {}
    for model in (City, Office, Unit, Counter):
        for record in db.session.scalars(sa.select(model)):
            rows[(model.__name__, record.id)] = {c.key: getattr(record, c.key) for c in model.__table__.columns}
    for user in db.session.scalars(sa.select(User)):
        rows[("User", user.id)] = {c.key: getattr(user, c.key) for c in User.__table__.columns
                                   if c.key not in ("last_login_at",)}
    return rows


def test_the_example_file_sets_up_a_city_of_offices_units_counters_and_staff(app):
    report = import_organisation(EXAMPLE.read_bytes())
    db.session.commit()
    city = db.session.scalar(sa.select(City).where(City.code == "TPE"))
    assert [o.code for o in city.offices] == ["BT", "WH", "ZZ"]
    assert {o.code: o.kind for o in city.offices} == {"BT": "district", "WH": "household", "ZZ": "household"}
    zz = next(o for o in city.offices if o.code == "ZZ")
    assert [u.code for u in zz.units] == ["ADM", "REC", "REG"]
    assert [c.code for c in zz.counters] == ["ZZ-01", "ZZ-02", "ZZ-03", "ZZ-05"]
    officer = db.session.scalar(sa.select(User).where(User.username == "zz.reg.wang"))
    assert (officer.role, officer.office.code, officer.unit.code) == ("officer", "ZZ", "REG")
    assert ("created", "counter ZZ-05", []) in report.changes
    assert "zz.reg.wang" in report.without_password


def test_a_dry_run_reports_the_changes_and_changes_nothing(app):
    before = _snapshot()
    report = import_organisation(EXAMPLE.read_bytes(), dry_run=True)
    db.session.commit()
    assert report.dry_run and len(report.changes) > 20
    assert _snapshot() == before == {}


def test_running_the_same_file_again_changes_nothing(app):
    import_organisation(EXAMPLE.read_bytes())
    db.session.commit()
    before = _snapshot()
    report = import_organisation(EXAMPLE.read_bytes())
    db.session.commit()
    assert report.changes == []
    assert _snapshot() == before


def test_a_changed_file_changes_only_what_changed_and_leaves_out_nothing(app):
    import_organisation(EXAMPLE.read_bytes())
    db.session.commit()
    before = _snapshot()
    text = EXAMPLE.read_text(encoding="utf-8")
    changed = (
        text.replace('phone = "02-2341-2566"', 'phone = "02-2341-9999"')
        .replace('name = "社會福利櫃檯"', 'name = "社會福利櫃檯"\n  active = false')
    )
    # The last staff entry is dropped from the file: the account stays as it is.
    changed = changed[: changed.rindex("[[staff]]")]
    report = import_organisation(changed)
    db.session.commit()
    assert report.lines() == ["updated office ZZ: phone", "deactivated counter BT-02"]
    after = _snapshot()
    differing = {key for key in before if before[key] != after[key]}
    zz = db.session.scalar(sa.select(Office).where(Office.code == "ZZ"))
    bt02 = db.session.scalar(sa.select(Counter).where(Counter.code == "BT-02"))
    assert differing == {("Office", zz.id), ("Counter", bt02.id)}
    assert after[("Office", zz.id)]["phone"] == "02-2341-9999"
    assert after[("Counter", bt02.id)]["active"] is False
    assert db.session.scalar(sa.select(User).where(User.username == "bt.civ.wu")).active


BAD = """
[city]
code = "TPE"
name = "臺北市"

[[offices]]
code = "ZZ"
kind = "household"
name = "臺北市中正區戶政事務所"

  [[offices.units]]
  code = "REG"
  name = "戶籍登記課"

  [[offices.counters]]
  code = "ZZ-01"
  unit = "NOPE"
  name = "綜合受理櫃檯 1"

[[offices]]
code = "WH"
kind = "town hall"
name = "臺北市萬華區戶政事務所"
phone = "call us"

[[staff]]
username = "zz.wang"
name = "王雅婷"
office = "ZZ"
role = "officer"

[[staff]]
username = "zz.lee"
name = "李家豪"
email = "not-an-email"
office = "XX"
role = "boss"
"""


def test_a_file_with_bad_entries_is_refused_whole_naming_each_place_and_field(app):
    with pytest.raises(ValidationFailed) as refused:
        import_organisation(BAD)
    db.session.rollback()
    problems = refused.value.details
    assert set(problems) == {
        "counter ZZ-01, unit", "office WH, kind", "office WH, phone",
        "user zz.wang, unit", "user zz.lee, email", "user zz.lee, office", "user zz.lee, role",
    }
    assert "NOPE" in problems["counter ZZ-01, unit"]
    assert _snapshot() == {}


def test_a_file_that_is_not_toml_is_refused_with_the_line(app):
    with pytest.raises(ValidationFailed) as refused:
        import_organisation('[city]\ncode = "TPE"\nname = \n')
    assert "line 3" in str(refused.value.message)


def test_org_import_command_prints_changes_then_nothing_when_run_again(runner):
    first = runner.invoke(args=["org", "import", str(EXAMPLE), "--dry-run"])
    assert first.exit_code == 0, first.output
    assert "would have created office ZZ" in first.output
    assert db.session.scalar(sa.select(Office.id)) is None
    second = runner.invoke(args=["org", "import", str(EXAMPLE)])
    assert second.exit_code == 0 and "created counter WH-05" in second.output
    third = runner.invoke(args=["org", "import", str(EXAMPLE)])
    assert third.exit_code == 0 and third.output.strip() == "Nothing changed."


def test_org_import_command_with_a_bad_file_exits_non_zero_and_lists_the_problems(runner, tmp_path):
    bad = tmp_path / "city.toml"
    bad.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["org", "import", str(bad)])
    assert result.exit_code == 1
    assert "office WH, kind" in result.output
    assert db.session.scalar(sa.select(Office.id)) is None
