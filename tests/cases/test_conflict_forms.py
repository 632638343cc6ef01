"""A save refused because someone else changed the case keeps what was typed and shows the other change;
internal notes, only ever appended, never conflict."""

import html
import re

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseNote
from feedback_app.services import cases as svc
from tests.conftest import login

from .factories import assigned, make_case
from .test_services import _later_working_day

TYPED = "經查本所已於十一月二十日調整叫號系統，\n尖峰時段加開兩個櫃檯。"
REASON = "需會同資訊室調整叫號系統"


def _case(number) -> Case:
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def _textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def test_a_stale_reply_form_comes_back_with_the_typed_text_and_the_other_change(client, org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    seen = case.version
    # While the officer writes the reply in one tab, an extension is asked for in another.
    svc.request_extension(case, users["officer"], seen, REASON, _later_working_day(case, 3))
    db.session.commit()
    login(client, "aa.officer")
    response = client.post(f"/cases/{case.number}/reply",
                           data={"reply-version": seen, "reply-reply": TYPED, "reply-public_summary": "加開櫃檯"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert _textarea(page, "reply-reply") == TYPED
    assert _textarea(page, "reply-public_summary") == "加開櫃檯"
    conflict = page[page.index('id="conflict"'):page.index("</section>", page.index('id="conflict"'))]
    assert "申請展期" in conflict and REASON in conflict
    assert "已分案" not in conflict  # the assignment was seen already
    assert _case(case.number).reply is None
    # The form now carries the version it was shown against: sent again, it is saved as typed.
    fresh = _case(case.number)
    assert _hidden(page, "reply-version") == str(fresh.version)
    again = client.post(f"/cases/{case.number}/reply",
                        data={"reply-version": _hidden(page, "reply-version"), "reply-reply": TYPED})
    assert again.status_code == 302
    assert _case(case.number).reply == TYPED.replace("\r\n", "\n")


def test_two_people_adding_notes_on_the_same_version_both_keep_theirs(client, app, org, users):
    case, _ = make_case(org.a)
    seen = case.version
    login(client, "aa.officer")
    other = app.test_client()
    login(other, "aa.supervisor")
    first = client.post(f"/cases/{case.number}/note", data={"note-version": seen, "note-body": "已電話聯繫陳情人"})
    second = other.post(f"/cases/{case.number}/note", data={"note-version": seen, "note-body": "請先查明排班"})
    assert (first.status_code, second.status_code) == (302, 302)
    fresh = _case(case.number)
    assert sorted(n.body for n in fresh.notes) == ["已電話聯繫陳情人", "請先查明排班"]
    # A note changes nothing of the case, so it refuses no one's form either.
    assert fresh.version == seen
    assert other.post(f"/cases/{case.number}/assign", data={
        "assign-version": seen, "assign-unit_id": users["officer"].unit_id,
        "assign-assignee_id": users["officer"].id}).status_code == 302


def test_a_note_written_on_a_case_loaded_before_another_save_is_kept(org, users):
    """Two sessions at once: the note's session still holds the old version, and the note is kept anyway."""
    import sqlalchemy.orm as so

    case, _ = make_case(org.a)
    with so.Session(db.engine) as other:
        other_case = other.get(Case, case.id)
        other_case.subject = "別人改了主旨"
        other.commit()
    svc.add_note(case, users["officer"], case.version, "我的備註")
    db.session.commit()
    assert db.session.scalar(sa.select(CaseNote.body)) == "我的備註"
    assert _case(case.number).subject == "別人改了主旨"
