"""A dashboard's figures computed once per page view, and each of its charts drawn once per set of figures.

The page computes its figures, keeps them here under a digest of everything they hold (and of the code that draws
them) and names that digest in its chart and table URLs (`v=`). A chart request finds the page's figures by the
digest instead of counting again, and a drawn chart is kept by (digest, name, format). Figures that did not change
give the same digest, so the same URLs and ETags: a reload draws nothing, and a browser that kept a chart gets a
304 without anything being counted. A worker that did not serve the page (several gunicorn workers) counts once
and keeps what it counted.

The page itself may reuse the figures it counted for the same view within a short window (`reused_board`,
DASHBOARD_REUSE_SECONDS): a reload within it counts nothing, and the page shows when its figures were counted.

Process-local, bounded and short-lived: it holds the figures of recent pages, never a second copy of the data.
"""

import dataclasses
import hashlib
import json
import threading
import time
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path

from .analytics import Dashboard

BOARDS_KEPT = 32
CHARTS_KEPT = 192
BOARD_SECONDS = 600
# The code that turns figures into charts: a change to it is a change to every chart, so it enters the digest.
_DRAWING_CODE = hashlib.sha256(
    b"".join(
        (Path(__file__).resolve().parent.parent / name).read_bytes() for name in ("charts.py", "services/reports.py")
    )
).hexdigest()


def _plain(value):
    """A value as JSON-ready data that is the same for the same figures in any process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return [[_plain(k), _plain(v)] for k, v in value.items()]
    if isinstance(value, list | tuple | range):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "__table__"):  # a mapped row (city, office): who it is and what it is called
        return [value.__table__.name, getattr(value, "id", None), getattr(value, "name", None)]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazy translated strings


def digest(board: Dashboard, locale: str) -> str:
    """What a dashboard's charts are drawn from, as a hex digest: its figures (not the moment they were computed),
    the language their labels are in, and the drawing code."""
    figures = {f.name: getattr(board, f.name) for f in dataclasses.fields(board) if f.name != "generated_at"}
    text = json.dumps([_DRAWING_CODE, locale, _plain(figures)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _Kept:
    """A small least-recently-used store with an age limit, safe to share between a worker's threads."""

    def __init__(self, size: int, seconds: float | None = None):
        self.size, self.seconds = size, seconds
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stored, value = item
            if self.seconds is not None and time.monotonic() - stored > self.seconds:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_boards = _Kept(BOARDS_KEPT, BOARD_SECONDS)
_charts = _Kept(CHARTS_KEPT)
_latest = _Kept(BOARDS_KEPT, BOARD_SECONDS)  # request key -> (when counted, digest, figures)


def keep_board(request_key: tuple, board: Dashboard, locale: str) -> str:
    """Keep a page's figures for its chart and table requests; returns their digest."""
    version = digest(board, locale)
    _boards.put((request_key, version), board)
    _latest.put(request_key, (time.monotonic(), version, board))
    return version


def reused_board(request_key: tuple, seconds: float) -> tuple[Dashboard, str] | None:
    """The figures and digest a page with the same request counted less than `seconds` ago, if any."""
    item = _latest.get(request_key) if seconds > 0 else None
    if item is None or time.monotonic() - item[0] >= seconds:
        return None
    return item[2], item[1]


def kept_board(request_key: tuple, version: str | None) -> Dashboard | None:
    """The figures a page with the same request computed under `version`, if this worker still has them."""
    return _boards.get((request_key, version)) if version else None


def chart_bytes(version: str, name: str, fmt: str, draw) -> bytes:
    """A chart drawn once per digest, name and format; `draw()` makes it when it is not kept."""
    key = (version, name, fmt)
    data = _charts.get(key)
    if data is None:
        data = draw()
        _charts.put(key, data)
    return data


def etag(version: str, name: str, fmt: str) -> str:
    return f"{version}-{name}-{fmt}"


def forget_all() -> None:
    """Drop every kept figure and chart (tests, and a process that wants its memory back)."""
    _boards.clear()
    _charts.clear()
    _latest.clear()
