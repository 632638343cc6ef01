"""The dashboard counts its figures once per page view; its charts reuse them, are drawn once per set of figures
and come with an ETag, so a reload counts and draws nothing that did not change."""

import html
import re
from datetime import UTC, datetime

import pytest

from feedback_app import charts
from feedback_app.extensions import db
from feedback_app.services import analytics, dashboard_cache
from tests.conftest import login

from .factories import make_rating


@pytest.fixture(autouse=True)
def _nothing_kept():
    dashboard_cache.forget_all()
    yield
    dashboard_cache.forget_all()


@pytest.fixture
def counted(monkeypatch):
    """How often the figures were counted and a chart drawn."""
    calls = {"dashboard": 0, "render": 0}
    count, render = analytics.dashboard, charts.render

    def counting_dashboard(*args, **kwargs):
        calls["dashboard"] += 1
        return count(*args, **kwargs)

    def counting_render(*args, **kwargs):
        calls["render"] += 1
        return render(*args, **kwargs)

    monkeypatch.setattr(analytics, "dashboard", counting_dashboard)
    monkeypatch.setattr(charts, "render", counting_render)
    return calls


def _chart_links(page: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<img src="([^"]+)"', page)]


def test_the_page_counts_once_and_its_charts_reuse_those_figures(client, quarter_data, counted):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    links = _chart_links(page)
    assert len(links) == 6 and all("v=" in link for link in links)
    assert counted["dashboard"] == 1
    for link in links:
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "image/png"
    assert counted["dashboard"] == 1  # no chart counted again
    assert counted["render"] == 6


def test_a_reload_gets_304s_and_nothing_is_counted_or_drawn_again(client, quarter_data, counted):
    login(client, "aa.director")
    link = _chart_links(client.get("/analytics/?period=2025-Q2").get_data(as_text=True))[0]
    first = client.get(link)
    assert first.headers["ETag"] and "private" in first.headers["Cache-Control"]
    assert "max-age=86400" in first.headers["Cache-Control"]
    counted.update(dashboard=0, render=0)

    again = client.get(link, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get(link).data == first.data  # a browser that kept nothing gets the drawn chart, not a redraw
    assert counted == {"dashboard": 0, "render": 0}


def test_a_worker_that_did_not_serve_the_page_counts_once_and_gives_the_same_etag(client, quarter_data, counted):
    login(client, "aa.director")
    link = _chart_links(client.get("/analytics/?period=2025-Q2").get_data(as_text=True))[0]
    etag = client.get(link).headers["ETag"]
    dashboard_cache.forget_all()  # as another worker would be
    counted.update(dashboard=0, render=0)
    response = client.get(link)
    assert response.headers["ETag"] == etag and counted == {"dashboard": 1, "render": 1}


def test_new_figures_give_new_chart_links_and_etags(client, quarter_data):
    login(client, "aa.director")
    before = _chart_links(client.get("/analytics/?period=2025-Q2").get_data(as_text=True))[0]
    etag = client.get(before).headers["ETag"]
    make_rating(quarter_data.a, datetime(2025, 5, 6, 2, tzinfo=UTC), 1)
    db.session.commit()
    after = _chart_links(client.get("/analytics/?period=2025-Q2").get_data(as_text=True))[0]
    assert after != before
    response = client.get(after, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    # The chart without the page's link is the current figures, to be checked again before each use.
    plain = client.get("/analytics/chart/trend.png?period=2025-Q2")
    assert plain.headers["ETag"] == response.headers["ETag"] and "no-cache" in plain.headers["Cache-Control"]


def test_a_kept_chart_is_refused_to_a_reader_of_another_office(client, quarter_data):
    login(client, "tpe.monitor")
    page = client.get(f"/analytics/?period=2025-Q2&office={quarter_data.b.id}").get_data(as_text=True)
    link = _chart_links(page)[0]
    etag = client.get(link).headers["ETag"]
    client.post("/logout")
    login(client, "aa.director")
    assert client.get(link).status_code == 403
    assert client.get(link, headers={"If-None-Match": etag}).status_code == 403


def test_a_reload_within_the_reuse_window_counts_nothing_and_says_when_it_counted(client, quarter_data, counted):
    client.application.config["DASHBOARD_REUSE_SECONDS"] = 60
    login(client, "aa.director")
    first = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    again = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    assert counted["dashboard"] == 1
    assert _chart_links(again) == _chart_links(first)
    when = re.search(r"本頁數據於 [^<]*計算", first).group(0)
    assert when in again  # the page shows the moment its figures were counted
    client.get("/analytics/?period=2025-Q1")  # another view is counted for itself
    assert counted["dashboard"] == 2


def test_without_a_reuse_window_every_view_counts_again(client, quarter_data, counted):
    client.application.config["DASHBOARD_REUSE_SECONDS"] = 0
    login(client, "aa.director")
    client.get("/analytics/?period=2025-Q2")
    client.get("/analytics/?period=2025-Q2")
    assert counted["dashboard"] == 2
