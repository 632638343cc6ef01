"""Pure statistics for the analytics pages: rates, intervals, growth, periods, funnel limits, Pareto.

Nothing here touches the database: every function takes counts and returns figures, so tests reach
them directly.
"""

import math
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ..i18n import roc_quarter, roc_year
from .calendar import TAIPEI

MIN_SAMPLE = 30  # fewer answers than this are "too few" to read a rate from
Z95 = 1.959963984540054
Z998 = 3.090232306167813


@dataclass
class ScoreCounts:
    """Answers per score 1–5 over valid (non-noise) answers, and the noise kept out of them."""

    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    noise: int = 0

    def add(self, other: "ScoreCounts") -> "ScoreCounts":
        return ScoreCounts(
            [a + b for a, b in zip(self.counts, other.counts, strict=True)], self.noise + other.noise
        )

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def satisfied(self) -> int:
        """滿意 + 非常滿意: the top-2 box."""
        return self.counts[3] + self.counts[4]


@dataclass
class Satisfaction:
    n: int
    satisfied: int
    rate: float | None
    low: float | None
    high: float | None
    mean: float | None
    distribution: list[float]
    counts: list[int]
    noise: int
    too_few: bool


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval of a proportion (well behaved near 0 and 1 and for small n)."""
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def satisfaction(counts: ScoreCounts) -> Satisfaction:
    """Satisfaction rate (top-2-box over valid answers), 95% Wilson interval, mean and distribution."""
    n = counts.n
    rate = counts.satisfied / n if n else None
    low, high = wilson_interval(counts.satisfied, n)
    mean = sum((i + 1) * c for i, c in enumerate(counts.counts)) / n if n else None
    dist = [c / n if n else 0.0 for c in counts.counts]
    return Satisfaction(
        n, counts.satisfied, rate, low, high, mean, dist, list(counts.counts), counts.noise, n < MIN_SAMPLE
    )


@dataclass
class Growth:
    """A change against a base period, in percentage points and relative to the base."""

    points: float | None
    relative: float | None

    @property
    def direction(self) -> int:
        if self.points is None or abs(self.points) < 1e-12:
            return 0
        return 1 if self.points > 0 else -1


def growth(current: float | None, base: float | None) -> Growth:
    """滿意度成長率: (current − base) in points (×100) and (current − base) / base."""
    if current is None or base is None:
        return Growth(None, None)
    points = (current - base) * 100
    relative = (current - base) / base if base else None
    return Growth(points, relative)


ROC_PERIOD = re.compile(r"^(?:民國)?(\d{1,3})年(?:第([1-4一二三四])季|(\d{1,2})月)?$")
CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


@dataclass(frozen=True)
class Period:
    """A month, quarter or year in Asia/Taipei."""

    kind: str  # "month" | "quarter" | "year"
    year: int
    index: int = 1  # month 1–12, quarter 1–4, 1 for a year

    KINDS = ("month", "quarter", "year")

    def __post_init__(self):
        limits = {"month": 12, "quarter": 4, "year": 1}
        if (
            self.kind not in limits
            or not 1 <= self.index <= limits[self.kind]
            or not 1912 <= self.year <= 9998
        ):
            raise ValueError(f"no such period: {self.kind} {self.year} {self.index}")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """2025-03 (month), 2025-Q3 (quarter) or 2025 (year); or as Taiwanese reports write them, with the ROC year:
        115年10月, 115年第3季 (or 第三季), 115年."""
        text = text.strip().upper()
        roc = ROC_PERIOD.match(text.replace(" ", ""))
        if roc:
            year, quarter, month = roc.groups()
            gregorian = int(year) + 1911
            if quarter:
                return cls("quarter", gregorian, int(CHINESE_DIGITS.get(quarter, quarter)))
            return cls("month", gregorian, int(month)) if month else cls("year", gregorian)
        try:
            if "-Q" in text:
                year, q = text.split("-Q")
                return cls("quarter", int(year), int(q))
            if "-" in text:
                year, m = text.split("-")
                return cls("month", int(year), int(m))
            return cls("year", int(text))
        except ValueError as exc:
            raise ValueError(f"not a period: {text}") from exc

    @classmethod
    def containing(cls, moment: datetime, kind: str = "quarter") -> "Period":
        local = moment.astimezone(TAIPEI)
        index = {"month": local.month, "quarter": (local.month - 1) // 3 + 1, "year": 1}[kind]
        return cls(kind, local.year, index)

    @property
    def key(self) -> str:
        return {
            "month": f"{self.year}-{self.index:02d}",
            "quarter": f"{self.year}-Q{self.index}",
            "year": f"{self.year}",
        }[self.kind]

    @property
    def months(self) -> list[tuple[int, int]]:
        first = {"month": self.index, "quarter": 3 * self.index - 2, "year": 1}[self.kind]
        count = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [(self.year, m) for m in range(first, first + count)]

    @property
    def ym_range(self) -> tuple[int, int]:
        """First and last month as year*100+month."""
        months = self.months
        return months[0][0] * 100 + months[0][1], months[-1][0] * 100 + months[-1][1]

    @property
    def start_local(self) -> datetime:
        y, m = self.months[0]
        return datetime(y, m, 1, tzinfo=TAIPEI)

    @property
    def end_local(self) -> datetime:
        """The first moment after the period."""
        y, m = self.months[-1]
        return datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=TAIPEI)

    @property
    def start_utc(self) -> datetime:
        return self.start_local.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end_local.astimezone(UTC)

    @property
    def last_day(self) -> date:
        return (self.end_local - timedelta(days=1)).date()

    @property
    def label(self) -> str:
        """114年第3季, 114年3月 or 114年."""
        if self.kind == "quarter":
            return roc_quarter(self.year, self.index)
        if self.kind == "month":
            return f"{roc_year(self.year)}年{self.index}月"
        return f"{roc_year(self.year)}年"

    @property
    def span_text(self) -> str:
        """From when to when, as the footnotes say it."""
        return f"{self.start_local.date().isoformat()} – {self.last_day.isoformat()}"

    def previous(self) -> "Period":
        if self.kind == "year" or self.index == 1:
            last = {"month": 12, "quarter": 4, "year": 1}[self.kind]
            return Period(self.kind, self.year - 1, last)
        return Period(self.kind, self.year, self.index - 1)

    def same_last_year(self) -> "Period":
        return Period(self.kind, self.year - 1, self.index)

    def sub_periods(self) -> list["Period"]:
        """Months of a quarter or year, quarters… the steps of its trend chart."""
        return [Period("month", y, m) for y, m in self.months]

    def trailing(self, count: int) -> list["Period"]:
        """This period and the count − 1 before it, oldest first."""
        periods = [self]
        while len(periods) < count:
            periods.insert(0, periods[0].previous())
        return periods


def funnel_limits(city_rate: float, n: int) -> dict[str, tuple[float, float]]:
    """95% and 99.8% limits of a rate from n answers around the city rate (normal approximation to
    the binomial)."""
    if n <= 0:
        return {"95": (0.0, 1.0), "99.8": (0.0, 1.0)}
    se = math.sqrt(city_rate * (1 - city_rate) / n)
    return {
        "95": (max(0.0, city_rate - Z95 * se), min(1.0, city_rate + Z95 * se)),
        "99.8": (max(0.0, city_rate - Z998 * se), min(1.0, city_rate + Z998 * se)),
    }


def funnel_position(rate: float, n: int, city_rate: float) -> str:
    """Where a unit falls on the funnel: "within", "above_95", "below_95", "above_998", "below_998"."""
    limits = funnel_limits(city_rate, n)
    lo998, hi998 = limits["99.8"]
    lo95, hi95 = limits["95"]
    if rate < lo998:
        return "below_998"
    if rate > hi998:
        return "above_998"
    if rate < lo95:
        return "below_95"
    if rate > hi95:
        return "above_95"
    return "within"


def pareto(counts: dict[str, int]) -> list[tuple[str, int, float, float]]:
    """Reasons ranked by count with share and cumulative share: (reason, count, share, cumulative)."""
    total = sum(counts.values())
    rows, cumulative = [], 0
    for reason, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        cumulative += count
        rows.append((reason, count, count / total if total else 0.0, cumulative / total if total else 0.0))
    return rows


def heatmap(
    cells: dict[tuple[int, int], ScoreCounts], hours: range = range(7, 19)
) -> list[list[float | None]]:
    """Satisfaction rate per weekday (rows, Monday first) × hour (columns); None where nobody answered."""
    grid = []
    for weekday in range(7):
        row = []
        for hour in hours:
            counts = cells.get((weekday, hour))
            row.append(counts.satisfied / counts.n if counts and counts.n else None)
        grid.append(row)
    return grid


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
