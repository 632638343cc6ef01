"""The dashboard opens with the figures a director asks first, each a link to the table that holds it."""

import re

import pytest

from feedback_app.services.analytics import Selection, dashboard, scope_of
from feedback_app.services.headline import headline
from feedback_app.services.stats import Period
from tests.conftest import login


def _headline_section(page: str) -> str:
    return re.search(r'<section class="headline".*?</section>', page, re.S).group(0)


def test_the_dashboard_opens_with_a_headline_row_that_links_each_figure_to_its_table(client, quarter_data):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    row = _headline_section(page)
    assert page.index('class="headline"') < page.index('class="analytics-filters"')  # before the filters
    for label in ("服務滿意度", "如期結案率", "目前逾期未結案件", "意見處理滿意度"):
        assert label in row, label
    for anchor in re.findall(r'href="#([\w-]+)"', row):
        assert f'id="{anchor}"' in page, anchor
    assert 'href="#table-satisfaction"' in row and 'href="#table-cases"' in row
    assert "較上期" in row and "較去年同期" in row
    assert "95%信賴區間" in row


def test_the_headline_satisfaction_counts_kiosk_and_qr_together_with_its_changes(quarter_data):
    period = Period("quarter", 2025, 2)
    scope = scope_of(quarter_data.a)
    apart = dashboard(scope, period, Selection(channel="separate"))
    together = dashboard(scope, period, Selection(channel="combined")).lines[0]
    figure = next(h for h in headline(apart) if h.key == "satisfaction")
    assert len(apart.lines) == 2
    assert figure.value.value == pytest.approx(together.current.rate, abs=1e-6)
    assert figure.previous.value == pytest.approx(together.vs_previous.points, abs=1e-4)
    assert figure.last_year.text == "—"  # nothing was counted a year before
    on_time = next(h for h in headline(apart) if h.key == "on_time")
    assert on_time.value.text == "50.0%"  # of AA's two closed cases, one was closed by its due date
