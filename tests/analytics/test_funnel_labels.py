"""The funnel plot names its outliers where no name overlaps another, a point or the legend; the rest are read in
the comparison table."""

import itertools

from feedback_app import charts
from feedback_app.services import stats


def _points(rates_and_sizes) -> list[dict]:
    return [
        {
            "name": f"第{i + 1}戶政事務所",
            "n": n,
            "rate": rate,
            "position": stats.funnel_position(rate, n, 0.85),
            "too_few": n < stats.MIN_SAMPLE,
        }
        for i, (rate, n) in enumerate(rates_and_sizes)
    ]


def _label_boxes(fig):
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    return ax, {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}


def test_crowded_outliers_get_names_that_never_overlap():
    # Twelve offices far below the city rate with nearly the same size and rate: drawn at one offset, every name
    # would sit on the next.
    points = _points([(0.60 + 0.004 * i, 500 + 4 * i) for i in range(12)])
    fig = charts.funnel_chart(points, 0.85, "與全市比較（漏斗圖）", "臺北市 · 114年第2季")
    charts.render(fig, "png")  # laid out and drawn as served
    ax, boxes = _label_boxes(fig)
    assert len(boxes) >= 3
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    for name, box in boxes.items():
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, name
        assert not box.overlaps(legend), name


def test_only_points_outside_the_limits_are_named_and_the_footnote_sends_to_the_table():
    points = _points([(0.85, 400), (0.86, 380), (0.50, 300), (0.99, 600)])
    fig = charts.funnel_chart(points, 0.85, "與全市比較（漏斗圖）", "臺北市")
    charts.render(fig, "svg")
    _, boxes = _label_boxes(fig)
    assert set(boxes) == {"第3戶政事務所", "第4戶政事務所"}
    assert "比較表" in fig.get_supxlabel()
