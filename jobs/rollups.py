"""Keeps the satisfaction roll-ups of the analytics current: every few minutes (JOBS_ROLLUPS_SECONDS, default
300) the ratings not yet folded in are added. Folding claims each rating once, so a run that overlaps another,
or follows a crash, adds nothing twice."""

from datetime import datetime

from feedback_app.services.rollups import refresh_rollups


def refresh(now: datetime) -> dict:
    return {"folded": refresh_rollups()}
