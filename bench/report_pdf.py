"""Time the quarterly report's PDF (and .ods) for one office and for the whole city, cold and warm.

    python bench/report_pdf.py [--ratings 6000] [--runs 3]

Builds a city of 12 offices on a SQLite database of its own (migrations, then ratings spread over two quarters
with reasons and demographics, and cases from every channel), computes each report's figures once, then times
the rendering: "cold" is the first PDF of the process (fonts loaded and the Traditional Chinese face prepared in
the instance folder if it is not there yet), "warm" the median of the following runs. Wall-clock and CPU time
are both printed: on a shared machine the CPU time says what the report costs without the neighbours' load.
The figures themselves (`dashboard()`) are timed by bench/dashboard.py.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback_app import create_app  # noqa: E402
from feedback_app.extensions import db  # noqa: E402
from feedback_app.services.reports import build_quarterly_report  # noqa: E402
from tests.analytics.factories import make_case, make_rating  # noqa: E402
from tests.factories import make_city, make_office  # noqa: E402

CHANNELS = ["1999", "petition_system", "mayor_mailbox", "email", "phone", "comment_box", "line"]
OUTCOMES = ["resolved", "explained", "not_our_duty", "duplicate"]


def load(ratings: int, rng: random.Random):
    city = make_city()
    offices = [make_office(city, f"O{i:02d}", f"第{i}戶政事務所", counters=3) for i in range(1, 13)]
    start = datetime(2025, 4, 1, 1, tzinfo=UTC)
    for n in range(ratings):
        office = offices[n % len(offices)]
        tapped = start + timedelta(days=rng.randrange(180), hours=rng.randint(0, 8))
        score = rng.choice([1, 2, 3, 4, 4, 5, 5, 5])
        make_rating(
            office,
            tapped,
            score,
            counter=office.counters[n % 3],
            reasons=[rng.choice(["wait_long", "attitude", "unclear"])] if score <= 2 else None,
            sex=rng.choice([None, "female", "male"]),
            age_group=rng.choice([None, "20_39", "40_64", "65_plus"]),
        )
    for n in range(40 * len(offices)):
        office = offices[n % len(offices)]
        received = start + timedelta(days=rng.randrange(180), hours=2)
        closed = received + timedelta(days=rng.randint(1, 15)) if rng.random() < 0.9 else None
        make_case(
            office,
            received,
            received + timedelta(days=9),
            closed_at=closed,
            state="closed" if closed else "in_progress",
            outcome=rng.choice(OUTCOMES),
            channel=rng.choice(CHANNELS),
            reply_score=rng.choice([None, 3, 4, 5]) if closed else None,
            reply_rated_at=closed + timedelta(days=1) if closed else None,
        )
    db.session.commit()
    return city, offices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None})
        app.instance_path = str(Path(tmp) / "instance")
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            t = time.perf_counter()
            city, offices = load(args.ratings, random.Random(7))
            print(f"loaded {args.ratings} ratings and {40 * len(offices)} cases in {time.perf_counter() - t:.1f} s")
            for label, target in (("office", offices[0]), ("city", city)):
                t = time.perf_counter()
                report = build_quarterly_report(target, 2025, 3)
                figures_s = time.perf_counter() - t
                times, cpu = [], []
                for _ in range(1 + args.runs):
                    t, c = time.perf_counter(), time.process_time()
                    pdf = report.pdf()
                    times.append(time.perf_counter() - t)
                    cpu.append(time.process_time() - c)
                t = time.perf_counter()
                report.ods()
                ods_s = time.perf_counter() - t
                print(
                    f"{label:6s} figures {figures_s:.2f} s | pdf cold {times[0]:.2f} s (cpu {cpu[0]:.2f} s), "
                    f"warm {statistics.median(times[1:]):.2f} s (cpu {statistics.median(cpu[1:]):.2f} s), "
                    f"{len(pdf) // 1024} KiB | ods {ods_s:.2f} s"
                )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
