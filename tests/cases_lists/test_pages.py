"""The list pages and the CSV export: what each viewer sees, masked the same way in both."""

import csv
import io
import re

from feedback_app.extensions import db
from feedback_app.models import CaseNote, CaseState
from tests.conftest import login

from .factories import make_case, taipei


def _cases(org):
    officer = org.users[("AA", "officer")]
    make_case(
        org.a,
        number="AA-MINE",
        due_at=taipei(2025, 1, 3, 23, 59, 59),
        assignee=officer,
        name="陳大文",
        phone="0987654321",
        email="chen@example.tw",
    )
    secret = make_case(
        org.a,
        number="AA-SECRET",
        due_at=taipei(2025, 1, 3, 23, 59, 59),
        assignee=officer,
        name="林秘密",
        phone="0911222333",
        confidential=True,
    )
    make_case(
        org.a,
        number="AA-OTHER",
        due_at=taipei(2099, 1, 3, 23, 59, 59),
        name="張三豐",
        phone="0922333444",
        state=CaseState.RECEIVED,
    )
    make_case(org.b, number="BB-ELSEWHERE", due_at=taipei(2025, 1, 3, 23, 59, 59), name="李四")
    db.session.add(CaseNote(case_id=secret.id, author_id=officer.id, body="內部註記：請勿外流"))
    db.session.commit()


def export(client, query: str, **kwargs):
    """The export streams; buffered reads it while the request is still running, as a server would."""
    return client.get(f"/cases/export.csv?{query}", buffered=True, **kwargs)


def _csv(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_officer_sees_their_petitioners_and_masked_others_on_the_page(client, org):
    _cases(org)
    login(client, "aa.officer")
    text = client.get("/cases/?view=all").get_data(as_text=True)
    assert "陳大文" in text and "0987654321" in text
    assert "林秘密" in text  # the officer handles the confidential case
    assert "張○豐" in text and "0922-***-678" not in text and "0922-***-444" in text
    assert "張三豐" not in text and "0922333444" not in text
    assert "BB-ELSEWHERE" not in text and "李四" not in text


def test_a_director_sees_every_name_masked_and_no_confidential_identity(client, org):
    _cases(org)
    login(client, "aa.director")
    response = client.get("/cases/")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "陳○文" in text and "0987-***-321" in text and "陳大文" not in text
    assert "林秘密" not in text and "林○密" not in text and "（身分保密）" in text


def test_csv_export_is_masked_exactly_like_the_page_and_has_no_notes(client, org):
    _cases(org)
    login(client, "aa.director")
    response = export(client, "view=all")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "案號"
    people = {row[0]: (row[12], row[13], row[14]) for row in body}
    assert people == {
        "AA-MINE": ("陳○文", "0987-***-321", "c***@example.tw"),
        "AA-SECRET": ("（身分保密）", "", ""),
        "AA-OTHER": ("張○豐", "0922-***-444", ""),
    }
    everything = response.get_data(as_text=True)
    assert "內部註記" not in everything and "林秘密" not in everything and "BB-ELSEWHERE" not in everything


def test_csv_export_follows_the_list_and_its_filters(client, org):
    _cases(org)
    login(client, "aa.officer")
    overdue = _csv(export(client, "view=overdue"))
    assert [row[0] for row in overdue[1:]] == ["AA-MINE", "AA-SECRET"]
    assert _csv(export(client, "view=all&q=OTHER"))[1][0] == "AA-OTHER"
    handled = {row[0]: row[12] for row in overdue[1:]}
    assert handled == {"AA-MINE": "陳大文", "AA-SECRET": "林秘密"}


def test_my_cases_page_lists_only_the_officers_open_cases(client, org):
    _cases(org)
    login(client, "aa.officer")
    text = client.get("/cases/mine").get_data(as_text=True)
    assert "AA-MINE" in text and "AA-SECRET" in text and "AA-OTHER" not in text


def test_pages_follow_on_with_a_next_link_and_a_bad_cursor_is_a_clear_error(client, org):
    for i in range(5):
        make_case(
            org.a, number=f"AA-P{i}", due_at=taipei(2025, 1, 3, 23, 59, 59), received_at=taipei(2025, 1, 2, 9)
        )
    db.session.commit()
    login(client, "aa.officer")
    first = client.get("/cases/?per_page=3").get_data(as_text=True)
    assert "AA-P4" in first and "AA-P2" in first and "AA-P1" not in first
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(link).get_data(as_text=True)
    assert "AA-P1" in second and "AA-P0" in second and "AA-P4" not in second
    assert 'rel="next"' not in second

    bad = client.get("/cases/?cursor=garbage")
    assert bad.status_code == 400
    assert "此分頁連結已損壞或過期" in bad.get_data(as_text=True)
    json_bad = export(client, "state=lost", headers={"Accept": "application/json"})
    assert json_bad.status_code == 400
    assert json_bad.get_json()["error"]["details"] == {"state": "未知的狀態。"}


def test_case_numbers_are_plain_text_until_the_detail_page_exists(client, org, app):
    _cases(org)
    login(client, "aa.officer")
    text = client.get("/cases/").get_data(as_text=True)
    if "cases.detail" in app.view_functions:
        assert 'href="/cases/AA-MINE"' in text
    else:
        assert "AA-MINE" in text and 'href="/cases/AA-MINE"' not in text


def test_lists_need_a_signed_in_user(client):
    assert client.get("/cases/").status_code in (302, 401)
    assert client.get("/cases/export.csv").status_code in (302, 401)


def test_csv_cells_that_spreadsheets_would_run_as_formulas_are_kept_as_text(client, org):
    make_case(
        org.a, number="AA-FORMULA", due_at=taipei(2099, 1, 3, 23, 59, 59), subject='=HYPERLINK("http://x")'
    )
    db.session.commit()
    login(client, "aa.officer")
    rows = _csv(export(client, "view=all"))
    assert rows[1][4] == '\'=HYPERLINK("http://x")'
