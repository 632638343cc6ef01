"""The staff survey's scheduled work: close rounds whose end date has passed, then send each open round's one
reminder to those who have not answered (the ledger's keys make a second run send nothing twice)."""

from datetime import datetime

from feedback_app.extensions import db
from feedback_app.services import staff_survey


def staff_survey_rounds(now: datetime) -> dict:
    closed = staff_survey.close_ended_rounds(now)
    reminded = staff_survey.remind(now)
    db.session.commit()
    return {"closed": closed, "reminded": reminded}
