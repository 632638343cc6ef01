"""Whether this installation can serve: the database answers, the office calendars that due dates need are
imported, and the shared rate-limit store (when configured) answers. /healthz and `flask check` report it."""

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from .. import ratelimit
from ..extensions import db
from ..models import CalendarImport, utcnow
from .calendar import TAIPEI

OK, ERROR, MISSING, NOT_YET_REQUIRED = "ok", "error", "missing", "not_yet_required"

# The official calendar of a year is published by the middle of the year before; from December, due dates,
# extensions and reminders reach into the next year, so its calendar is required from then on.
NEXT_YEAR_REQUIRED_FROM = (12, 1)


def next_year_required(today: date) -> bool:
    return (today.month, today.day) >= NEXT_YEAR_REQUIRED_FROM


def calendar_years(today: date) -> dict[str, str]:
    """This year's and next year's calendar: ok, missing, or (next year, before December) not yet required."""
    years = (today.year, today.year + 1)
    imported = set(db.session.scalars(sa.select(CalendarImport.year).where(CalendarImport.year.in_(years))))
    found = {str(today.year): OK if today.year in imported else MISSING}
    if years[1] in imported:
        found[str(years[1])] = OK
    else:
        found[str(years[1])] = MISSING if next_year_required(today) else NOT_YET_REQUIRED
    return found


def check(now: datetime | None = None) -> dict:
    """The health report: {"status": "ok" | "error", "database": ..., "calendar": {year: ...}, "redis": ...}.

    The status is "error" when anything required is missing or not answering; "redis" is there only when the
    rate limits are configured to live in Redis."""
    today = (now or utcnow()).astimezone(TAIPEI).date()
    report: dict = {"status": OK}
    try:
        db.session.execute(sa.text("SELECT 1"))
        report["database"] = OK
    except Exception:  # an unreachable database is what this reports, not an error of the report
        db.session.rollback()
        report["database"] = ERROR
    if report["database"] == OK:
        try:
            report["calendar"] = calendar_years(today)
        except Exception:  # e.g. a database whose schema was never migrated
            db.session.rollback()
            report["calendar"] = {str(today.year): ERROR, str(today.year + 1): ERROR}
    if ratelimit.uses_redis(current_app.config.get("RATELIMIT_STORAGE_URI")):
        report["redis"] = OK if ratelimit.ping(current_app) else ERROR
    if problems(report):
        report["status"] = ERROR
    return report


def problems(report: dict) -> list[str]:
    """What is required and missing or not answering, in the report's words (e.g. "calendar 2027: missing")."""
    found = [f"{name}: {report[name]}" for name in ("database", "redis") if report.get(name) == ERROR]
    found += [f"calendar {year}: {state}" for year, state in report.get("calendar", {}).items()
              if state in (MISSING, ERROR)]
    return found
