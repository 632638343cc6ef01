"""Personal data is masked as the glossary shows: 王○明, 0912-***-678."""

from feedback_app.models import Case, Role, User
from feedback_app.services.privacy import can_see_identity, mask_email, mask_name, mask_phone, petitioner_view


def test_masks():
    assert mask_name("王小明") == "王○明"
    assert mask_name("歐陽娜娜") == "歐○○娜"
    assert mask_name("王明") == "王○"
    assert mask_phone("0912345678") == "0912-***-678"
    assert mask_phone("0912-345-678") == "0912-***-678"
    assert mask_phone("02-2345-6789") == "*******789"
    assert mask_email("citizen@example.tw") == "c***@example.tw"


def _case(**kw):
    return Case(petitioner_name="王小明", petitioner_phone="0912345678", assignee_id=1, unit_id=5, **kw)


def test_handlers_and_monitors_see_the_identity_others_see_it_masked():
    officer = User(active=True, id=1, role=Role.OFFICER, unit_id=5)
    other = User(active=True, id=2, role=Role.OFFICER, unit_id=5)
    monitor = User(active=True, id=3, role=Role.MONITOR)
    supervisor = User(active=True, id=4, role=Role.SUPERVISOR, unit_id=5)
    case = _case(confidential=False)
    assert can_see_identity(officer, case) and can_see_identity(monitor, case) and can_see_identity(supervisor, case)
    assert not can_see_identity(other, case)
    assert petitioner_view(other, case)["name"] == "王○明"


def test_confidential_identity_is_hidden_even_from_monitors():
    monitor = User(active=True, id=3, role=Role.MONITOR)
    case = _case(confidential=True)
    assert not can_see_identity(monitor, case)
    assert "王" not in petitioner_view(monitor, case)["name"]
    assert can_see_identity(User(active=True, id=1, role=Role.OFFICER), case)
