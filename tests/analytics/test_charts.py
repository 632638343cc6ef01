"""Every chart renders in PNG, SVG and PDF with warnings as errors: no missing CJK glyph anywhere."""

import warnings

import pytest

from feedback_app import charts
from feedback_app.services.analytics import dashboard, scope_of
from feedback_app.services.reports import figures
from feedback_app.services.stats import Period


def test_every_chart_renders_without_a_single_warning(quarter_data):
    board = dashboard(scope_of(quarter_data.tpe), Period("quarter", 2025, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rendered = figures(board)
        assert set(rendered) == {"trend", "distribution", "heatmap", "funnel", "pareto", "cases"}
        for name, fig in rendered.items():
            assert charts.render(fig, "png").startswith(b"\x89PNG"), name
            assert b"<svg" in charts.render(fig, "svg")
            assert charts.render(fig, "pdf").startswith(b"%PDF")


def test_charts_draw_with_the_bundled_cjk_font():
    fig = charts.figure()
    assert charts.font_path().name == "NotoSansCJK-Regular.ttc"
    assert (
        "Noto Sans CJK"
        in fig.get_children()[0].get_figure().canvas.figure.text(0, 0, "滿意度").get_fontname()
    )


def test_unknown_formats_are_refused():
    with pytest.raises(ValueError):
        charts.render(charts.figure(), "gif")
