"""意見回應 as the plans measure it: the reply meets the due date, closure is counted beside it, a reopened case
keeps its earlier reply and closure, an ended quarter keeps its figures, small samples are marked and growth is
shown relative and in points, on the page and in the .ods and .pdf reports."""

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from odf.namespaces import NUMBERNS, OFFICENS, STYLENS, TABLENS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from feedback_app.extensions import db
from feedback_app.models import CaseCycle, CaseOutcome, CaseState, CycleEnd
from feedback_app.services import cases as svc
from feedback_app.services.analytics import case_indicators, dashboard, scope_of
from feedback_app.services.reply_tables import rate_cell
from feedback_app.services.reports import build_quarterly_report, case_tables
from feedback_app.services.stats import MIN_SAMPLE, Period
from tests.cases.factories import make_case, taipei
from tests.conftest import login
from tests.factories import set_case_clock

Q2, Q3, Q4 = Period("quarter", 2025, 2), Period("quarter", 2025, 3), Period("quarter", 2025, 4)
AFTER_Q3 = datetime(2025, 10, 15, tzinfo=UTC)
A_YEAR_LATER = datetime(2026, 10, 15, tzinfo=UTC)


class Desk:
    """Acts on cases as the office's staff would, each step at the moment given."""

    def __init__(self, org, monkeypatch):
        self.supervisor = org.users[("AA", "supervisor")]
        self.officer = org.users[("AA", "officer")]
        self.monkeypatch = monkeypatch

    def _at(self, moment, action, case, actor, *args):
        set_case_clock(self.monkeypatch, moment)
        action(case, actor, case.version, *args)
        db.session.commit()

    def take(self, case, moment):
        self._at(moment, svc.assign_case, case, self.supervisor, self.officer.unit_id, self.officer.id)
        self._at(moment + timedelta(minutes=5), svc.start_work, case, self.officer)

    def reply(self, case, moment, text="已查明並改善，謝謝您的意見。"):
        self._at(moment, svc.reply_case, case, self.officer, text)

    def close(self, case, moment):
        self._at(moment, svc.close_case, case, self.officer, CaseOutcome.RESOLVED)

    def reopen(self, case, moment):
        self._at(moment, svc.reopen_case, case, self.supervisor, "陳情人補充新事證")
        if case.state == CaseState.REOPENED:
            self._at(moment + timedelta(minutes=5), svc.start_work, case, self.officer)


@pytest.fixture
def desk(org, monkeypatch):
    return Desk(org, monkeypatch)


@pytest.fixture
def cases(org, desk):
    """Q2: C replied on time and closed, D never replied. Q3: A replied a day before its due date and closed three
    days after it, B never replied, E replied on time and left unclosed."""
    made = {}
    for name, received in (("C", taipei(2025, 4, 1, 9)), ("D", taipei(2025, 4, 1, 9)), ("A", taipei(2025, 7, 1, 9)),
                           ("B", taipei(2025, 7, 1, 9)), ("E", taipei(2025, 7, 1, 9))):
        set_case_clock(desk.monkeypatch, received.astimezone(UTC))
        made[name], _ = make_case(org.a, received_at=received.astimezone(UTC))
        desk.take(made[name], received.astimezone(UTC) + timedelta(hours=1))
    for name in "CAE":
        desk.reply(made[name], made[name].due_at - timedelta(days=1))
    desk.close(made["C"], made["C"].due_at - timedelta(hours=20))
    desk.close(made["A"], made["A"].due_at + timedelta(days=3))
    for name, period in (("C", Q2), ("D", Q2), ("A", Q3), ("B", Q3), ("E", Q3)):
        assert period.start_utc <= made[name].due_at < period.end_utc  # each is due in its quarter
    return made


def test_a_case_replied_on_time_and_closed_late_counts_as_on_time(org, cases):
    figures = case_indicators(scope_of(org.a), Q3, now=AFTER_Q3)["current"]
    # A: replied by its due date, so on time for the reply, though its closure came three days late.
    assert figures["closed"] == 1 and figures["on_time"] == 0 and figures["on_time_rate"] == 0.0
    assert figures["reply_on_time"] == 2  # A and E
    cycle = db.session.query(CaseCycle).filter_by(case_id=cases["A"].id).one()
    assert cycle.first_replied_at <= cycle.due_at < cycle.closed_at


def test_an_open_case_past_its_due_date_lowers_the_on_time_reply_rate_of_its_period(org, cases):
    figures = case_indicators(scope_of(org.a), Q3, now=AFTER_Q3)
    current = figures["current"]
    # B never replied: it is in the denominator and late, although it was never closed.
    assert (current["due"], current["reply_on_time"], current["reply_late"]) == (3, 2, 1)
    assert current["reply_on_time_rate"] == pytest.approx(2 / 3)
    assert figures["open_overdue"] == 2  # B and D wait for a reply; replied E is not overdue though unclosed
    before_b_was_due = case_indicators(scope_of(org.a), Q3, now=cases["B"].due_at - timedelta(hours=1))
    assert before_b_was_due["current"]["due"] < 3  # a case not yet due is not late yet


def test_reopening_keeps_the_first_reply_and_closure_and_an_ended_quarter_keeps_its_figures(org, cases, desk):
    a, b, e = cases["A"], cases["B"], cases["E"]
    first_reply, first_close = a.replied_at, a.closed_at
    as_mailed = case_indicators(scope_of(org.a), Q3, now=AFTER_Q3)
    with force_locale("zh_TW"):
        board = dashboard(scope_of(org.a), Q3, now=AFTER_Q3)
        mailed_rows = [[c.text for c in row] for row in case_tables(board)[0].rows[:-1]]

    desk.reopen(a, datetime(2025, 11, 3, 2, tzinfo=UTC))
    desk.reply(b, datetime(2025, 11, 4, 2, tzinfo=UTC))  # late
    desk.reply(a, datetime(2025, 11, 5, 2, tzinfo=UTC), "補充說明：已再次改善。")
    desk.close(a, datetime(2025, 11, 10, 2, tzinfo=UTC))
    desk.reopen(e, datetime(2025, 11, 6, 2, tzinfo=UTC))

    assert a.replied_at > first_reply  # the case row holds the latest turn …
    cycles = db.session.query(CaseCycle).filter_by(case_id=a.id).order_by(CaseCycle.number).all()
    assert [c.number for c in cycles] == [1, 2]  # … the cycles keep each
    assert (cycles[0].first_replied_at, cycles[0].closed_at, cycles[0].ended_by) == (
        first_reply, first_close, CycleEnd.CLOSED)
    assert cycles[0].outcome == CaseOutcome.RESOLVED
    assert cycles[1].started_at == datetime(2025, 11, 3, 2, tzinfo=UTC) and cycles[1].due_at > cycles[1].started_at
    assert cycles[1].first_replied_at == a.replied_at and cycles[1].closed_at == a.closed_at
    assert a.due_at == cycles[1].due_at  # a reopened case is due again from its reopening

    a_year_later = case_indicators(scope_of(org.a), Q3, now=A_YEAR_LATER)
    assert a_year_later["current"] == as_mailed["current"]
    assert a_year_later["breakdowns"] == as_mailed["breakdowns"] and a_year_later["review"] == as_mailed["review"]
    with force_locale("zh_TW"):
        board = dashboard(scope_of(org.a), Q3, now=A_YEAR_LATER)
        assert [[c.text for c in row] for row in case_tables(board)[0].rows[:-1]] == mailed_rows
    q4 = case_indicators(scope_of(org.a), Q4, now=datetime(2026, 1, 15, tzinfo=UTC))["current"]
    # Q4: B's late reply and A's second cycle (due, replied and closed in Q4); E's second cycle is due in Q4, unreplied.
    assert (q4["replied"], q4["closed"], q4["due"], q4["reply_on_time"]) == (2, 1, 2, 1)


def test_the_case_page_shows_the_earlier_cycles(client, org, cases, desk):
    a = cases["A"]
    desk.reopen(a, datetime(2025, 11, 3, 2, tzinfo=UTC))
    login(client, "aa.supervisor")
    page = client.get(f"/cases/{a.number}").get_data(as_text=True)
    assert "處理期程" in page and 'data-cycle="1"' in page and 'data-cycle="2"' in page
    first = db.session.query(CaseCycle).filter_by(case_id=a.id, number=1).one()
    local = first.closed_at.astimezone(taipei(2025, 1, 1).tzinfo).strftime("%Y-%m-%d %H:%M")
    assert local in page and "已結案" in page


def test_a_case_never_reopened_shows_no_cycle_table(client, org, cases):
    login(client, "aa.supervisor")
    page = client.get(f"/cases/{cases['C'].number}").get_data(as_text=True)
    assert 'data-cycle="1"' not in page


def test_growth_is_shown_relative_and_in_points(org, cases):
    with force_locale("zh_TW"):
        board = dashboard(scope_of(org.a), Q3, now=AFTER_Q3)
        rows = {row[0].text: row for row in case_tables(board)[0].rows}
    assert board.cases["previous"]["reply_on_time_rate"] == pytest.approx(0.5)  # Q2: C on time, D never replied
    points, relative = rows["如期回應率：增減（百分點）"], rows["如期回應率：成長率（相對）"]
    assert points[2].text == "+16.7 百分點" and points[2].value == pytest.approx(16.6667, abs=1e-3)
    assert relative[2].text == "+33.3%" and relative[2].value == pytest.approx(1 / 3, abs=1e-6)
    assert "意見處理滿意度：增減（百分點）" in rows and "意見處理滿意度：成長率（相對）" in rows
    assert "如期結案率：增減（百分點）" in rows and "如期結案率：成長率（相對）" in rows


def test_a_rate_from_fewer_than_30_cases_carries_the_too_few_mark_and_30_do_not(app):
    few = {"reply_on_time_rate": 0.5, "reply_on_time_too_few": True}
    enough = {"reply_on_time_rate": 0.5, "reply_on_time_too_few": False}
    none = {"reply_on_time_rate": None, "reply_on_time_too_few": True}
    with app.test_request_context(), force_locale("zh_TW"):
        marked = rate_cell(few, "reply_on_time_rate", "reply_on_time_too_few")
        assert marked.text == "50.0%（樣本不足）" and marked.value == 0.5 and marked.mark == "（樣本不足）"
        assert rate_cell(enough, "reply_on_time_rate", "reply_on_time_too_few").text == "50.0%"
        assert rate_cell(none, "reply_on_time_rate", "reply_on_time_too_few").text == "—"
    assert MIN_SAMPLE == 30


def _case_rows(page: str) -> str:
    return page[page.index('id="table-cases"'):]


def test_small_samples_are_marked_on_the_dashboard(client, org, cases):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q3").get_data(as_text=True)
    section = _case_rows(page)
    assert "如期回應率" in section and "如期結案率" in section
    assert "66.7%（樣本不足）" in section  # on-time reply rate from 3 cases
    by_channel = page[page.index('id="table-cases_by_channel"'):]
    assert "66.7%（樣本不足）" in by_channel and "0.0%（樣本不足）" in by_channel


def _sheet(doc, name):
    return next(s for s in doc.spreadsheet.getElementsByType(Table) if s.getAttribute("name") == name)


def test_small_samples_are_marked_in_the_spreadsheet_whose_cells_keep_their_numbers(org, cases):
    report = build_quarterly_report(org.a, 2025, 3)
    doc = load(io.BytesIO(report.ods()))
    rows = [row.getElementsByType(TableCell) for row in _sheet(doc, "意見回應").getElementsByType(TableRow)]
    row = next(r for r in rows if str(r[0]) == "如期回應率")
    cell = row[1]
    assert cell.getAttrNS(OFFICENS, "value-type") == "percentage"
    assert float(cell.getAttrNS(OFFICENS, "value")) == pytest.approx(2 / 3, abs=1e-6)
    styles = {s.getAttrNS(STYLENS, "name"): s for s in doc.automaticstyles.childNodes if s.qname[1] != "#text"}
    data = styles[styles[cell.getAttrNS(TABLENS, "style-name")].getAttrNS(STYLENS, "data-style-name")]
    texts = [str(n) for n in data.childNodes if n.qname == (NUMBERNS, "text")]
    assert texts == ["%", "（樣本不足）"]  # shown after the number by the cell's own format
    assert str(cell) == "66.7%（樣本不足）"
    channel = [row.getElementsByType(TableCell) for row in _sheet(doc, "案件來源管道統計").getElementsByType(TableRow)]
    assert any("樣本不足" in str(c) for r in channel for c in r)


def test_small_samples_are_marked_in_the_pdf(org, cases, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(build_quarterly_report(org.a, 2025, 3).pdf())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    section = text[text.index("5. 意見回應"):]
    assert "如期回應率" in section and "如期結案率" in section
    assert "樣本不足" in section.replace("\n", "")
    assert "成長率" in section and "百分點" in section


def test_the_migration_rebuilds_the_cycles_the_cases_recorded_from_their_rows_and_trails(app, cases, desk):
    import importlib.util
    from pathlib import Path

    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    desk.reopen(cases["A"], datetime(2025, 11, 3, 2, tzinfo=UTC))
    desk.reply(cases["A"], datetime(2025, 11, 5, 2, tzinfo=UTC))
    desk.close(cases["A"], datetime(2025, 11, 10, 2, tzinfo=UTC))
    desk.reopen(cases["E"], datetime(2025, 11, 6, 2, tzinfo=UTC))
    columns = ("case_id", "number", "started_at", "due_at", "first_replied_at", "closed_at", "outcome", "ended_at",
               "ended_by")

    def recorded():
        db.session.expire_all()
        return sorted(db.session.execute(sa.select(*[getattr(CaseCycle, c) for c in columns])).all())

    as_recorded = recorded()
    assert len(as_recorded) == 7  # five cases, two of them reopened
    db.session.execute(sa.delete(CaseCycle))
    db.session.commit()
    path = next((Path(__file__).resolve().parents[2] / "migrations/versions").glob("1004_*.py"))
    spec = importlib.util.spec_from_file_location("cycles_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration._fill()
    assert recorded() == as_recorded
