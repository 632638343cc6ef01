"""Staff read labels, never codes: states, channels and trail entries in their language, each word in its sense."""

import re

from feedback_app.extensions import db
from feedback_app.models import CaseChannel
from feedback_app.services import cases as svc
from tests.conftest import login

from .factories import assigned, make_case
from .test_services import _later_working_day

RAW_CODES = ("needs_director", "extension_id", "calendar_versions", "mayor_mailbox", "petition_system", "in_progress")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_case_list_names_the_state_the_time_and_the_open_filter_each_in_its_own_words(client, org, users):
    make_case(org.a, channel=CaseChannel.MAYOR_MAILBOX, petitioner_email="citizen@example.tw")
    login(client, "aa.director")
    page = client.get("/cases/?state=open").get_data(as_text=True)
    assert "受理時間</th>" in page  # the column of times
    assert ">已受理</td>" in page  # the state of the new case
    assert re.search(r'<option value="open"[^>]*>未結案件</option>', page)
    assert "市政信箱" in page
    assert [code for code in RAW_CODES if code in _text(page)] == []


def test_trail_of_an_extension_request_reads_as_sentences_without_internal_codes(client, org, users):
    case, _ = make_case(org.a, channel=CaseChannel.PETITION_SYSTEM, petitioner_email="citizen@example.tw")
    assigned(case, users["supervisor"], users["officer"])
    svc.request_extension(case, users["officer"], case.version, "需會勘", _later_working_day(case, 40))
    db.session.commit()
    login(client, "aa.director")
    trail = client.get(f"/cases/{case.number}").get_data(as_text=True).split('id="trail"')[1]
    text = _text(trail)
    assert "須經主任核定: 是" in text and "工作日" in text
    assert "→ —" not in text  # the old due date is shown as it was, not as "changed to nothing"
    assert [code for code in RAW_CODES if code in text] == []


def test_due_date_basis_names_the_rule_by_its_channel_and_category(client, org):
    from feedback_app.models import DueDateRule

    db.session.add(DueDateRule(city_id=org.a.city_id, channel=CaseChannel.HOTLINE_1999, category_id=None,
                               working_days=4))
    db.session.commit()
    case, _ = make_case(org.a, channel=CaseChannel.HOTLINE_1999, petitioner_phone="0912345678")
    login(client, "aa.director")
    basis = _text(client.get(f"/cases/{case.number}").get_data(as_text=True).split('class="due-basis"')[1])
    assert "1999 市民熱線、不限類別" in basis or ("1999" in basis and "不限類別" in basis)
    assert "channel=" not in basis and "category=" not in basis


def test_a_refused_intake_form_opens_with_a_focused_summary_linked_to_each_field(client, org):
    login(client, "aa.officer")
    page = client.post("/cases/new", data={"channel": "email", "subject": ""}).get_data(as_text=True)
    opening = 'class="flash flash-error error-summary" role="alert" tabindex="-1" autofocus>'
    summary = page.split(opening)[1].split("</div>")[0]
    assert '<a href="#subject">' in summary
    subject = re.search(r"<input[^>]*id=\"subject\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in subject and "subject-error" in subject and 'aria-required="true"' in subject
    assert '<a class="skip-link" href="#main">' in page and 'rel="icon"' in page
