"""The one place matplotlib is configured: Agg, Figure objects only, the bundled CJK font, a safe palette.

Every chart is a function taking figures and returning a `matplotlib.figure.Figure`; `render()` turns it into
PNG (pages), SVG or PDF (print). Colours come from the Okabe–Ito palette, and every series also differs by
hatching or marker so it reads in greyscale; periods with too few answers are drawn hollow and dashed.
"""

import io
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from flask_babel import force_locale  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .labels import score_labels  # noqa: E402
from .services import stats  # noqa: E402

# Okabe–Ito: distinguishable with every common colour-vision deficiency, and distinct in greyscale when paired
# with markers and hatching.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
GOOD, BAD, NEUTRAL = "#0072B2", "#D55E00", "#999999"
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
# The Traditional Chinese face of the bundled collection: Taiwan's glyph forms (戶, not the Japanese 戸).
FONT_FAMILY = "Noto Sans CJK TC"
FONT_POSTSCRIPT_NAME = "NotoSansCJKtc-Regular"
_FONT_NAME: str | None = None


def font_path() -> Path:
    """NotoSansCJK-Regular.ttc from the noto-cjk-sans-otc package: a collection of the JP, KR, SC, TC and HK faces."""
    import noto_cjk_sans_otc

    return Path(noto_cjk_sans_otc.__file__).resolve().parent / "NotoSansCJK-Regular.ttc"


def tc_font_file() -> Path:
    """The collection's Traditional Chinese face as a font file of its own, for renderers that read one face per
    file (the printed report). Extracted once into the instance folder (or the temporary folder outside an app) and
    reused; the collection's first face is the Japanese one, which draws 戶 as 戸."""
    from flask import current_app, has_app_context

    folder = Path(current_app.instance_path if has_app_context() else tempfile.gettempdir()) / "fonts"
    target = folder / f"{FONT_POSTSCRIPT_NAME}.otf"
    if not target.exists():
        from fontTools.ttLib import TTCollection

        folder.mkdir(parents=True, exist_ok=True)
        collection = TTCollection(str(font_path()), lazy=True)
        try:
            face = next(f for f in collection.fonts if f["name"].getDebugName(6) == FONT_POSTSCRIPT_NAME)
            # Written beside the target and renamed, so a process reading the font never sees half a file.
            with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as part:
                face.save(part)
        finally:
            collection.close()
        os.replace(part.name, target)
    return target


def _font() -> str:
    """Register the CJK font once and return the family name of its Traditional Chinese face."""
    global _FONT_NAME
    if _FONT_NAME is None:
        font_manager.fontManager.addfont(str(font_path()))
        if not any(entry.name == FONT_FAMILY for entry in font_manager.fontManager.ttflist):
            # A matplotlib that registers only the first face of a collection gets the TC face as its own file.
            font_manager.fontManager.addfont(str(tc_font_file()))
        _FONT_NAME = FONT_FAMILY
        matplotlib.rcParams["svg.fonttype"] = "none"
        matplotlib.rcParams["pdf.fonttype"] = 3
        matplotlib.rcParams["axes.unicode_minus"] = False
    return _FONT_NAME


def font_properties(**kwargs) -> font_manager.FontProperties:
    """The Traditional Chinese face for text drawn outside a chart's default font (posters)."""
    return font_manager.FontProperties(family=_font(), **kwargs)


def figure(width: float = 7.0, height: float = 3.6, layout: str | None = "constrained") -> Figure:
    """A new Figure with the CJK font as its default text face."""
    name = _font()
    matplotlib.rcParams["font.family"] = [name]
    return Figure(figsize=(width, height), dpi=100, layout=layout)


def render(fig: Figure, fmt: str = "png") -> bytes:
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported chart format {fmt}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    return buffer.getvalue()


def _pct(value):
    return None if value is None else value * 100


def trend_chart(series: dict[str, list[tuple[str, stats.Satisfaction]]], title: str, footnote: str) -> Figure:
    """滿意度趨勢: one line per channel group with its 95% Wilson band; too-few periods hollow and dashed."""
    fig = figure()
    ax = fig.add_subplot()
    for i, (label, points) in enumerate(series.items()):
        colour, marker = PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]
        xs = list(range(len(points)))
        rates = [_pct(s.rate) for _, s in points]
        ax.plot(
            [x for x, r in zip(xs, rates, strict=True) if r is not None],
            [r for r in rates if r is not None],
            color=colour,
            linewidth=1.5,
            label=label,
            linestyle="-",
        )
        for x, (_, s) in zip(xs, points, strict=True):
            if s.rate is None:
                continue
            _, _, bars = ax.errorbar(
                [x],
                [_pct(s.rate)],
                yerr=[[_pct(s.rate - s.low)], [_pct(s.high - s.rate)]],
                fmt=marker,
                color=colour,
                markerfacecolor="white" if s.too_few else colour,
                markersize=7,
                capsize=3,
                linestyle="none",
                elinewidth=1,
            )
            for bar in bars:
                bar.set_linestyle("--" if s.too_few else "-")
        ax.set_xticks(xs, [p for p, _ in points], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("滿意度（%）")
    ax.set_ylim(0, 100)
    ax.grid(axis="y", color="#dddddd")
    ax.plot(
        [],
        [],
        marker="o",
        markerfacecolor="white",
        color=NEUTRAL,
        linestyle="--",
        label="樣本不足（少於30筆）",
    )
    ax.legend(fontsize=8, loc="lower left")
    _titles(fig, ax, title, footnote)
    return fig


def _titles(fig: Figure, ax, title: str, footnote: str) -> None:
    ax.set_title(title, fontsize=11)
    # supxlabel rather than free text, so constrained layout keeps the footnote clear of the tick labels.
    fig.supxlabel(footnote, fontsize=7, color="#444444", x=0.01, ha="left")


def distribution_chart(items: dict[str, stats.Satisfaction], title: str, footnote: str) -> Figure:
    """The five scores as stacked horizontal bars, one per channel group, hatched per score."""
    fig = figure(7.0, 1.2 + 0.6 * max(1, len(items)))
    ax = fig.add_subplot()
    labels = list(items)
    left = [0.0] * len(labels)
    greys = ["#D55E00", "#E69F00", "#BBBBBB", "#56B4E9", "#0072B2"]
    with force_locale("zh_TW"):  # the charts are drawn in Traditional Chinese whatever the page's language
        score_names = score_labels()
    for score in range(5):
        widths = [items[k].distribution[score] * 100 for k in labels]
        ax.barh(
            labels,
            widths,
            left=left,
            color=greys[score],
            hatch=HATCHES[score],
            edgecolor="#333333",
            linewidth=0.4,
            label=score_names[score],
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("占比（%）")
    ax.legend(fontsize=7, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    _titles(fig, ax, title, footnote)
    return fig


def heatmap_chart(grid: list[list[float | None]], hours: range, title: str, footnote: str) -> Figure:
    """Satisfaction by weekday × hour; blank where nobody answered, values printed in every cell."""
    fig = figure(7.0, 3.4)
    ax = fig.add_subplot()
    values = [[float("nan") if v is None else v * 100 for v in row] for row in grid]
    image = ax.imshow(values, cmap="cividis", vmin=40, vmax=100, aspect="auto")
    ax.set_xticks(range(len(hours)), [f"{h}時" for h in hours], fontsize=8)
    ax.set_yticks(range(7), [f"星期{d}" for d in WEEKDAYS], fontsize=8)
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v is not None:
                ax.text(
                    c,
                    r,
                    f"{v * 100:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v * 100 < 70 else "black",
                )
    fig.colorbar(image, ax=ax, label="滿意度（%）")
    _titles(fig, ax, title, footnote)
    return fig


# Where a funnel label may go around its point, in points from it, nearest first: right, left, above, below, then
# further out. A label that fits none of them is left off (its office or counter is in the comparison table).
LABEL_OFFSETS = [
    (dx, dy, ha)
    for step in (1, 2, 3)
    for dx, dy, ha in (
        (5, 2 * step - 1, "left"),
        (5, -8 * step, "left"),
        (-5, 2 * step - 1, "right"),
        (-5, -8 * step, "right"),
        (0, 6 + 9 * (step - 1), "center"),
        (0, -13 - 9 * (step - 1), "center"),
    )
]
MARKER_HALF_PX = 5


def _overlaps(box, boxes) -> bool:
    return any(box.overlaps(other) for other in boxes)


def place_labels(
    fig: Figure,
    ax,
    points: list[tuple[str, float, float]],
    drawn: list[tuple[float, float]] | None = None,
    fontsize: float = 7,
) -> list[str]:
    """Name each (name, x, y) point beside it where its label overlaps no other label, no other drawn point
    (`drawn`, by default the labelled points) and no legend, inside the axes; returns the names left unlabelled.
    The figure is laid out first (labels take no part in the layout), so the positions measured are those drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    drawn = [(x, y) for _, x, y in points] if drawn is None else drawn

    def marker(x, y):
        cx, cy = ax.transData.transform((x, y))
        return Bbox.from_extents(cx - MARKER_HALF_PX, cy - MARKER_HALF_PX, cx + MARKER_HALF_PX, cy + MARKER_HALF_PX)

    taken = [legend.get_window_extent(renderer) for legend in ([ax.get_legend()] if ax.get_legend() else [])]
    left_off = []
    for name, x, y in points:
        others = [marker(*xy) for xy in drawn if xy != (x, y)]
        for dx, dy, ha in LABEL_OFFSETS:
            label = ax.annotate(
                name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize, ha=ha, va="bottom"
            )
            label.set_in_layout(False)
            box = label.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not _overlaps(box, taken) and not _overlaps(box, others):
                taken.append(box)
                break
            label.remove()
        else:
            left_off.append(name)
    return left_off


def _draw_funnel(ax, points: list[dict], rate: float | None, reference: str) -> tuple[list, list]:
    """One funnel on one axes: the points by sample size, 95% and 99.8% limits around the reference rate.

    Returns the points outside the 95% limits as (name, n, rate %), to be named, and every point drawn."""
    outliers, drawn = [], []
    if rate is not None and points:
        top = max(p["n"] for p in points) * 1.2
        ns = [max(5, top * i / 200) for i in range(1, 201)]
        for key, style in (("95", "--"), ("99.8", ":")):
            limits = [stats.funnel_limits(rate, n)[key] for n in ns]
            ax.plot(ns, [lo * 100 for lo, _ in limits], color=NEUTRAL, linestyle=style, label=f"{key}% 管制界限")
            ax.plot(ns, [hi * 100 for _, hi in limits], color=NEUTRAL, linestyle=style)
        ax.axhline(rate * 100, color="#000000", linewidth=1, label=f"{reference} {rate * 100:.1f}%")
        for i, p in enumerate(points):
            colour = (
                BAD if p["position"].startswith("below") else GOOD if p["position"].startswith("above") else NEUTRAL
            )
            ax.plot(
                [p["n"]],
                [p["rate"] * 100],
                marker=MARKERS[i % len(MARKERS)],
                color=colour,
                linestyle="none",
                markerfacecolor="white" if p["too_few"] else colour,
                markersize=8,
            )
            drawn.append((p["n"], p["rate"] * 100))
            if p["position"] != "within":
                outliers.append((p["name"], p["n"], p["rate"] * 100))
    ax.set_xlabel("有效回答數")
    ax.set_ylabel("滿意度（%）")
    if rate is not None and points:  # an empty funnel has no limits to name
        ax.legend(fontsize=7, loc="lower right")
    return outliers, drawn


def _outliers_note(footnote: str, groups) -> str:
    if any(rate is not None and points for rate, points in groups):
        return f"{footnote}；僅標示超出95%管制界限者，各點數值見比較表"
    return footnote


def funnel_chart(points: list[dict], city_rate: float | None, title: str, footnote: str,
                 reference: str = "全市") -> Figure:
    """Funnel plot: each office or counter by its sample size, with 95% and 99.8% limits around the
    reference (by default the city) rate.

    Only the points outside the 95% limits are named, each where its name overlaps nothing else; the others (and
    any outlier whose name finds no free place) are read in the comparison table, as the footnote says."""
    fig = figure()
    ax = fig.add_subplot()
    outliers, drawn = _draw_funnel(ax, points, city_rate, reference)
    _titles(fig, ax, title, _outliers_note(footnote, [(city_rate, points)]))
    if outliers:
        place_labels(fig, ax, outliers, drawn)
    return fig


def funnel_panels(groups: list[tuple[str, float, list[dict]]], title: str, footnote: str) -> Figure:
    """One funnel per reference group (戶政事務所, 區公所 …) side by side, each around its own pooled rate."""
    if len(groups) <= 1:
        reference, rate, points = groups[0] if groups else ("全市", None, [])
        return funnel_chart(points, rate, title, footnote, reference)
    fig = figure(7.0, 3.8)
    axes = fig.subplots(1, len(groups), sharey=True)
    placed = []
    for ax, (reference, rate, points) in zip(axes, groups, strict=True):
        placed.append((ax, *_draw_funnel(ax, points, rate, reference)))
        ax.set_title(f"{reference}（{len(points)}）", fontsize=9)
    fig.suptitle(title, fontsize=11)
    note = _outliers_note(footnote, [(rate, points) for _, rate, points in groups])
    fig.supxlabel(note, fontsize=7, color="#444444", x=0.01, ha="left")
    for ax, outliers, drawn in placed:
        if outliers:
            place_labels(fig, ax, outliers, drawn)
    return fig


def pareto_chart(
    rows: list[tuple[str, int, float, float]], labels: dict[str, str], title: str, footnote: str
) -> Figure:
    """不滿意原因 ranked: bars of counts and the cumulative share."""
    fig = figure()
    ax = fig.add_subplot()
    names = [labels.get(r[0], r[0]) for r in rows]
    ax.bar(
        names,
        [r[1] for r in rows],
        color=PALETTE[0],
        hatch="//",
        edgecolor="#333333",
        linewidth=0.4,
        label="次數",
    )
    ax.set_ylabel("次數")
    twin = ax.twinx()
    twin.plot(names, [r[3] * 100 for r in rows], color=PALETTE[5], marker="s", label="累計占比（%）")
    twin.set_ylim(0, 105)
    twin.set_ylabel("累計占比（%）")
    ax.tick_params(axis="x", labelsize=8)
    _titles(fig, ax, title, footnote)
    return fig


def case_trend_chart(points: list[tuple[str, dict]], title: str, footnote: str) -> Figure:
    """Cases received and closed per period (bars), 如期回應率 (met by the reply) and 如期結案率 (lines)."""
    fig = figure()
    ax = fig.add_subplot()
    xs = list(range(len(points)))
    ax.bar([x - 0.2 for x in xs], [p["received"] for _, p in points], width=0.4, color=PALETTE[0], label="收件數")
    ax.bar(
        [x + 0.2 for x in xs],
        [p["closed"] for _, p in points],
        width=0.4,
        color=PALETTE[1],
        hatch="//",
        edgecolor="#333333",
        linewidth=0.4,
        label="結案數",
    )
    ax.set_xticks(xs, [label for label, _ in points], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("件數")
    twin = ax.twinx()
    for key, label, color, marker, style in (
        ("reply_on_time_rate", "如期回應率（%）", PALETTE[2], "o", "-"),
        ("on_time_rate", "如期結案率（%）", PALETTE[3], "^", "--"),
    ):
        rates = [
            (x, p[key] * 100) for x, (_, p) in zip(xs, points, strict=True) if p.get(key) is not None
        ]
        twin.plot([x for x, _ in rates], [r for _, r in rates], color=color, marker=marker, linestyle=style,
                  label=label)
    twin.set_ylim(0, 105)
    twin.set_ylabel("比率（%）")
    handles = ax.get_legend_handles_labels()
    other = twin.get_legend_handles_labels()
    ax.legend(handles[0] + other[0], handles[1] + other[1], fontsize=7, loc="lower left")
    _titles(fig, ax, title, footnote)
    return fig
